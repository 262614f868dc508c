import { nngError } from "../core/errors.js";
import type { Message } from "../core/message.js";
import type { OpOptions } from "../core/op.js";
import type { OptionSpec, OptionValue } from "../core/options.js";
import type { Pipe } from "../core/pipe.js";
import { BUFFER_OPTION, headerIntoBody } from "./common.js";
import { PROTO } from "./ids.js";
import { notSupported, Protocol } from "./protocol.js";
import { FairQueue } from "./queues.js";

/**
 * pull0: fair-queues messages from all pushers; each pipe holds at most one
 * message beyond `recv-buffer`, so no pusher can starve the others.
 * @internal
 */
export class Pull0 extends Protocol {
  readonly info = PROTO.pull0;
  private readonly fq = new FairQueue(1);

  protected override get ownOptions(): Record<string, OptionSpec> {
    return { "recv-buffer": BUFFER_OPTION };
  }
  protected override getOwnOpt(name: string): OptionValue | undefined {
    return name === "recv-buffer" ? this.fq.cap : undefined;
  }
  protected override setOwnOpt(name: string, v: OptionValue): void {
    if (name === "recv-buffer") this.fq.cap = v as number;
  }

  addPipe(p: Pipe): void {
    this.checkPeer(p);
  }
  removePipe(): void {}
  pipeMessage(p: Pipe, m: Message): void {
    headerIntoBody(m);
    this.fq.put(p, m);
  }
  send(): Promise<void> {
    return notSupported("pull sockets cannot send");
  }
  recv(opts: OpOptions | undefined): Promise<Message> {
    const op = this.recvOp(opts);
    this.fq.get(op);
    return op.promise;
  }
  override requeue(m: Message): void {
    this.fq.unshift(m);
  }
  close(): void {
    this.closed = true;
    this.fq.failAll(nngError("ECLOSED"));
  }
}
