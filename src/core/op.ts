import { nngError, type NngError } from "./errors.js";

/**
 * Per-call options of every send and receive.
 * @example
 * ```ts
 * const ac = new AbortController();
 * const msg = await s.recv({ timeout: 1000, signal: ac.signal });
 * ```
 */
export interface OpOptions {
  /**
   * Milliseconds to wait. `-1` waits forever, `0` never waits (EAGAIN when
   * the operation cannot complete at once). Defaults to the socket's
   * `recv-timeout` / `send-timeout` option (−1).
   */
  timeout?: number | undefined;
  /** Aborting rejects the operation with ECANCELED; a receive then loses no message. */
  signal?: AbortSignal | undefined;
}

/**
 * One pending operation: a promise plus its deadline and abort wiring, with a
 * single cleanup path. Owners queue it, then call {@link Pending.arm}; on
 * timeout/abort `onCancel` lets the owner unlink it before it rejects.
 * @internal
 */
export class Pending<T> {
  readonly promise: Promise<T>;
  done = false;
  onCancel: ((err: NngError) => void) | undefined;
  private res!: (v: T) => void;
  private rej!: (e: unknown) => void;
  private timer: NodeJS.Timeout | undefined;
  private abortHandler: (() => void) | undefined;

  constructor(
    private readonly timeout: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.promise = new Promise<T>((res, rej) => {
      this.res = res;
      this.rej = rej;
    });
  }

  /** Starts the deadline; call once the operation has been queued. */
  arm(): this {
    if (this.done) return this;
    const signal = this.signal;
    if (signal?.aborted) {
      this.fail(nngError("ECANCELED", undefined, signal.reason));
      return this;
    }
    if (this.timeout === 0) {
      this.fail(nngError("EAGAIN"));
      return this;
    }
    if (this.timeout > 0) {
      this.timer = setTimeout(() => this.fail(nngError("ETIMEDOUT")), this.timeout);
    }
    if (signal) {
      this.abortHandler = () => this.fail(nngError("ECANCELED", undefined, signal.reason));
      signal.addEventListener("abort", this.abortHandler, { once: true });
    }
    return this;
  }

  resolve(v: T): boolean {
    if (this.done) return false;
    this.finish();
    this.res(v);
    return true;
  }

  reject(err: unknown): boolean {
    if (this.done) return false;
    this.finish();
    this.rej(err);
    return true;
  }

  /** Ends the operation without completing it: the owner unlinks it, then it rejects. */
  fail(err: NngError): void {
    if (this.done) return;
    const cancel = this.onCancel;
    this.onCancel = undefined;
    cancel?.(err);
    this.reject(err);
  }

  private finish(): void {
    this.done = true;
    this.onCancel = undefined;
    if (this.timer) clearTimeout(this.timer);
    if (this.abortHandler) this.signal?.removeEventListener("abort", this.abortHandler);
    this.timer = undefined;
    this.abortHandler = undefined;
  }
}

/** Resolves the effective timeout of a call. @internal */
export function effectiveTimeout(opts: OpOptions | undefined, socketDefault: number): number {
  const t = opts?.timeout;
  if (t === undefined || t === null) return socketDefault;
  if (typeof t !== "number" || Number.isNaN(t)) throw nngError("EBADTYPE", "timeout must be a number");
  if (t < 0) return -1;
  return t;
}

/**
 * A FIFO of pending operations that tolerates removal from the middle
 * (cancellation) without O(n) splices on the hot path.
 * @internal
 */
export class WaitQueue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  private live = 0;

  get size(): number {
    return this.live;
  }

  push(v: T): void {
    this.items.push(v);
    this.live++;
  }

  shift(): T | undefined {
    while (this.head < this.items.length) {
      const v = this.items[this.head];
      this.items[this.head++] = undefined;
      if (v !== undefined) {
        this.live--;
        this.compact();
        return v;
      }
    }
    this.compact();
    return undefined;
  }

  peek(): T | undefined {
    for (let i = this.head; i < this.items.length; i++) {
      const v = this.items[i];
      if (v !== undefined) return v;
    }
    return undefined;
  }

  remove(v: T): boolean {
    const i = this.items.indexOf(v, this.head);
    if (i < 0) return false;
    this.items[i] = undefined;
    this.live--;
    this.compact();
    return true;
  }

  drain(): T[] {
    const out: T[] = [];
    for (let v = this.shift(); v !== undefined; v = this.shift()) out.push(v);
    return out;
  }

  private compact(): void {
    if (this.live === 0) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
