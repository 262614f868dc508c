/**
 * nanonext's `stream()`: a plain connection to a non-SP peer — a WebSocket
 * client or server (message mode), or a raw TCP, IPC or TLS byte stream.
 * @module
 */
import { isNngError, nngError, type NngError } from "../core/errors.js";
import { Message } from "../core/message.js";
import { disown } from "../core/frame-pool.js";
import { effectiveTimeout, type OpOptions, Pending, WaitQueue } from "../core/op.js";
import type { OptionValue } from "../core/options.js";
import { parseUrl } from "../core/url.js";
import type { RecvResult } from "../core/socket.js";
import { checkRecvMode, decodeBody, encodeBody, type RecvMode } from "../serial/modes.js";
import { TlsConfig } from "../tls/tls-config.js";
import { dialBytes, listenBytes } from "./byte-stream.js";
import { STREAM_MARK } from "./is-stream.js";
import type { AttemptOptions, Conn } from "./conn.js";
import { dialWs, listenWs } from "./ws-stream.js";

/**
 * Default cap on the bytes one receive returns from a tcp, ipc or tls+tcp stream (nanonext's `buffer`).
 *
 * @example
 * ```ts
 * const s = await stream({ dial: "tcp://127.0.0.1:5555", buffer: STREAM_BUFFER_DEFAULT * 4 });
 * ```
 */
export const STREAM_BUFFER_DEFAULT = 65536;

/**
 * Default time a dial may take (connect plus TLS/WebSocket handshake), as the transports' handshake guard.
 *
 * @example
 * ```ts
 * const s = await stream({ dial: "wss://slow.example.org/", timeout: 3 * STREAM_DIAL_TIMEOUT_DEFAULT });
 * ```
 */
export const STREAM_DIAL_TIMEOUT_DEFAULT = 10_000;

/** Received bytes held for the reader before the stream stops reading from the network. */
const HIGH_WATER = 1024 * 1024;

/**
 * Options of {@link stream}.
 *
 * @example
 * ```ts
 * const opts: StreamOptions = { dial: "wss://echo.example.org/", textframes: true, headers: { Authorization: "Bearer x" } };
 * ```
 */
export interface StreamOptions {
  /** The URL to connect to. Wins over `listen` when both are given (as nanonext). */
  dial?: string | undefined;
  /** The URL to bind; `stream()` then resolves once exactly one client has connected. */
  listen?: string | undefined;
  /** ws/wss: send and accept TEXT frames instead of BINARY ones (many public WebSocket servers need this). */
  textframes?: boolean | undefined;
  /** ws/wss dial: headers added to the HTTP upgrade request, e.g. `Authorization`. */
  headers?: Record<string, string> | undefined;
  /**
   * wss/tls+tcp. Listeners need one with a certificate. A wss **dial without
   * one does not verify the server** (nanonext's behaviour; SNI is still
   * sent); a tls+tcp dial without one verifies against Node's built-in CAs.
   */
  tls?: TlsConfig | undefined;
  /** tcp/ipc/tls+tcp: the most bytes one receive returns (default 65536). Ignored by ws/wss (whole messages). */
  buffer?: number | undefined;
  /**
   * Milliseconds the connection may take: a dial's connect and handshakes
   * (default 10 000), or a listener's wait for its client (default: forever).
   * `-1` waits forever. Expiry rejects ETIMEDOUT.
   */
  timeout?: number | undefined;
  /** Aborting cancels a dial or a listener's wait (ECANCELED). */
  signal?: AbortSignal | undefined;
  /** listen: called with the bound URL (the real port after port 0) before any client can connect. */
  onListening?: ((url: string) => void) | undefined;
}

/**
 * Options of {@link Stream.send}: `timeout` (ms, default −1 = wait for the
 * transport to take the bytes; `0` = EAGAIN when it cannot at once) and `signal`.
 *
 * @example
 * ```ts
 * await s.send(bytes, { timeout: 1000, signal: AbortSignal.timeout(5000) });
 * ```
 */
export interface StreamSendOptions extends OpOptions {}

/**
 * Receive modes of a stream: the socket modes (default `raw`). `serial`
 * reads as `string` on a stream, as in nanonext.
 *
 * @example
 * ```ts
 * const mode: StreamRecvMode = "string";
 * ```
 */
export type StreamRecvMode = RecvMode;

/**
 * What {@link Stream.recv} resolves to for a mode (`serial` → string).
 *
 * @example
 * ```ts
 * const text: StreamRecvResult<"string"> = await s.recv({ mode: "string" });
 * ```
 */
export type StreamRecvResult<M extends StreamRecvMode> = M extends "serial" ? string : RecvResult<M>;

/**
 * Options of {@link Stream.recv}: `mode`, `timeout` (ms, default −1 =
 * block; `0` = EAGAIN when nothing has arrived) and `signal`.
 *
 * @example
 * ```ts
 * const v = await s.recv({ mode: "float64", timeout: 500 });
 * ```
 */
export interface StreamRecvOptions<M extends StreamRecvMode = StreamRecvMode> extends OpOptions {
  /** How to decode what arrived; `raw` (Uint8Array) by default. */
  mode?: M | undefined;
}

/**
 * What a stream sends: strings go as UTF-8, byte views and ArrayBuffers as they are.
 *
 * @example
 * ```ts
 * const data: StreamData = new Float64Array([1, 2]);
 * await s.send(data);
 * ```
 */
export type StreamData = string | ArrayBufferView | ArrayBuffer;

/** A stream's receive mode: `serial` falls back to `string`, as in nanonext. */
function streamMode(mode: RecvMode): RecvMode {
  return mode === "serial" ? "string" : mode;
}

/**
 * One connection to a non-SP peer, made by {@link stream}. WebSocket
 * streams (ws, wss) keep message boundaries: each `send` is one message,
 * each `recv` one whole message. tcp, ipc and tls+tcp streams are plain
 * byte streams: each `recv` returns whatever has arrived, at most `buffer`
 * bytes, and nothing is lost or reordered between receives.
 *
 * Sends and receives block by default (no timeout), take `timeout` (ms;
 * `0` = only what can be done at once, else EAGAIN) and `signal`
 * (ECANCELED); a cancelled or timed-out receive loses nothing — data that
 * arrives later stays for the next receive — and a cancelled send sends
 * nothing. A send resolves once the transport has taken the bytes.
 *
 * Endings, as nng: after `close()` everything rejects ECLOSED. When the
 * peer closes, what already arrived is still received, then receives (and
 * sends) reject ECONNSHUT on tcp/ipc/tls+tcp (ECONNRESET after a reset) and
 * ECLOSED on ws/wss. `for await`, `messages()` and `recv$` end quietly on
 * ECLOSED or ECONNSHUT. `close()` is idempotent (nanonext returns error 7
 * on a second close; here it resolves again).
 *
 * @example
 * ```ts
 * await using s = await stream({ dial: "ws://127.0.0.1:8080/chat", textframes: true });
 * await s.send("hello");
 * console.log(await s.recv({ mode: "string", timeout: 1000 }));
 * for await (const chunk of s) console.log(chunk.length);
 * ```
 */
export class Stream {
  /** @internal */
  readonly [STREAM_MARK] = true;
  /** The URL dialed, or the listener's bound URL (the real port after port 0). */
  readonly url: string;
  /** `"dialer"` or `"listener"`: which side made the connection. */
  readonly mode: "dialer" | "listener";
  /** ws/wss: whether TEXT frames are sent and accepted. Always false for byte streams. */
  readonly textframes: boolean;
  /** tcp/ipc/tls+tcp: the most bytes one receive returns. */
  readonly buffer: number;
  private readonly conn: Conn;
  private readonly inbox: Uint8Array[] = [];
  private queued = 0;
  private paused = false;
  private readonly waiters = new WaitQueue<Pending<Uint8Array>>();
  private readonly sends = new WaitQueue<{ data: Uint8Array; op: Pending<0> }>();
  private ended: NngError | undefined;
  private closing: Promise<void> | undefined;

  /** @internal Use {@link stream}. */
  constructor(conn: Conn, mode: "dialer" | "listener", textframes: boolean, buffer: number) {
    this.conn = conn;
    this.url = conn.url;
    this.mode = mode;
    this.textframes = textframes;
    this.buffer = buffer;
    conn.start({
      data: (chunk) => this.arrived(chunk),
      end: (err) => this.end(err),
      drain: () => this.pumpSends(),
    });
  }

  /** `"opened"`, or `"closed"` once {@link Stream.close} was called (nanonext's `state`). */
  get state(): "opened" | "closed" {
    return this.closing ? "closed" : "opened";
  }

  /**
   * Sends bytes (strings as UTF-8; on a textframes WebSocket as a TEXT
   * message). Resolves 0 once the transport has taken them.
   *
   * @throws {@link NngError} ECLOSED, ECONNSHUT/ECONNRESET (peer gone), ETIMEDOUT, EAGAIN (`timeout: 0`), ECANCELED, EINVAL (not bytes or a string)
   * @example
   * ```ts
   * await s.send(new Uint8Array([1, 2, 3]));
   * await s.send("text", { timeout: 1000 });
   * ```
   */
  send(data: StreamData, opts?: StreamSendOptions): Promise<0> {
    try {
      if (this.closing) throw nngError("ECLOSED");
      if (this.ended) throw this.ended;
      if (typeof data !== "string" && !ArrayBuffer.isView(data) && !(data instanceof ArrayBuffer)) {
        throw nngError("EINVAL", "a stream sends strings and bytes");
      }
      const bytes = encodeBody(data, "raw").body;
      // Taken is not written yet: a receive must not reuse these bytes.
      disown(bytes);
      const timeout = effectiveTimeout(opts, -1);
      const signal = opts?.signal;
      if (signal?.aborted) throw nngError("ECANCELED", undefined, signal.reason);
      if (this.sends.size === 0 && !this.conn.blocked) {
        this.conn.write(bytes);
        return Promise.resolve(0);
      }
      const op = new Pending<0>(timeout, signal);
      const entry = { data: bytes, op };
      this.sends.push(entry);
      op.onCancel = () => this.sends.remove(entry);
      op.arm();
      return op.promise;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Receives what has arrived (waiting for something if nothing has),
   * decoded per `mode`: `raw` bytes by default, `string`, `json`, typed
   * arrays…; `serial` reads as `string`. On ws/wss one whole message; on
   * byte streams at most `buffer` bytes. Data that does not fit the mode
   * rejects EINVAL with the bytes in `err.data`.
   *
   * @throws {@link NngError} ECLOSED, ECONNSHUT/ECONNRESET (peer gone, nothing left), ETIMEDOUT, EAGAIN (`timeout: 0`), ECANCELED, EINVAL
   * @example
   * ```ts
   * const bytes = await s.recv();
   * const text = await s.recv({ mode: "string", timeout: 500 });
   * ```
   */
  recv<M extends StreamRecvMode = "raw">(opts?: StreamRecvOptions<M>): Promise<StreamRecvResult<M>> {
    let mode: RecvMode;
    try {
      mode = streamMode(checkRecvMode(opts?.mode));
    } catch (err) {
      return Promise.reject(err);
    }
    return this.next(opts).then((chunk) => {
      const m = new Message(chunk);
      try {
        return decodeBody(m, mode) as StreamRecvResult<M>;
      } catch (err) {
        (err as NngError).data = chunk;
        throw err;
      }
    });
  }

  /**
   * The next chunk as a {@link Message} (body only, pipe 0), for the Rx layer.
   * @internal
   */
  recvMessage(opts?: OpOptions): Promise<Message> {
    return this.next(opts).then((chunk) => new Message(chunk));
  }

  /**
   * Gives back a chunk from {@link Stream.recvMessage} that could not be
   * delivered: it is received next, so nothing is lost.
   * @internal
   */
  requeue(m: Message): void {
    if (this.closing) return;
    this.inbox.unshift(m.body);
    this.queued += m.body.length;
    this.deliver();
  }

  /**
   * Receives until the stream ends: `for await (const s of stream.messages({ mode: "string" }))`.
   * Ends quietly when the stream is closed or the peer hangs up (ECLOSED,
   * ECONNSHUT); `break` leaves the stream open and loses nothing.
   *
   * @example
   * ```ts
   * for await (const line of s.messages({ mode: "string" })) console.log(line);
   * ```
   */
  async *messages<M extends StreamRecvMode = "raw">(opts?: StreamRecvOptions<M>): AsyncGenerator<StreamRecvResult<M>, void, undefined> {
    for (;;) {
      try {
        yield await this.recv<M>(opts);
      } catch (err) {
        if (isNngError(err, "ECLOSED") || isNngError(err, "ECONNSHUT")) return;
        throw err;
      }
    }
  }

  /** Raw chunks until the stream ends; see {@link Stream.messages}. */
  [Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, undefined> {
    return this.messages();
  }

  /**
   * Reads an option by nng's name: `ws:request-uri`, `ws:request-headers`,
   * `ws:response-headers` (`Name: value\r\n` lines, as nng), `ws:recv-text`,
   * `ws:send-text` (ws/wss); `local-address`, `remote-address`;
   * `tls-verified`, `tls-peer-cn` (wss, tls+tcp); `url`.
   *
   * @throws {@link NngError} ECLOSED after close, ENOTSUP for a name this stream does not have
   * @example
   * ```ts
   * s.opt("ws:request-headers"); // "Host: 127.0.0.1:8080\r\nAuthorization: Bearer x\r\n…"
   * ```
   */
  opt(name: string): OptionValue {
    if (this.closing) throw nngError("ECLOSED");
    if (name === "url") return this.url;
    const v = typeof name === "string" ? this.conn.opt(name) : undefined;
    if (v === undefined) throw nngError("ENOTSUP", `stream has no option ${String(name)}`);
    return v;
  }

  /**
   * Closes the connection: pending operations reject ECLOSED, bytes already
   * sent are flushed, and the promise resolves once the connection is
   * released. Idempotent.
   *
   * @example
   * ```ts
   * await s.close();
   * await s.close(); // resolves again
   * ```
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = this.conn.close();
    const err = nngError("ECLOSED");
    for (const w of this.waiters.drain()) w.reject(err);
    for (const s of this.sends.drain()) s.op.reject(err);
    this.inbox.length = 0;
    this.queued = 0;
    return this.closing;
  }

  /** Same as {@link Stream.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** @internal */
  toString(): string {
    return `Stream(${this.mode}${this.textframes ? ", text frames" : ""}, ${this.state}, ${this.url})`;
  }

  private next(opts: OpOptions | undefined): Promise<Uint8Array> {
    try {
      if (this.closing) throw nngError("ECLOSED");
      const timeout = effectiveTimeout(opts, -1);
      const signal = opts?.signal;
      if (signal?.aborted) throw nngError("ECANCELED", undefined, signal.reason);
      if (this.inbox.length > 0) return Promise.resolve(this.take());
      if (this.ended) throw this.ended;
      const op = new Pending<Uint8Array>(timeout, signal);
      this.waiters.push(op);
      op.onCancel = () => this.waiters.remove(op);
      op.arm();
      return op.promise;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** The next receive's worth: one message, or up to `buffer` bytes across what arrived. */
  private take(): Uint8Array {
    let out: Uint8Array;
    if (this.conn.messages) {
      out = this.inbox.shift()!;
    } else {
      const first = this.inbox[0]!;
      if (first.length >= this.buffer || this.inbox.length === 1) {
        out = first.length > this.buffer ? first.subarray(0, this.buffer) : first;
        if (out.length === first.length) this.inbox.shift();
        else this.inbox[0] = first.subarray(out.length);
      } else {
        let n = 0;
        for (const c of this.inbox) {
          n += c.length;
          if (n >= this.buffer) break;
        }
        out = new Uint8Array(Math.min(n, this.buffer));
        let off = 0;
        while (off < out.length) {
          const c = this.inbox[0]!;
          const k = Math.min(c.length, out.length - off);
          out.set(k === c.length ? c : c.subarray(0, k), off);
          off += k;
          if (k === c.length) this.inbox.shift();
          else this.inbox[0] = c.subarray(k);
        }
      }
    }
    this.queued -= out.length;
    if (this.paused && this.queued < HIGH_WATER / 2) {
      this.paused = false;
      this.conn.resume();
    }
    return out;
  }

  private arrived(chunk: Uint8Array): void {
    if (this.closing) return;
    if (chunk.length === 0 && !this.conn.messages) return;
    this.inbox.push(chunk);
    this.queued += chunk.length;
    this.deliver();
    if (!this.paused && this.queued >= HIGH_WATER) {
      this.paused = true;
      this.conn.pause();
    }
  }

  private deliver(): void {
    while (this.waiters.size > 0 && this.inbox.length > 0) this.waiters.shift()!.resolve(this.take());
  }

  private end(err: NngError): void {
    if (this.closing || this.ended) return;
    this.ended = err;
    for (const w of this.waiters.drain()) w.reject(err);
    for (const s of this.sends.drain()) s.op.reject(err);
  }

  private pumpSends(): void {
    while (this.sends.size > 0 && !this.conn.blocked && !this.closing && !this.ended) {
      const s = this.sends.shift()!;
      this.conn.write(s.data);
      s.op.resolve(0);
    }
  }
}

function checkOptions(opts: StreamOptions): void {
  if (opts.textframes !== undefined && typeof opts.textframes !== "boolean") throw nngError("EBADTYPE", "textframes must be a boolean");
  if (opts.headers !== undefined && opts.headers !== null) {
    if (typeof opts.headers !== "object" || Array.isArray(opts.headers)) throw nngError("EBADTYPE", "headers must be a record of strings");
    for (const [k, v] of Object.entries(opts.headers)) {
      if (typeof v !== "string") throw nngError("EBADTYPE", `header ${k} must be a string`);
      if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(k) || /[\r\n\0]/.test(v)) throw nngError("EINVAL", `bad header ${JSON.stringify(k)}`);
    }
  }
  if (opts.tls !== undefined && opts.tls !== null && !(opts.tls instanceof TlsConfig)) throw nngError("EBADTYPE", "tls must come from tlsConfig()");
  if (opts.buffer !== undefined && (typeof opts.buffer !== "number" || !Number.isInteger(opts.buffer) || opts.buffer < 1)) {
    throw nngError("EINVAL", "buffer must be a positive integer (bytes)");
  }
  if (opts.timeout !== undefined && (typeof opts.timeout !== "number" || Number.isNaN(opts.timeout))) throw nngError("EBADTYPE", "timeout must be a number");
  if (opts.onListening !== undefined && typeof opts.onListening !== "function") throw nngError("EBADTYPE", "onListening must be a function");
}

/**
 * Opens a stream to a non-SP peer (nanonext's `stream()`): give `dial` or
 * `listen` (with both, `listen` is ignored). A dial resolves once connected
 * and rejects on failure (ECONNREFUSED, EADDRINVAL for a malformed URL,
 * ENOTSUP for inproc or an unknown scheme, EPEERAUTH/ECRYPTO for TLS, HTTP
 * refusals as for ws sockets). A listen binds (reporting the bound URL to
 * `onListening`), waits for exactly one client — that connection is the
 * stream — and then stops listening.
 *
 * - `ws://`, `wss://`: message mode via the `ws` package; `textframes`
 *   switches to TEXT frames (a text frame on a binary stream closes it with
 *   1003, as nng); `headers` go on the upgrade request; no SP subprotocol.
 * - `tcp://`, `ipc://`, `tls+tcp://`: plain bytes, no SP handshake or
 *   framing; each receive returns at most `buffer` bytes.
 *
 * @throws {@link NngError} EINVAL (neither dial nor listen, bad buffer, a TLS listener without certificate), EBADTYPE, EADDRINVAL, ENOTSUP, EADDRINUSE, ECONNREFUSED, EPEERAUTH, ECRYPTO, ETIMEDOUT, ECANCELED
 * @example
 * ```ts
 * // A WebSocket client
 * const ws = await stream({ dial: "wss://example.org/feed", textframes: true, headers: { Authorization: "Bearer token" } });
 *
 * // A one-connection TCP server and its client
 * let url = "";
 * const server = stream({ listen: "tcp://127.0.0.1:0", onListening: (u) => (url = u) });
 * // … once onListening has run:
 * const client = await stream({ dial: url });
 * const conn = await server;
 * await client.send("ping");
 * console.log(await conn.recv({ mode: "string" })); // "ping" (or part of it: a byte stream has no messages)
 * ```
 */
export async function stream(opts: StreamOptions): Promise<Stream> {
  if (typeof opts !== "object" || opts === null) throw nngError("EINVAL", "specify a URL for either dial or listen");
  const dialing = opts.dial !== undefined && opts.dial !== null;
  if (!dialing && (opts.listen === undefined || opts.listen === null)) throw nngError("EINVAL", "specify a URL for either dial or listen");
  checkOptions(opts);
  const url = parseUrl(dialing ? opts.dial : opts.listen);
  if (url.transport === "inproc") throw nngError("ENOTSUP", "inproc:// has no byte streams");
  const textframes = opts.textframes ?? false;
  const buffer = opts.buffer ?? STREAM_BUFFER_DEFAULT;
  const t = opts.timeout ?? (dialing ? STREAM_DIAL_TIMEOUT_DEFAULT : -1);
  const attempt: AttemptOptions = { timeout: t < 0 ? -1 : t, signal: opts.signal };
  const tls = opts.tls ?? undefined;
  const ws = url.transport === "ws" || url.transport === "wss";
  let conn: Conn;
  if (ws) {
    const o = { tls, textframes, headers: opts.headers ?? undefined, attempt, onListening: opts.onListening };
    conn = dialing ? await dialWs(url, o) : await listenWs(url, o);
  } else {
    conn = dialing ? await dialBytes(url, tls, attempt) : await listenBytes(url, tls, attempt, opts.onListening);
  }
  return new Stream(conn, dialing ? "dialer" : "listener", ws && textframes, buffer);
}
