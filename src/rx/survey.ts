import { Observable } from "rxjs";
import { isNngError, type NngError } from "../core/errors.js";
import { Context } from "../core/socket.js";
import { checkRecvMode, decodeBody, type RecvMode, type SendMode } from "../serial/modes.js";
import { endpointOf, socketOf, type RxSource } from "./common.js";
import { receiveLoop } from "./recv.js";

/**
 * Options of {@link survey$}.
 * @example
 * ```ts
 * survey$(surveyor, "vote?", { recvMode: "string" }).subscribe(console.log);
 * ```
 */
export interface Survey$Options {
  /** Survey deadline in ms (sets `surveyor:survey-time` for this survey). */
  timeout?: number;
  /** How to encode the request (default: raw for strings/bytes, serial otherwise). */
  sendMode?: SendMode;
  /** How to decode each reply (default `raw`). */
  recvMode?: RecvMode;
}

/**
 * Sends `question` as a survey and emits each respondent's answer; completes
 * at the survey deadline (not an error), so `survey$(...).pipe(toArray())`
 * collects a vote. On a socket each subscription runs its own survey in a
 * fresh context, so surveys may overlap; unsubscribing ends it.
 *
 * @example
 * ```ts
 * const votes = await lastValueFrom(survey$(surveyor, "lunch?", { timeout: 500, recvMode: "string" }).pipe(toArray()));
 * ```
 */
export function survey$<T = unknown>(surveyor: RxSource, question: unknown, opts: Survey$Options = {}): Observable<T> {
  return new Observable<T>((subscriber) => {
    const mode = checkRecvMode(opts.recvMode);
    const given = endpointOf(surveyor);
    const ctx = given instanceof Context ? given : socketOf(surveyor).context();
    if (opts.timeout !== undefined) ctx.setOpt("surveyor:survey-time", opts.timeout);
    let stop: (() => void) | undefined;
    let torn = false;
    ctx.send(question, { mode: opts.sendMode }).then(
      () => {
        if (torn) return;
        stop = receiveLoop(
          ctx,
          {},
          () => subscriber.closed,
          (m) => {
            try {
              subscriber.next(decodeBody(m, mode) as T);
            } catch (err) {
              (err as NngError).data = m.body;
              subscriber.error(err);
            }
          },
          (err) => (err && !isNngError(err, "ETIMEDOUT") ? subscriber.error(err) : subscriber.complete()),
        );
      },
      (err: unknown) => subscriber.error(err),
    );
    return () => {
      torn = true;
      stop?.();
      if (ctx !== given) void ctx.close();
    };
  });
}

/**
 * Options of {@link request$}.
 * @example
 * ```ts
 * request$(ctx, "ping", { sendMode: "raw", recvMode: "string", timeout: 1000 }).subscribe(console.log);
 * ```
 */
export interface Request$Options {
  /** How to encode the request (default: raw for strings/bytes, serial otherwise). */
  sendMode?: SendMode;
  /** How to decode each reply (default `raw`). */
  recvMode?: RecvMode;
  /** Milliseconds to wait for the reply (ETIMEDOUT). */
  timeout?: number;
}

/**
 * Sends one request and emits its reply, then completes. Cold: each
 * subscription sends anew (on a fresh context when given a socket), so
 * `request$(req, x).pipe(retry(3))` retries the request. Unsubscribing
 * abandons it.
 *
 * @example
 * ```ts
 * const reply = await firstValueFrom(request$(req, "ping", { recvMode: "string", timeout: 1000 }).pipe(retry(2)));
 * ```
 */
export function request$<T = unknown>(con: RxSource, data: unknown, opts: Request$Options = {}): Observable<T> {
  return new Observable<T>((subscriber) => {
    const mode = checkRecvMode(opts.recvMode);
    const given = endpointOf(con);
    const ctx = given instanceof Context ? given : socketOf(con).context();
    const ac = new AbortController();
    (async () => {
      await ctx.send(data, { mode: opts.sendMode, signal: ac.signal });
      const m = await ctx.recvMessage({ timeout: opts.timeout, signal: ac.signal });
      if (subscriber.closed) return;
      let v: T;
      try {
        v = decodeBody(m, mode) as T;
      } catch (err) {
        (err as NngError).data = m.body;
        throw err;
      }
      subscriber.next(v);
      subscriber.complete();
    })().catch((err: unknown) => {
      if (!ac.signal.aborted) subscriber.error(err);
    });
    return () => {
      ac.abort();
      if (ctx !== given) void ctx.close();
    };
  });
}
