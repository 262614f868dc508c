import { nngError, type NngError } from "../core/errors.js";
import { macrotask } from "../core/macrotask.js";
import { Message } from "../core/message.js";
import { Ring } from "../core/ring.js";
import type { PipeHandlers, Transport, TransportDialer, TransportInit, TransportListener, TransportPipe } from "./transport.js";

/** Messages queued at a receiver before its sender is asked to wait for drain. */
const INPROC_HWM = 1024;
/**
 * The same while the receiver's delivery waits for the next macrotask turn:
 * enough for the two sides to resume a few messages apart (the reader then
 * takes from a paused pipe, with no promise job per message), few enough
 * that little is in flight, so messages die young and cheap to collect.
 */
const DEFERRED_HWM = 16;

const registry = new Map<string, InprocListener>();
const RESOLVED = Promise.resolve();

/**
 * Flushes run as promise jobs (or inside a reader's receive, see
 * `resumeNow`), so an inproc exchange never waits for the event loop; past
 * this many in one macrotask turn the next flush waits for a macrotask, so a
 * tight send/recv loop cannot starve timers and I/O.
 */
const FLUSH_BUDGET = 4096;
let turnFlushes = 0;
let turnResetQueued = false;
const resetTurn = (): void => {
  turnFlushes = 0;
  turnResetQueued = false;
};
/** Counts one flush against this turn's budget; false once it is spent. */
const spendTurn = (): boolean => {
  if (!turnResetQueued) {
    turnResetQueued = true;
    macrotask(resetTurn);
  }
  return ++turnFlushes <= FLUSH_BUDGET;
};

/**
 * One end of an in-process connection. Messages move by reference: the
 * sender's header and body arrays are handed over, never copied or framed.
 * Delivery is batched on a microtask, never inside `send`, so the sending
 * protocol is never re-entered; the one exception is `resumeNow`, which a
 * reader calls when it is done with its own state. The inbox holds at most
 * about INPROC_HWM messages: past it the sender waits for drain.
 */
class InprocEnd implements TransportPipe {
  readonly transport = "inproc";
  other!: InprocEnd;
  private inbox = new Ring<Message>();
  private handlers: PipeHandlers | undefined;
  private paused = true;
  private scheduled = false;
  /** Our flush waits for a macrotask (the turn's budget is spent). */
  private deferred = false;
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
    if (!o.scheduled && !o.paused) o.schedule();
    if (o.inbox.size >= (o.deferred ? DEFERRED_HWM : INPROC_HWM)) {
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

  /**
   * A reader took the message that paused us: hand over the next ones now,
   * in the reader's call, instead of on a promise job (one job per message
   * saved when a pull socket's reader and its pusher take turns). Counts
   * against the turn's budget as a flush does; past it, waits for a macrotask.
   */
  resumeNow(): void {
    if (this.closed || !this.handlers) return;
    this.paused = false;
    // A queued flush (maybe the turn's deferred one) delivers in order; an empty inbox waits for send.
    if (this.scheduled || this.inbox.size === 0) return;
    if (!spendTurn()) {
      this.scheduled = true;
      this.deferred = true;
      macrotask(this.flush);
      return;
    }
    this.deliver(true);
  }

  close(): void {
    this.shutdown(undefined);
    this.other.shutdown(nngError("ECONNSHUT"));
  }

  private schedule(): void {
    if (this.scheduled || this.paused || !this.handlers) return;
    this.scheduled = true;
    // A promise job, not queueMicrotask: same ordering, without Node's per-call async-context wrapper.
    if (spendTurn()) RESOLVED.then(this.flush);
    else {
      this.deferred = true;
      macrotask(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    this.deferred = false;
    this.deliver(false);
  };

  /** Hands queued messages over until paused; `nested` when called inside a reader's receive. */
  private deliver(nested: boolean): void {
    while (!this.paused && !this.closed && this.handlers && this.inbox.size > 0) this.handlers.message(this.inbox.shift()!);
    const sender = this.other;
    if (sender.wantsDrain && this.inbox.size < INPROC_HWM / 2) {
      sender.wantsDrain = false;
      // Inside a receive the sending socket's protocol is not entered: it hears on a job.
      if (nested) queueMicrotask(() => sender.handlers?.drain());
      else sender.handlers?.drain();
    }
  }

  private shutdown(err: NngError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.closeErr = err;
    this.inbox = new Ring<Message>();
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
