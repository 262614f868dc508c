import type { Message } from "../core/message.js";
import type { OpOptions } from "../core/op.js";
import type { OptionSpec, OptionValue } from "../core/options.js";
import { BUFFER_OPTION, DEFAULT_TTL, TTL_OPTION } from "./common.js";
import type { ProtoContext } from "./protocol.js";
import { QueuedProtocol } from "./queued-protocol.js";

/**
 * Shared shape of req, rep, surveyor and respondent: cooked sockets forward
 * to a default context (`main`) and can open more; raw sockets receive through
 * one fair queue. `ttl-max`, `recv-buffer` and `send-buffer` live here.
 * @internal
 */
export abstract class ContextProtocol<C extends ProtoContext> extends QueuedProtocol {
  readonly contexts = new Set<C>();
  protected ttl = DEFAULT_TTL;
  protected abstract readonly main: C;

  /** A new context with the default context's protocol settings copied. */
  protected abstract newContext(): C;

  /** `send-buffer`: only req uses one (its load balancer); others report 0. */
  protected getSendBuffer(): number {
    return 0;
  }
  protected setSendBuffer(_n: number): void {}

  override optionSpec(name: string): OptionSpec | undefined {
    if (name === "ttl-max") return TTL_OPTION;
    if (name === "recv-buffer" || name === "send-buffer") return BUFFER_OPTION;
    return this.raw ? super.optionSpec(name) : this.main.optionSpec(name);
  }
  override getOpt(name: string): OptionValue | undefined {
    if (name === "ttl-max") return this.ttl;
    if (name === "recv-buffer") return this.fq.cap;
    if (name === "send-buffer") return this.getSendBuffer();
    return this.raw ? super.getOpt(name) : this.main.getOpt(name);
  }
  override setOpt(name: string, v: OptionValue): void {
    if (name === "ttl-max") this.ttl = v as number;
    else if (name === "recv-buffer") this.fq.cap = v as number;
    else if (name === "send-buffer") this.setSendBuffer(v as number);
    else if (this.raw) super.setOpt(name, v);
    else this.main.setOpt(name, v);
  }

  override recv(opts: OpOptions | undefined): Promise<Message> {
    return this.raw ? super.recv(opts) : this.main.recv(opts);
  }
  override requeue(m: Message): void {
    if (this.raw) super.requeue(m);
    else this.main.requeue(m);
  }
  override openContext(): ProtoContext {
    if (this.raw) return super.openContext();
    const c = this.newContext();
    c.recvTimeout = this.main.recvTimeout;
    c.sendTimeout = this.main.sendTimeout;
    this.contexts.add(c);
    return c;
  }
  override close(): void {
    this.main.close();
    for (const c of [...this.contexts]) c.close();
    super.close();
  }
}
