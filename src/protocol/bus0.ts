import { EMPTY, Message, shiftWord, u32be } from "../core/message.js";
import type { OpOptions } from "../core/op.js";
import type { OptionSpec, OptionValue } from "../core/options.js";
import type { Pipe } from "../core/pipe.js";
import { BUFFER_OPTION, headerIntoBody } from "./common.js";
import { PROTO } from "./ids.js";
import { QueuedProtocol } from "./queued-protocol.js";
import { Outbox } from "./queues.js";

/** Per-pipe send queue of bus; a full queue drops the message for that pipe. */
const BUS_PIPE_QUEUE = 16;

/**
 * bus0: every send goes to each directly connected peer and never blocks.
 * Raw mode tags received messages with the source pipe id (4-byte header) and
 * skips the pipe named in a sent header, so a one-socket device reflects a
 * message to everyone but its origin.
 * @internal
 */
export class Bus0 extends QueuedProtocol {
  readonly info = PROTO.bus0;
  private readonly pipes = new Map<number, Pipe>();
  private sendBuffer = BUS_PIPE_QUEUE;

  protected override get ownOptions(): Record<string, OptionSpec> {
    return { "recv-buffer": BUFFER_OPTION, "send-buffer": BUFFER_OPTION };
  }
  protected override getOwnOpt(name: string): OptionValue | undefined {
    if (name === "recv-buffer") return this.fq.cap;
    if (name === "send-buffer") return this.sendBuffer;
    return undefined;
  }
  protected override setOwnOpt(name: string, v: OptionValue): void {
    if (name === "recv-buffer") this.fq.cap = v as number;
    if (name === "send-buffer") this.sendBuffer = Math.max(1, v as number);
  }

  addPipe(p: Pipe): void {
    this.checkPeer(p);
    p.data = new Outbox(p, this.sendBuffer, false);
    this.pipes.set(p.id, p);
  }
  removePipe(p: Pipe): void {
    this.pipes.delete(p.id);
  }
  override pipeReady(p: Pipe): void {
    (p.data as Outbox).flush();
  }
  pipeMessage(p: Pipe, m: Message): void {
    headerIntoBody(m);
    if (this.raw) m.header = u32be(p.id);
    this.fq.put(p, m);
  }

  send(m: Message, _opts: OpOptions | undefined): Promise<void> {
    let skip = 0;
    let header = EMPTY;
    if (this.raw && m.header.length >= 4) {
      const copy = new Message(m.body, m.header);
      skip = shiftWord(copy)!;
      header = copy.header;
    }
    for (const p of this.pipes.values()) {
      if (p.id !== skip) (p.data as Outbox).push(header, m.body);
    }
    return Promise.resolve();
  }
}
