import { nngError, type NngError } from "../core/errors.js";
import { concatBytes, Message, readU32, shiftWord, u32be } from "../core/message.js";
import { Pending, WaitQueue } from "../core/op.js";
import type { Pipe } from "../core/pipe.js";
import { headerIntoBody } from "./common.js";
import { Ring } from "../core/ring.js";

/**
 * Receive side with nng's fair queueing: up to `cap` messages wait for
 * readers; past that each pipe may hold one more message and is paused until
 * a reader takes it, so a fast peer cannot starve the others and nothing is
 * dropped. Cancelled receives leave their message for the next reader.
 * @internal
 */
export class FairQueue {
  /**
   * Every message for readers, oldest first: the queued ones, then the held
   * ones (the last `heldPipes.size`), so a held message becomes a queued one
   * without moving.
   */
  private readonly q = new Ring<Message>();
  /** The pipes of the held messages, in the same order; each is paused. */
  private readonly heldPipes = new Ring<Pipe>();
  private readonly waiters = new WaitQueue<Pending<Message>>();

  constructor(public cap: number) {}

  get length(): number {
    return this.q.size;
  }

  put(p: Pipe, m: Message): void {
    if (this.waiters.size > 0) {
      this.waiters.shift()!.resolve(m);
      return;
    }
    // Room below a raised cap goes to the held messages first (they are older).
    while (this.heldPipes.size > 0 && this.q.size - this.heldPipes.size < this.cap) this.heldPipes.shift()!.resume();
    this.q.push(m);
    if (this.q.size - this.heldPipes.size > this.cap) {
      this.heldPipes.push(p);
      p.pause();
    }
  }

  /** Puts a handed-over message back at the head: its receiver went away before using it. */
  unshift(m: Message): void {
    if (this.waiters.size > 0) {
      this.waiters.shift()!.resolve(m);
      return;
    }
    this.q.unshift(m);
  }

  /** Completes `op` now or queues it; the caller gets the promise from `op`. */
  get(op: Pending<Message>): void {
    const m = this.take();
    if (m) {
      op.resolve(m);
      return;
    }
    this.waiters.push(op);
    op.onCancel = () => this.waiters.remove(op);
    op.arm();
  }

  take(): Message | undefined {
    const held = this.heldPipes.size;
    const queued = this.q.size - held;
    const m = this.q.shift();
    if (m === undefined) return undefined;
    // The taken message was held (cap 0), or the oldest held one now counts
    // as queued: either way its pipe may read on. resumeNow comes last: the
    // pipe may put its next message before it returns.
    if (held > 0 && (queued === 0 || queued - 1 < this.cap)) this.heldPipes.shift()!.resumeNow();
    return m;
  }

  /** Drops queued and held messages matching `keep === false`. */
  filter(keep: (m: Message) => boolean): void {
    const pipes = this.heldPipes.drain();
    const all = this.q.drain();
    const queued = all.length - pipes.length;
    for (let i = 0; i < all.length; i++) {
      const m = all[i]!;
      if (i < queued) {
        if (keep(m)) this.q.push(m);
        continue;
      }
      const p = pipes[i - queued]!;
      if (keep(m)) {
        this.q.push(m);
        this.heldPipes.push(p);
      } else p.resume();
    }
  }

  failAll(err: NngError): void {
    for (const w of this.waiters.drain()) w.reject(err);
  }

  clear(): void {
    this.q.drain();
    for (const p of this.heldPipes.drain()) p.resume();
  }
}

/** What a send that completed at once returns: one shared, already resolved promise. @internal */
export const SENT: Promise<void> = Promise.resolve();

/** A message waiting for a pipe, with the sender's pending operation. @internal */
export interface Outgoing {
  header: Uint8Array;
  body: Uint8Array;
  op: Pending<void> | undefined;
  /** Told which pipe carried it (req remembers it for resend-on-loss). */
  sent?: ((p: Pipe) => void) | undefined;
}

/**
 * Send side of push, req, pair and raw req: each message goes to the next
 * ready pipe (round-robin among pipes not held up by back-pressure). When no
 * pipe is ready, up to `cap` (send-buffer) messages are accepted at once and
 * the rest wait with their senders blocked, never dropped.
 * @internal
 */
export class LoadBalancer {
  private readonly ready = new WaitQueue<Pipe>();
  private readonly inReady = new Set<Pipe>();
  private readonly waiting = new WaitQueue<Outgoing>();
  private buffered = 0;

  constructor(public cap: number) {}

  get pipes(): number {
    return this.inReady.size;
  }

  addPipe(p: Pipe): void {
    this.markReady(p);
  }

  removePipe(p: Pipe): void {
    if (this.inReady.delete(p)) this.ready.remove(p);
  }

  pipeReady(p: Pipe): void {
    this.markReady(p);
  }

  private markReady(p: Pipe): void {
    if (p.closed || !p.ready || this.inReady.has(p)) return;
    this.inReady.add(p);
    this.ready.push(p);
    this.pump();
  }

  /**
   * Writes at once if a pipe is ready and nothing waits before this message;
   * false leaves the caller to queue it with {@link LoadBalancer.send}. The
   * senders' fast path: no Outgoing, no pending operation.
   */
  sendNow(header: Uint8Array, body: Uint8Array): boolean {
    if (this.waiting.size !== 0 || this.inReady.size === 0) return false;
    const one = this.sole();
    if (one) {
      this.writeSole(one, header, body);
      return true;
    }
    const p = this.nextPipe();
    if (!p) return false;
    this.write(p, { header, body, op: undefined });
    return true;
  }

  /** The one ready pipe, when there is exactly one (then round-robin is that pipe). */
  private sole(): Pipe | undefined {
    if (this.inReady.size !== 1) return undefined;
    const p = this.ready.peek()!;
    return p.closed || !p.ready ? undefined : p;
  }

  /** Writes to the sole ready pipe without taking it off the ready queue, unless it stops being ready. */
  private writeSole(p: Pipe, header: Uint8Array, body: Uint8Array): void {
    p.send(header, body);
    if (!p.ready || p.closed) this.removePipe(p);
  }

  /** Queues a message; `op` (if any) resolves when a pipe has taken it or it was buffered. */
  send(o: Outgoing): void {
    if (this.waiting.size === 0) {
      const one = this.sole();
      if (one) {
        this.writeSole(one, o.header, o.body);
        o.sent?.(one);
        o.op?.resolve();
        return;
      }
      const p = this.nextPipe();
      if (p) {
        this.write(p, o);
        return;
      }
    }
    if (this.buffered < this.cap) {
      this.buffered++;
      const op = o.op;
      o.op = undefined;
      (o as Outgoing & { counted?: boolean }).counted = true;
      this.waiting.push(o);
      op?.resolve();
      return;
    }
    this.waiting.push(o);
    const op = o.op;
    if (op) {
      op.onCancel = () => this.waiting.remove(o);
      op.arm();
    }
  }

  /** Takes back a queued message (req cancels a superseded request). */
  withdraw(o: Outgoing): void {
    if (this.waiting.remove(o) && (o as Outgoing & { counted?: boolean }).counted) this.buffered--;
  }

  private nextPipe(): Pipe | undefined {
    for (;;) {
      const p = this.ready.shift();
      if (!p) return undefined;
      this.inReady.delete(p);
      if (!p.closed && p.ready) return p;
    }
  }

  private write(p: Pipe, o: Outgoing): void {
    p.send(o.header, o.body);
    o.sent?.(p);
    o.op?.resolve();
    if (p.ready && !p.closed) {
      this.inReady.add(p);
      this.ready.push(p);
    }
  }

  private pump(): void {
    while (this.waiting.size > 0) {
      const p = this.nextPipe();
      if (!p) return;
      const o = this.waiting.shift()!;
      if ((o as Outgoing & { counted?: boolean }).counted) this.buffered--;
      this.write(p, o);
    }
  }

  failAll(err: NngError): void {
    for (const o of this.waiting.drain()) o.op?.reject(err);
    this.buffered = 0;
  }
}

/**
 * Per-pipe send queue of the broadcasting protocols (pub, bus, surveyor,
 * poly, rep replies). When the pipe is held up by back-pressure, up to `cap`
 * messages wait; beyond that pub drops the oldest, the others the newest.
 * @internal
 */
export class Outbox {
  private q: [Uint8Array, Uint8Array][] = [];

  constructor(
    private readonly pipe: Pipe,
    public cap: number,
    private readonly dropOldest: boolean,
  ) {}

  /** False when the message was dropped. */
  push(header: Uint8Array, body: Uint8Array): boolean {
    const p = this.pipe;
    if (p.closed) return false;
    if (this.q.length === 0 && p.ready) {
      p.send(header, body);
      return true;
    }
    if (this.q.length >= this.cap) {
      if (!this.dropOldest || this.cap === 0) return false;
      this.q.shift();
    }
    this.q.push([header, body]);
    return true;
  }

  /** True when a message may be written or queued without a drop. */
  get hasRoom(): boolean {
    return !this.pipe.closed && ((this.q.length === 0 && this.pipe.ready) || this.q.length < this.cap);
  }

  flush(): void {
    const p = this.pipe;
    while (this.q.length > 0 && p.ready && !p.closed) {
      const [h, b] = this.q.shift()!;
      p.send(h, b);
    }
  }
}

/** Result of reading a backtrace off a received message. @internal */
export type BacktraceResult = "ok" | "ttl" | "bad";

/**
 * Moves the backtrace (pipe ids, then the id with the high bit set) from the
 * front of `m` into `m.header`. More than `ttl` words → "ttl" (drop silently);
 * no terminator → "bad" (close the pipe). nng does exactly this.
 * @internal
 */
export function takeBacktrace(m: Message, ttl: number, prefix?: Uint8Array): BacktraceResult {
  const words: Uint8Array[] = prefix ? [prefix] : [];
  // As nng's rep/xrep/respondent: the pushed pipe id is not a hop, and the hop
  // limit is checked before the length, so a stack that runs out after
  // `ttl` words is dropped rather than treated as malformed.
  for (let hops = 1; ; hops++) {
    if (hops > ttl) return "ttl";
    const w = shiftWord(m);
    if (w === undefined) return "bad";
    words.push(u32be(w));
    if (w & 0x80000000) break;
  }
  // Header bytes beyond the stack (an inproc sender's) are body, as on the wire.
  headerIntoBody(m);
  m.header = words.length === 1 ? words[0]! : concatBytes(words);
  return "ok";
}

/** The last word of a backtrace header: the request or survey id. @internal */
export function backtraceId(header: Uint8Array): number {
  return readU32(header, header.length - 4);
}

/** Rejects a send whose argument is not usable. @internal */
export function badState(detail: string): NngError {
  return nngError("ESTATE", detail);
}
