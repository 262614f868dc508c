import { nngError } from "../core/errors.js";

/**
 * A condition variable as nanonext's: an integer value that `signal()`
 * increments and `wait()` consumes, plus a flag that makes the next waits
 * return false (set by {@link pipeNotify} with `flag: true`).
 *
 * @example
 * ```ts
 * const c = cv();
 * const aio = recvAio(sock, { cv: c });
 * await c.wait();          // resolves when the receive completed (or failed)
 * console.log(aio.data);
 * ```
 */
export class ConditionVariable {
  private count = 0;
  private flagged = false;
  private waiters: (() => void)[] = [];
  private readonly watchers = new Set<() => void>();

  /** The current value (signals not yet consumed by a wait). */
  get value(): number {
    return this.count;
  }

  /** True once a flagging event happened (cleared by {@link ConditionVariable.reset}). */
  get flag(): boolean {
    return this.flagged;
  }

  /** Adds one to the value and wakes a waiter. */
  signal(): void {
    this.count++;
    this.wake();
  }

  /** Sets the flag (next waits return false) and signals. @internal */
  raiseFlag(): void {
    this.flagged = true;
    this.signal();
  }

  /** Value back to 0, flag cleared. */
  reset(): void {
    this.count = 0;
    this.flagged = false;
  }

  /**
   * Waits until the value is above 0, then takes one. Resolves true, or
   * false when the flag is set.
   */
  wait(): Promise<boolean> {
    return this.until(-1) as Promise<boolean>;
  }

  /**
   * Waits at most `ms` milliseconds: true when signalled (one is taken),
   * false on timeout (the value is unchanged) or when the flag is set.
   */
  until(ms: number): Promise<boolean> {
    if (typeof ms !== "number" || Number.isNaN(ms)) return Promise.reject(nngError("EINVAL", "until() takes milliseconds"));
    if (this.count > 0) {
      this.count--;
      return Promise.resolve(!this.flagged);
    }
    return new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter = () => {
        if (timer) clearTimeout(timer);
        this.count--;
        resolve(!this.flagged);
      };
      this.waiters.push(waiter);
      if (ms >= 0) {
        timer = setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          resolve(false);
        }, ms);
      }
    });
  }

  /** Observes signals without consuming them (used by raceAio). @internal */
  watch(fn: () => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  private wake(): void {
    for (const w of [...this.watchers]) w();
    while (this.count > 0 && this.waiters.length > 0) this.waiters.shift()!();
  }
}

/**
 * Creates a condition variable (nanonext's `cv()`).
 *
 * @example
 * ```ts
 * const c = cv(); c.signal(); await c.wait(); // true
 * ```
 */
export function cv(): ConditionVariable {
  return new ConditionVariable();
}
