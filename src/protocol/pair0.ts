import { nngError } from "../core/errors.js";
import { EMPTY, type Message } from "../core/message.js";
import type { OpOptions } from "../core/op.js";
import type { OptionSpec, OptionValue } from "../core/options.js";
import type { Pipe } from "../core/pipe.js";
import { BUFFER_OPTION, headerIntoBody } from "./common.js";
import { PROTO } from "./ids.js";
import { QueuedProtocol } from "./queued-protocol.js";
import { LoadBalancer } from "./queues.js";

/**
 * pair0: one peer at a time, no header. A second connection passes the
 * handshake and is then closed (EBUSY). Sends wait while the peer is busy.
 * @internal
 */
export class Pair0 extends QueuedProtocol {
  readonly info = PROTO.pair0;
  private pipe: Pipe | undefined;
  private readonly lb = new LoadBalancer(0);

  protected override get ownOptions(): Record<string, OptionSpec> {
    return { "recv-buffer": BUFFER_OPTION, "send-buffer": BUFFER_OPTION };
  }
  protected override getOwnOpt(name: string): OptionValue | undefined {
    if (name === "recv-buffer") return this.fq.cap;
    if (name === "send-buffer") return this.lb.cap;
    return undefined;
  }
  protected override setOwnOpt(name: string, v: OptionValue): void {
    if (name === "recv-buffer") this.fq.cap = v as number;
    if (name === "send-buffer") this.lb.cap = v as number;
  }

  addPipe(p: Pipe): void {
    this.checkPeer(p);
    if (this.pipe) throw nngError("EBUSY", "pair already has a peer");
    this.pipe = p;
    this.lb.addPipe(p);
  }
  removePipe(p: Pipe): void {
    if (this.pipe !== p) return;
    this.pipe = undefined;
    this.lb.removePipe(p);
  }
  override pipeReady(p: Pipe): void {
    this.lb.pipeReady(p);
  }
  pipeMessage(p: Pipe, m: Message): void {
    headerIntoBody(m);
    this.fq.put(p, m);
  }

  send(m: Message, opts: OpOptions | undefined): Promise<void> {
    const op = this.sendOp(opts);
    this.lb.send({ header: this.raw ? m.header : EMPTY, body: m.body, op });
    return op.promise;
  }
  constructor(raw: boolean) {
    super(raw, 0);
  }
  override close(): void {
    super.close();
    this.lb.failAll(nngError("ECLOSED"));
  }
}
