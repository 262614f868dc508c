import { nngError } from "../core/errors.js";
import { EMPTY, type Message } from "../core/message.js";
import { effectiveTimeout, type OpOptions } from "../core/op.js";
import type { OptionSpec, OptionValue } from "../core/options.js";
import type { Pipe } from "../core/pipe.js";
import { BUFFER_OPTION } from "./common.js";
import { PROTO } from "./ids.js";
import { notSupported, Protocol } from "./protocol.js";
import { LoadBalancer, SENT } from "./queues.js";

/**
 * push0: load-balances across pullers, round-robin among the ready ones.
 * With no ready peer and `send-buffer` full, a send waits (ETIMEDOUT after
 * `send-timeout`, EAGAIN when non-blocking); messages are never dropped.
 * @internal
 */
export class Push0 extends Protocol {
  readonly info = PROTO.push0;
  private readonly lb = new LoadBalancer(0);

  protected override get ownOptions(): Record<string, OptionSpec> {
    return { "send-buffer": BUFFER_OPTION };
  }
  protected override getOwnOpt(name: string): OptionValue | undefined {
    return name === "send-buffer" ? this.lb.cap : undefined;
  }
  protected override setOwnOpt(name: string, v: OptionValue): void {
    if (name === "send-buffer") this.lb.cap = v as number;
  }

  addPipe(p: Pipe): void {
    this.checkPeer(p);
    this.lb.addPipe(p);
  }
  removePipe(p: Pipe): void {
    this.lb.removePipe(p);
  }
  override pipeReady(p: Pipe): void {
    this.lb.pipeReady(p);
  }
  /** Whatever a puller sends is read and discarded; the pipe stays open. */
  pipeMessage(): void {}

  override sendNow(m: Message, opts: OpOptions | undefined): boolean {
    effectiveTimeout(opts, this.sendTimeout);
    return this.lb.sendNow(this.raw ? m.header : EMPTY, m.body);
  }
  send(m: Message, opts: OpOptions | undefined): Promise<void> {
    // A ready pipe takes the message at once: no pending operation to build.
    if (this.sendNow(m, opts)) return SENT;
    const op = this.sendOp(opts);
    this.lb.send({ header: this.raw ? m.header : EMPTY, body: m.body, op });
    return op.promise;
  }
  recv(): Promise<Message> {
    return notSupported("push sockets cannot receive");
  }
  close(): void {
    this.closed = true;
    this.lb.failAll(nngError("ECLOSED"));
  }
}
