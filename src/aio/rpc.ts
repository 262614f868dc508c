import { nngError } from "../core/errors.js";
import type { Message } from "../core/message.js";
import { checkRecvMode, decodeBody, type RecvMode, type SendMode } from "../serial/modes.js";
import { Aio, type AioTarget } from "./aio.js";
import type { ConditionVariable } from "./cv.js";

/**
 * Options of {@link request}.
 * @example
 * ```ts
 * const answer = await request(context(req), { q: 1 }, { sendMode: "serial", recvMode: "serial", timeout: 1000 });
 * ```
 */
export interface RequestOptions {
  /** How the request is encoded (default: raw for strings/bytes, serial otherwise). */
  sendMode?: SendMode;
  /** How the reply is decoded (default raw). */
  recvMode?: RecvMode;
  /** Milliseconds to wait for the reply (default: the context's recv-timeout). */
  timeout?: number;
  /** Aborting cancels the request (ECANCELED). */
  signal?: AbortSignal;
  /** Signalled when the reply arrives or the request fails. */
  cv?: ConditionVariable;
}

/**
 * Sends a request on a req context (or socket) and returns an {@link Aio} of
 * the reply at once. Open one context per concurrent request:
 * each has its own request id, resend timer and reply.
 *
 * @example
 * ```ts
 * const replies = Array.from({ length: 100 }, (_, i) => request(req.context(), `job ${i}`, { recvMode: "string" }));
 * console.log(await collectAio(replies));
 * ```
 */
export function request(ctx: AioTarget, data: unknown, opts: RequestOptions = {}): Aio<unknown> {
  return new Aio<unknown>(
    "recv",
    async (signal, aio) => {
      const mode = checkRecvMode(opts.recvMode);
      const sig = opts.signal ? AbortSignal.any([signal, opts.signal]) : signal;
      await ctx.send(data, { mode: opts.sendMode, signal: sig });
      const m = (await ctx.recv({ mode: "message", timeout: opts.timeout, signal: sig })) as Message;
      aio.pipe = m.pipe;
      try {
        return decodeBody(m, mode);
      } catch (err) {
        (err as { data?: Uint8Array }).data = m.body;
        throw err;
      }
    },
    opts.cv,
  );
}

/**
 * Options of {@link reply}.
 * @example
 * ```ts
 * await reply(context(rep), (x) => x, { recvMode: "serial", sendMode: "serial", timeout: 5000 });
 * ```
 */
export interface ReplyOptions {
  /** How to decode the incoming request (default `raw`). */
  recvMode?: RecvMode;
  /** How to encode the reply (default: raw for strings/bytes, serial otherwise). */
  sendMode?: SendMode;
  /** Milliseconds to wait for a request (default: wait). */
  timeout?: number;
  /** Aborting cancels the operation with ECANCELED; no message is lost. */
  signal?: AbortSignal;
}

/**
 * The single NUL byte {@link reply} answers with when the handler throws.
 * @example
 * ```ts
 * await send(ctx, NUL_BYTE); // an empty acknowledgement
 * ```
 */
export const NUL_BYTE: Uint8Array = Uint8Array.of(0);

/**
 * True for a reply that is the single NUL byte (the handler failed).
 * @example
 * ```ts
 * isNulByte(Uint8Array.of(0)); // true
 * ```
 */
export function isNulByte(x: unknown): boolean {
  return x instanceof Uint8Array && x.length === 1 && x[0] === 0;
}

/**
 * The rep side of an RPC: receives one request on `ctx`, runs `fn` on it and
 * sends back what it returns (awaiting promises). If `fn` throws, the reply
 * is a single NUL byte (see {@link isNulByte}) so the caller is never left
 * waiting; `reply` itself never throws for that, so it can run in a loop.
 * Resolves 0 once the reply is sent.
 *
 * @throws {@link NngError} when the receive or send fails (ETIMEDOUT, ECLOSED…)
 * @example
 * ```ts
 * const ctx = rep.context();
 * for (;;) await reply(ctx, (x: number[]) => x.reduce((a, b) => a + b), { recvMode: "serial", sendMode: "serial" });
 * ```
 */
export async function reply(ctx: AioTarget, fn: (data: any) => unknown, opts: ReplyOptions = {}): Promise<0> {
  if (typeof fn !== "function") throw nngError("EINVAL", "reply() needs a function");
  const data = await ctx.recv({ mode: checkRecvMode(opts.recvMode), timeout: opts.timeout, signal: opts.signal });
  let result: unknown;
  let failed = false;
  try {
    result = await fn(data);
  } catch {
    failed = true;
  }
  if (failed) await ctx.send(NUL_BYTE, { mode: "raw", signal: opts.signal });
  else await ctx.send(result, { mode: opts.sendMode, signal: opts.signal });
  return 0;
}
