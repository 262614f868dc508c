import { Observable } from "rxjs";
import type { PipeInfo } from "../core/pipe.js";
import type { Aio } from "../aio/aio.js";
import type { ConditionVariable } from "../aio/cv.js";
import { socketOf, type RxSource } from "./common.js";

/**
 * A pipe coming or going, as {@link pipes$} emits it.
 * @example
 * ```ts
 * pipes$(s).subscribe((e: PipeEvent) => console.log(e.type, e.pipe.id));
 * ```
 */
export interface PipeEvent {
  /** `add` once the pipe is usable, `remove` once it is gone (nng's ADD_POST / REM_POST). */
  type: "add" | "remove";
  /** The pipe's id, transport and addresses. */
  pipe: PipeInfo;
}

/**
 * Pipe events of a socket: `add` and `remove`, completing when the socket closes.
 *
 * @example
 * ```ts
 * pipes$(sock).pipe(scan((n, e) => n + (e.type === "add" ? 1 : -1), 0)).subscribe((n) => console.log(`${n} peers`));
 * ```
 */
export function pipes$(con: RxSource): Observable<PipeEvent> {
  return new Observable<PipeEvent>((subscriber) => {
    const s = socketOf(con);
    if (s.closed) {
      subscriber.complete();
      return undefined;
    }
    const add = (pipe: PipeInfo) => subscriber.next({ type: "add", pipe });
    const remove = (pipe: PipeInfo) => subscriber.next({ type: "remove", pipe });
    const closed = () => subscriber.complete();
    s.on("pipe:add", add).on("pipe:remove", remove).on("close", closed);
    return () => {
      s.off("pipe:add", add).off("pipe:remove", remove).off("close", closed);
    };
  });
}

/**
 * Emits the cv's value each time it is signalled, without consuming signals
 * (waiters still see them).
 * @example
 * ```ts
 * const c = cv();
 * cv$(c).subscribe((n) => console.log("signalled, value", n));
 * ```
 */
export function cv$(c: ConditionVariable): Observable<number> {
  return new Observable<number>((subscriber) => c.watch(() => subscriber.next(c.value)));
}

/**
 * An aio as an Observable: its value then completion, or its error.
 * Unsubscribing before it completes stops the aio.
 *
 * @example
 * ```ts
 * aio$(recvAio(sock, { mode: "string" })).subscribe(console.log);
 * ```
 */
export function aio$<T>(aio: Aio<T, unknown>): Observable<T> {
  return new Observable<T>((subscriber) => {
    aio.then(
      (v) => {
        subscriber.next(v);
        subscriber.complete();
      },
      (err: unknown) => subscriber.error(err),
    );
    return () => {
      if (!aio.resolved) aio.stop();
    };
  });
}
