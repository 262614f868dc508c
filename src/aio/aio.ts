import { isNngError, nngError, type NngError } from "../core/errors.js";
import type { Message } from "../core/message.js";
import type { Context, Socket } from "../core/socket.js";
import { checkRecvMode, decodeBody, type RecvMode, type SendMode } from "../serial/modes.js";
import type { ConditionVariable } from "./cv.js";
import type { Nano } from "../nano.js";
import { isStream } from "../stream/is-stream.js";
import type { Stream } from "../stream/stream.js";

/**
 * The value `.data` / `.result` read as while an {@link Aio} is still running.
 *
 * @example
 * ```ts
 * if (aio.data === UNRESOLVED) console.log("still waiting");
 * ```
 */
export const UNRESOLVED: unique symbol = Symbol.for("nanonext.unresolved");
/**
 * The type of {@link UNRESOLVED}.
 * @example
 * ```ts
 * const r = recvAio(s);
 * if (r.data === UNRESOLVED) console.log("still waiting");
 * ```
 */
export type Unresolved = typeof UNRESOLVED;

/**
 * Anything an aio can run on: a socket, a context or a Nano object.
 * `recvAio` and `sendAio` also take a {@link Stream}.
 * @example
 * ```ts
 * recvAio(sock); recvAio(context(sock)); recvAio(nanoObject);
 * recvAio(await stream({ dial: "ws://127.0.0.1:8080/" }), { mode: "string" });
 * ```
 */
export type AioTarget = Socket | Context | Nano;

/**
 * An asynchronous operation, as nanonext's aio: await it (it is a thenable),
 * or read `.data` (receives) / `.result` (sends) at any time without
 * blocking — they read {@link UNRESOLVED} until the operation completes, then
 * the value, or the {@link NngError} it failed with. `.stop()` cancels it
 * (ECANCELED); a cancelled receive loses no message.
 *
 * @example
 * ```ts
 * const aio = recvAio(sock, { mode: "string", timeout: 1000 });
 * if (unresolved(aio)) doOtherWork();
 * console.log(await aio, aio.pipe);
 * ```
 */
export class Aio<T, D = T> implements PromiseLike<T> {
  private settled = false;
  private value: T | NngError | Unresolved = UNRESOLVED;
  private readonly ac = new AbortController();
  private readonly promise: Promise<T>;
  private readonly kind: "recv" | "send";
  /** The pipe a received message came on (0 until then, or for sends). */
  pipe = 0;

  /** @internal */
  constructor(kind: "recv" | "send", run: (signal: AbortSignal, aio: Aio<T, D>) => Promise<T>, cv?: ConditionVariable) {
    this.kind = kind;
    let p: Promise<T>;
    try {
      p = run(this.ac.signal, this);
    } catch (err) {
      p = Promise.reject(err);
    }
    this.promise = p.then(
      (v) => {
        this.settled = true;
        this.value = v;
        cv?.signal();
        return v;
      },
      (err: unknown) => {
        this.settled = true;
        this.value = isNngError(err) ? err : nngError("EINTERNAL", String(err), err);
        cv?.signal();
        throw this.value;
      },
    );
    // An aio that is only read through .data must not raise an unhandled rejection.
    this.promise.catch(() => undefined);
  }

  /** For receives: the message, the error, or UNRESOLVED. */
  get data(): D | NngError | Unresolved {
    const v = this.value;
    return this.settled && !isNngError(v) ? this.view(v as T) : (v as NngError | Unresolved);
  }

  /** What `.data` shows of a successful value (ncurlAio shows just the body). @internal */
  protected view(v: T): D {
    return v as unknown as D;
  }

  /** The value, the error, or UNRESOLVED, whatever `.data` shows. @internal */
  protected get outcome(): T | NngError | Unresolved {
    return this.value;
  }

  /** For sends: 0 on success, the error, or UNRESOLVED. */
  get result(): T | NngError | Unresolved {
    return this.value;
  }

  /** True once the operation has completed (either way). */
  get resolved(): boolean {
    return this.settled;
  }

  /** `"recv"` or `"send"`. */
  get type(): "recv" | "send" {
    return this.kind;
  }

  /** Cancels the operation: it completes with ECANCELED unless it already completed. */
  stop(): void {
    if (!this.settled) this.ac.abort(nngError("ECANCELED"));
  }

  then<R1 = T, R2 = never>(onfulfilled?: ((v: T) => R1 | PromiseLike<R1>) | null, onrejected?: ((e: unknown) => R2 | PromiseLike<R2>) | null): Promise<R1 | R2> {
    return this.promise.then(onfulfilled, onrejected);
  }

  /**
   * Waits for completion, whatever the outcome; never rejects. (It cannot
   * resolve to the aio itself: a promise adopts the state of a thenable.)
   */
  async wait(): Promise<void> {
    await this.promise.catch(() => undefined);
  }
}

/**
 * True for an aio still running, for {@link UNRESOLVED} itself, or for an
 * array/record containing an unresolved aio. Never waits.
 *
 * @example
 * ```ts
 * while (unresolved(aio)) await doSomethingElse();
 * ```
 */
export function unresolved(x: unknown): boolean {
  if (x === UNRESOLVED) return true;
  if (x instanceof Aio) return !x.resolved;
  if (Array.isArray(x)) return x.some((v) => v instanceof Aio && !v.resolved);
  if (x && typeof x === "object") return Object.values(x).some((v) => v instanceof Aio && !v.resolved);
  return false;
}

function mergeSignals(a: AbortSignal, b: AbortSignal | undefined): AbortSignal {
  return b ? AbortSignal.any([a, b]) : a;
}

/**
 * Options of {@link recvAio}.
 * @example
 * ```ts
 * const r = recvAio(s, { mode: "string", timeout: 1000 });
 * console.log(await r);
 * ```
 */
export interface RecvAioOptions {
  /** How to decode the body (default `raw`). */
  mode?: RecvMode;
  /** Milliseconds before ETIMEDOUT (default: the socket's timeout). */
  timeout?: number;
  /** Aborting cancels the operation with ECANCELED; no message is lost. */
  signal?: AbortSignal;
  /** Signalled when the receive completes, successfully or not. */
  cv?: ConditionVariable;
}

/**
 * Starts a receive and returns its {@link Aio} at once (nanonext's `recv_aio`).
 *
 * @example
 * ```ts
 * const aio = recvAio(rep, { mode: "string" });
 * const text = await aio;   // or poll aio.data
 * ```
 */
export function recvAio<M extends RecvMode = "raw">(con: AioTarget | Stream, opts: RecvAioOptions & { mode?: M } = {}): Aio<unknown> {
  return new Aio<unknown>(
    "recv",
    async (signal, aio) => {
      const mode = checkRecvMode(opts.mode);
      // A stream has no pipes and decodes by its own rules (serial reads as string).
      if (isStream(con)) return con.recv({ mode, timeout: opts.timeout, signal: mergeSignals(signal, opts.signal) });
      const m = (await con.recv({ mode: "message", timeout: opts.timeout, signal: mergeSignals(signal, opts.signal) })) as Message;
      aio.pipe = m.pipe;
      try {
        return decodeBody(m, mode);
      } catch (err) {
        (err as NngError).data = m.body;
        throw err;
      }
    },
    opts.cv,
  );
}

/**
 * Options of {@link sendAio}.
 * @example
 * ```ts
 * const done = sendAio(s, "hello", { mode: "raw", timeout: 1000 });
 * await done; // 0
 * ```
 */
export interface SendAioOptions {
  /** `raw` or `serial` (default by data type, as `send`). */
  mode?: SendMode;
  /** Milliseconds before ETIMEDOUT (default: the socket's timeout). */
  timeout?: number;
  /** Aborting cancels the operation with ECANCELED; no message is lost. */
  signal?: AbortSignal;
  /** poly: the pipe to send on. */
  pipe?: number;
}

/**
 * Starts a send and returns its {@link Aio} at once; `.result` becomes 0 on
 * success (nanonext's `send_aio`).
 *
 * @example
 * ```ts
 * const s = sendAio(push, "job", { timeout: 500 });
 * await s.wait();
 * if (s.result !== 0) console.log("not sent:", s.result);
 * ```
 */
export function sendAio(con: AioTarget | Stream, data: unknown, opts: SendAioOptions = {}): Aio<0> {
  return new Aio<0>("send", async (signal) => {
    // Streams always send raw (mode and pipe do not apply, as in nanonext).
    if (isStream(con)) return con.send(data as string | Uint8Array, { timeout: opts.timeout, signal: mergeSignals(signal, opts.signal) });
    await con.send(data, { mode: opts.mode, timeout: opts.timeout, pipe: opts.pipe, signal: mergeSignals(signal, opts.signal) });
    return 0;
  });
}

/**
 * An aio, or an array or record of them.
 * @example
 * ```ts
 * await callAio([recvAio(a), recvAio(b)]);
 * const all = await collectAio({ a: recvAio(a), b: recvAio(b) });
 * ```
 */
export type AioGroup = Aio<unknown> | readonly Aio<unknown>[] | Readonly<Record<string, Aio<unknown>>>;

function members(x: AioGroup): Aio<unknown>[] {
  if (x instanceof Aio) return [x];
  if (Array.isArray(x)) return x.filter((v): v is Aio<unknown> => v instanceof Aio);
  return Object.values(x).filter((v): v is Aio<unknown> => v instanceof Aio);
}

/**
 * Waits for an aio (or all in an array/record) to complete, then read
 * `.data`/`.result` (nanonext's `call_aio`). Never rejects.
 *
 * @example
 * ```ts
 * await callAio([a, b]);
 * console.log(a.data, b.data);
 * ```
 */
export async function callAio(x: AioGroup): Promise<void> {
  await Promise.all(members(x).map((a) => a.wait()));
}

/**
 * Waits, then returns the value(s): for one aio its `.data`/`.result`, for an
 * array an array, for a record a record with the same keys (nanonext's
 * `collect_aio`). Failed operations appear as their {@link NngError}, not
 * thrown — await the aio itself to throw.
 *
 * @example
 * ```ts
 * const [a, b] = await collectAio([recvAio(s1), recvAio(s2)]) as unknown[];
 * ```
 */
export async function collectAio(x: AioGroup): Promise<unknown> {
  if (!(x instanceof Aio) && (typeof x !== "object" || x === null)) throw nngError("EINVAL", "not an Aio or a list of Aios");
  await callAio(x);
  if (x instanceof Aio) return x.data;
  if (Array.isArray(x)) return x.map((a) => (a instanceof Aio ? a.data : a));
  return Object.fromEntries(Object.entries(x).map(([k, a]) => [k, a instanceof Aio ? a.data : a]));
}

/**
 * Resolves with the index of the first aio in `aios` to complete (0-based;
 * −1 for an empty list), waiting if none has yet (nanonext's `race_aio`).
 *
 * @example
 * ```ts
 * const aios = [recvAio(a), recvAio(b)];
 * const first = await raceAio(aios);
 * stopAio(aios); // cancel the others
 * ```
 */
export async function raceAio(aios: readonly Aio<unknown>[]): Promise<number> {
  if (aios.length === 0) return -1;
  const done = aios.findIndex((a) => a.resolved);
  if (done >= 0) return done;
  return Promise.race(aios.map((a, i) => a.wait().then(() => i)));
}

/**
 * Cancels an aio, or every aio in an array/record (nanonext's `stop_aio`).
 * They complete with ECANCELED; a cancelled receive loses no message.
 *
 * @example
 * ```ts
 * stopAio([aio1, aio2]);
 * ```
 */
export function stopAio(x: AioGroup): void {
  for (const a of members(x)) a.stop();
}

/**
 * True for an {@link Aio}.
 *
 * @example
 * ```ts
 * isAio(recvAio(sock)); // true
 * ```
 */
export function isAio(x: unknown): x is Aio<unknown> {
  return x instanceof Aio;
}

