import { Observable } from "rxjs";
import { isNngError, type NngError } from "../core/errors.js";
import type { Message } from "../core/message.js";
import type { Context, RecvOptions, RecvResult, Socket } from "../core/socket.js";
import { checkRecvMode, decodeBody, type RecvMode } from "../serial/modes.js";
import { isStream } from "../stream/is-stream.js";
import type { Stream } from "../stream/stream.js";
import { endpointOf, type RxSource } from "./common.js";

/**
 * The receive loop behind every Rx stream: one receive at a time, each value
 * handed to `emit` synchronously. Teardown aborts the pending receive; a
 * message that was already handed over but not yet emitted is given back to
 * the protocol, so it stays for the next receiver. Ends with `onEnd(undefined)`
 * when the endpoint closes (or a stream's peer hangs up: ECONNSHUT), or with
 * the error that stopped it.
 * @internal
 */
export function receiveLoop(
  ep: Socket | Context | Stream,
  opts: { timeout?: number | undefined; signal?: AbortSignal | undefined },
  isClosed: () => boolean,
  emit: (m: Message) => void,
  onEnd: (err: NngError | undefined) => void,
): () => void {
  const ac = new AbortController();
  const signal = opts.signal ? AbortSignal.any([ac.signal, opts.signal]) : ac.signal;
  const loop = async () => {
    for (;;) {
      let m: Message;
      try {
        m = await ep.recvMessage({ timeout: opts.timeout, signal });
      } catch (err) {
        if (ac.signal.aborted) return;
        onEnd(isNngError(err, "ECLOSED") || isNngError(err, "ECONNSHUT") ? undefined : (err as NngError));
        return;
      }
      if (ac.signal.aborted || isClosed()) {
        ep.requeue(m);
        return;
      }
      emit(m);
      if (isClosed()) return;
    }
  };
  void loop();
  return () => ac.abort();
}

/**
 * Messages as they arrive, decoded in the asked mode, as a cold Observable.
 * Each subscription runs its own receive loop, so several subscribers to one
 * socket share its messages between them (each message goes to one of them,
 * as with several `recv()` calls); `share()` it to broadcast one stream to
 * many observers. Unsubscribing cancels the pending receive and loses no
 * message. Completes when the socket (or context) closes; errors with the
 * {@link NngError} that stopped it (e.g. ETIMEDOUT with a `timeout`). A body
 * that does not fit the mode errors with EINVAL (bytes in `err.data`).
 * On a {@link Stream} it emits each chunk (WebSocket message) and also
 * completes when the peer hangs up.
 *
 * @example
 * ```ts
 * import { recv$ } from "nanonext/rx";
 * recv$(sub, { mode: "string" }).pipe(filter((s) => s.includes("alert")), take(3)).subscribe(console.log);
 * recv$(await stream({ dial: "ws://127.0.0.1:8080/feed" }), { mode: "json" }).subscribe(console.log);
 * ```
 */
export function recv$<M extends RecvMode = "raw">(con: RxSource | Stream, opts: RecvOptions<M> = {}): Observable<RecvResult<M>> {
  return new Observable<RecvResult<M>>((subscriber) => {
    const ep = isStream(con) ? con : endpointOf(con);
    const asked = checkRecvMode(opts.mode);
    // On a stream, serial reads as string (nanonext).
    const mode = isStream(con) && asked === "serial" ? "string" : asked;
    return receiveLoop(
      ep,
      opts,
      () => subscriber.closed,
      (m) => {
        let v: RecvResult<M>;
        try {
          v = decodeBody(m, mode) as RecvResult<M>;
        } catch (err) {
          (err as NngError).data = m.body;
          subscriber.error(err);
          return;
        }
        subscriber.next(v);
      },
      (err) => (err ? subscriber.error(err) : subscriber.complete()),
    );
  });
}
