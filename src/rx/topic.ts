import { Observable } from "rxjs";
import type { NngError } from "../core/errors.js";
import { Context, type RecvOptions, type RecvResult } from "../core/socket.js";
import { checkRecvMode, decodeBody, type RecvMode } from "../serial/modes.js";
import { endpointOf, socketOf, type RxSource } from "./common.js";
import { receiveLoop } from "./recv.js";

/**
 * The messages of one topic of a sub socket. Subscribing adds the topic,
 * unsubscribing removes it. On a socket (or Nano) each subscription gets its
 * own sub context, so several topic streams on one socket never steal from
 * each other, even with overlapping prefixes; on a context the topic is added
 * to that context.
 *
 * @example
 * ```ts
 * merge(topic$(sub, "temp.", { mode: "string" }), topic$(sub, "alarm.", { mode: "string" })).subscribe(console.log);
 * ```
 */
export function topic$<M extends RecvMode = "raw">(sub: RxSource, topic: string | Uint8Array, opts: RecvOptions<M> = {}): Observable<RecvResult<M>> {
  return new Observable<RecvResult<M>>((subscriber) => {
    const mode = checkRecvMode(opts.mode);
    const given = endpointOf(sub);
    const ctx = given instanceof Context ? given : socketOf(sub).context();
    ctx.subscribe(topic);
    const stop = receiveLoop(
      ctx,
      opts,
      () => subscriber.closed,
      (m) => {
        try {
          subscriber.next(decodeBody(m, mode) as RecvResult<M>);
        } catch (err) {
          (err as NngError).data = m.body;
          subscriber.error(err);
        }
      },
      (err) => (err ? subscriber.error(err) : subscriber.complete()),
    );
    return () => {
      stop();
      if (ctx === given) {
        try {
          ctx.unsubscribe(topic);
        } catch {
          // already closed or unsubscribed by the user
        }
      } else {
        void ctx.close();
      }
    };
  });
}
