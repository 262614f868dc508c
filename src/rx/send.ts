import { concatMap, from, type Observable, type OperatorFunction } from "rxjs";
import type { SendOptions } from "../core/socket.js";
import { endpointOf, type RxSource } from "./common.js";

/**
 * Sends every value of `source` on `con`, one at a time in order (each send
 * waits for the protocol to take the previous one: push back-pressure, req
 * state). Resolves with the count sent when `source` completes; rejects with
 * the first send or source error (and unsubscribes from the source).
 *
 * @example
 * ```ts
 * await sendAll(push, interval(10).pipe(take(100), map((i) => `job ${i}`)));
 * ```
 */
export function sendAll(con: RxSource, source: Observable<unknown>, opts: SendOptions = {}): Promise<number> {
  const ep = endpointOf(con);
  return new Promise<number>((resolve, reject) => {
    let count = 0;
    const sub = source.pipe(sendTo(ep, opts)).subscribe({
      next: () => count++,
      error: (err: unknown) => reject(err),
      complete: () => resolve(count),
    });
    void sub;
  });
}

/**
 * Operator form of {@link sendAll}: sends each value in order and emits it
 * once sent.
 *
 * @example
 * ```ts
 * source$.pipe(sendTo(push), count()).subscribe((n) => console.log(`${n} sent`));
 * ```
 */
export function sendTo<T>(con: RxSource, opts: SendOptions = {}): OperatorFunction<T, T> {
  const ep = endpointOf(con);
  return concatMap((v: T) => from(ep.send(v, opts).then(() => v)));
}
