import type { Message } from "../core/message.js";
import { effectiveTimeout, type OpOptions } from "../core/op.js";
import type { OptionSpec, OptionValue } from "../core/options.js";
import type { Pipe } from "../core/pipe.js";
import { BUFFER_OPTION, headerIntoBody } from "./common.js";
import { PROTO } from "./ids.js";
import { QueuedProtocol } from "./queued-protocol.js";
import { notSupported } from "./protocol.js";

/**
 * pull0: fair-queues messages from all pushers; each pipe holds at most one
 * message beyond `recv-buffer`, so no pusher can starve the others.
 * @internal
 */
export class Pull0 extends QueuedProtocol {
  readonly info = PROTO.pull0;

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
  override recvNow(opts: OpOptions | undefined): Message | undefined {
    effectiveTimeout(opts, this.recvTimeout);
    return this.fq.take();
  }
  send(): Promise<void> {
    return notSupported("pull sockets cannot send");
  }
}
