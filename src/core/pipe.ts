import type { NngError } from "./errors.js";
import type { Message } from "./message.js";
import type { TransportPipe } from "../transport/transport.js";
import type { TrafficCounters } from "./stats.js";

/** What the socket core tells a pipe's owner. @internal */
export interface PipeOwner {
  pipeMessage(p: Pipe, m: Message): void;
  pipeReady(p: Pipe): void;
  pipeClosed(p: Pipe, err: NngError | undefined): void;
}

/**
 * Public, read-only facts about a pipe (one connection).
 * @example
 * ```ts
 * s.on("pipe:add", (p: PipeInfo) => console.log(p.id, p.transport, p.remoteAddress));
 * ```
 */
export interface PipeInfo {
  /** nng pipe id: 31-bit, unique in the process. */
  readonly id: number;
  /** `tcp`, `ipc`, `inproc`, `ws`, `wss` or `tls+tcp`. */
  readonly transport: string;
  /** This side's address, e.g. `127.0.0.1:5555` (tcp) or the path (ipc). */
  readonly localAddress: string;
  /** The peer's address, in the same form. */
  readonly remoteAddress: string;
  /** Id of the dialer or listener that made it. */
  readonly endpoint: number;
}

/**
 * One connection as protocols see it: whole messages in and out, a `ready`
 * flag for write back-pressure, pause/resume for read back-pressure, and a
 * slot for the protocol's per-pipe state.
 * @internal
 */
export class Pipe implements PipeInfo {
  ready = true;
  closed = false;
  /** Protocol-private state. */
  data: unknown;

  constructor(
    readonly id: number,
    readonly tp: TransportPipe,
    readonly endpoint: number,
    private readonly traffic?: TrafficCounters,
  ) {}

  get transport(): string {
    return this.tp.transport;
  }
  get localAddress(): string {
    return this.tp.localAddress;
  }
  get remoteAddress(): string {
    return this.tp.remoteAddress;
  }
  get peer(): number {
    return this.tp.peer;
  }

  start(owner: PipeOwner): void {
    this.tp.start({
      message: (m) => {
        m.pipe = this.id;
        const t = this.traffic;
        if (t) {
          t.rxMsgs++;
          t.rxBytes += m.header.length + m.body.length;
        }
        owner.pipeMessage(this, m);
      },
      drain: () => {
        if (this.closed) return;
        this.ready = true;
        owner.pipeReady(this);
      },
      closed: (err) => {
        if (this.closed) return;
        this.closed = true;
        owner.pipeClosed(this, err);
      },
    });
  }

  /** Writes one message; afterwards `ready` tells whether another may follow at once. */
  send(header: Uint8Array, body: Uint8Array): void {
    if (this.closed) return;
    const t = this.traffic;
    if (t) {
      t.txMsgs++;
      t.txBytes += header.length + body.length;
    }
    this.ready = this.tp.send(header, body);
  }

  pause(): void {
    this.tp.pause();
  }

  resume(): void {
    this.tp.resume();
  }

  /** {@link TransportPipe.resumeNow} where the transport has it, else `resume`. */
  resumeNow(): void {
    const tp = this.tp;
    if (tp.resumeNow) tp.resumeNow();
    else tp.resume();
  }

  close(): void {
    this.tp.close();
  }

  info(): PipeInfo {
    return { id: this.id, transport: this.transport, localAddress: this.localAddress, remoteAddress: this.remoteAddress, endpoint: this.endpoint };
  }
}
