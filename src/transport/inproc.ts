import { nngError, type NngError } from "../core/errors.js";
import { macrotask } from "../core/macrotask.js";
import { Message } from "../core/message.js";
import type { PipeHandlers, Transport, TransportDialer, TransportInit, TransportListener, TransportPipe } from "./transport.js";

/** Messages queued at a receiver before its sender is asked to wait for drain. */
const INPROC_HWM = 1024;

const registry = new Map<string, InprocListener>();
const RESOLVED = Promise.resolve();

/**
 * Flushes run as promise jobs, so an inproc exchange never waits for the
 * event loop; past this many in one macrotask turn the next flush waits for
 * a macrotask, so a tight send/recv loop cannot starve timers and I/O.
 */
const FLUSH_BUDGET = 4096;
let turnFlushes = 0;
let turnResetQueued = false;
const resetTurn = (): void => {
  turnFlushes = 0;
  turnResetQueued = false;
};

/**
 * One end of an in-process connection. Messages move by reference: the
 * sender's header and body arrays are handed over, never copied or framed.
 * Delivery is batched on a microtask so protocols are never re-entered.
 */
class InprocEnd implements TransportPipe {
  readonly transport = "inproc";
  other!: InprocEnd;
  private inbox: Message[] = [];
  private head = 0;
  private handlers: PipeHandlers | undefined;
  private paused = true;
  private scheduled = false;
  private closed = false;
  private closeErr: NngError | undefined;
  /** Set when our sender was refused and waits for the peer to drain. */
  wantsDrain = false;

  constructor(
    readonly peer: number,
    readonly localAddress: string,
    readonly remoteAddress: string,
  ) {}

  start(h: PipeHandlers): void {
    if (this.closed) {
      const err = this.closeErr;
      queueMicrotask(() => h.closed(err));
      return;
    }
    this.handlers = h;
    this.resume();
  }

  send(header: Uint8Array, body: Uint8Array): boolean {
    if (this.closed) return true;
    const o = this.other;
    if (o.closed) return true;
    o.inbox.push(new Message(body, header));
    o.schedule();
    const pending = o.inbox.length - o.head;
    if (pending >= INPROC_HWM) {
      this.wantsDrain = true;
      return false;
    }
    return true;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (this.closed || !this.handlers) return;
    this.paused = false;
    this.schedule();
  }

  close(): void {
    this.shutdown(undefined);
    this.other.shutdown(nngError("ECONNSHUT"));
  }

  private schedule(): void {
    if (this.scheduled || this.paused || !this.handlers) return;
    this.scheduled = true;
    if (!turnResetQueued) {
      turnResetQueued = true;
      macrotask(resetTurn);
    }
    // A promise job, not queueMicrotask: same ordering, without Node's per-call async-context wrapper.
    if (++turnFlushes <= FLUSH_BUDGET) RESOLVED.then(this.flush);
    else macrotask(this.flush);
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    while (!this.paused && !this.closed && this.handlers && this.head < this.inbox.length) {
      const m = this.inbox[this.head]!;
      this.inbox[this.head++] = undefined as unknown as Message;
      this.handlers.message(m);
    }
    if (this.head >= this.inbox.length) {
      this.inbox = [];
      this.head = 0;
    }
    const sender = this.other;
    if (sender.wantsDrain && this.inbox.length - this.head < INPROC_HWM / 2) {
      sender.wantsDrain = false;
      sender.handlers?.drain();
    }
  };

  private shutdown(err: NngError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.closeErr = err;
    this.inbox = [];
    this.head = 0;
    const h = this.handlers;
    this.handlers = undefined;
    if (h) queueMicrotask(() => h.closed(err));
  }
}

class InprocListener implements TransportListener {
  private onPipe: ((p: TransportPipe) => void) | undefined;
  private bound = false;
  readonly boundUrl: string;
  readonly boundPort = undefined;

  constructor(private readonly init: TransportInit) {
    this.boundUrl = init.url.url;
  }

  bind(): Promise<void> {
    const name = this.init.url.host;
    if (registry.has(name)) return Promise.reject(nngError("EADDRINUSE", this.init.url.url));
    registry.set(name, this);
    this.bound = true;
    return Promise.resolve();
  }

  accept(onPipe: (p: TransportPipe) => void, _onError?: (err: NngError) => void): void {
    this.onPipe = onPipe;
  }

  /** Called by a dialer in this process. */
  connect(dialerProto: number): InprocEnd {
    const url = this.init.url.url;
    const d = new InprocEnd(this.init.self, url, url);
    const l = new InprocEnd(dialerProto, url, url);
    d.other = l;
    l.other = d;
    const onPipe = this.onPipe;
    queueMicrotask(() => {
      if (onPipe && this.bound) onPipe(l);
      else l.close();
    });
    return d;
  }

  close(): Promise<void> {
    if (this.bound && registry.get(this.init.url.host) === this) registry.delete(this.init.url.host);
    this.bound = false;
    this.onPipe = undefined;
    return Promise.resolve();
  }
}

class InprocDialer implements TransportDialer {
  constructor(private readonly init: TransportInit) {}
  connect(): Promise<TransportPipe> {
    const l = registry.get(this.init.url.host);
    if (!l) return Promise.reject(nngError("ECONNREFUSED", `no listener on ${this.init.url.url}`));
    return Promise.resolve(l.connect(this.init.self));
  }
  close(): void {}
}

/** In-process transport: no handshake, no framing, no copies. @internal */
export const inprocTransport: Transport = {
  dialer: (init) => new InprocDialer(init),
  listener: (init) => new InprocListener(init),
};
