import { EMPTY, type Message } from "../core/message.js";
import type { OpOptions } from "../core/op.js";
import type { OptionSpec, OptionValue } from "../core/options.js";
import type { Pipe } from "../core/pipe.js";
import { PROTO } from "./ids.js";
import { notSupported, Protocol } from "./protocol.js";
import { Outbox } from "./queues.js";

/**
 * pub0: every message to every subscriber, never blocking. A slow subscriber's
 * queue (`send-buffer`, 16) drops its oldest message. A subscriber that sends
 * anything is disconnected, as nng does.
 * @internal
 */
export class Pub0 extends Protocol {
  readonly info = PROTO.pub0;
  private readonly pipes = new Set<Pipe>();
  private sendBuffer = 16;

  protected override get ownOptions(): Record<string, OptionSpec> {
    return { "send-buffer": { type: "int", min: 1, max: 8192 } };
  }
  protected override getOwnOpt(name: string): OptionValue | undefined {
    return name === "send-buffer" ? this.sendBuffer : undefined;
  }
  protected override setOwnOpt(name: string, v: OptionValue): void {
    if (name === "send-buffer") {
      this.sendBuffer = v as number;
      for (const p of this.pipes) (p.data as Outbox).cap = this.sendBuffer;
    }
  }

  addPipe(p: Pipe): void {
    this.checkPeer(p);
    p.data = new Outbox(p, this.sendBuffer, true);
    this.pipes.add(p);
  }
  removePipe(p: Pipe): void {
    this.pipes.delete(p);
  }
  override pipeReady(p: Pipe): void {
    (p.data as Outbox).flush();
  }
  pipeMessage(p: Pipe): void {
    p.close();
  }
  send(m: Message, _opts: OpOptions | undefined): Promise<void> {
    const header = this.raw ? m.header : EMPTY;
    for (const p of this.pipes) (p.data as Outbox).push(header, m.body);
    return Promise.resolve();
  }
  recv(): Promise<Message> {
    return notSupported("pub sockets cannot receive");
  }
  close(): void {
    this.closed = true;
  }
}

