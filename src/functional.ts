import { nngError } from "./core/errors.js";
import type { OptionValue } from "./core/options.js";
import { type Context, type DialOptions, type ListenOptions, type RecvOptions, type RecvResult, type SendOptions, Socket } from "./core/socket.js";
import type { Dialer } from "./core/dialer.js";
import type { Listener } from "./core/listener.js";
import type { ProtocolName } from "./protocol/registry.js";
import type { RecvMode } from "./serial/modes.js";
import { Nano } from "./nano.js";
import type { TlsConfig } from "./tls/tls-config.js";

/**
 * Options of {@link socket} and {@link nano}; other keys are nng option names set before dialing.
 * @example
 * ```ts
 * const s = await socket("rep", { listen: "tcp://127.0.0.1:0", autostart: true });
 * ```
 */
export interface SocketOptions {
  /** URL(s) to dial. */
  dial?: string | readonly string[] | undefined;
  /** URL(s) to listen on; the promise resolves once every one is bound. */
  listen?: string | readonly string[] | undefined;
  /** Raw mode, for devices. */
  raw?: boolean | undefined;
  /** Dialers: `true` background (default), `"sync"`/`null` wait for the first connection, `false` not started. Listeners: `false` not started. */
  autostart?: boolean | "sync" | null | undefined;
  /** TLS settings (from {@link tlsConfig}) for every `wss://` and `tls+tcp://` URL dialed or listened on. */
  tls?: TlsConfig | undefined;
  /** Any nng option by name, e.g. `"recv-timeout": 1000`. */
  [option: string]: unknown;
}

const NON_OPTIONS = new Set(["dial", "listen", "raw", "autostart", "tls"]);

function list(v: string | readonly string[] | undefined): readonly string[] {
  return v === undefined ? [] : typeof v === "string" ? [v] : v;
}

/**
 * Opens a socket of `protocol` (nanonext's names `bus`, `pair`, `poly`,
 * `push`, `pull`, `pub`, `sub`, `req`, `rep`, `surveyor`, `respondent`, or
 * nng's `pair1`, `req0`, …), sets any options given, then listens and dials.
 * Resolves once every listener is bound.
 *
 * @throws {@link NngError} ENOTSUP (protocol/scheme), EADDRINUSE, EADDRINVAL, ECONNREFUSED (sync dial), EBADTYPE/EINVAL (options)
 * @example
 * ```ts
 * const rep = await socket("rep", { listen: "tcp://127.0.0.1:0" });
 * const req = await socket("req", { dial: rep.listeners[0].url, "recv-timeout": 1000 });
 * ```
 */
export async function socket(protocol: ProtocolName, opts: SocketOptions = {}): Promise<Socket> {
  const s = new Socket(protocol, opts.raw === true);
  try {
    for (const [k, v] of Object.entries(opts)) {
      if (!NON_OPTIONS.has(k) && v !== undefined) s.setOpt(k, v);
    }
    const start = opts.autostart === undefined ? true : opts.autostart;
    const tls = opts.tls;
    for (const url of list(opts.listen)) await s.listen(url, { autostart: start !== false, tls });
    for (const url of list(opts.dial)) await s.dial(url, { autostart: start, tls });
  } catch (err) {
    await s.close();
    throw err;
  }
  return s;
}

/**
 * Opens a socket wrapped in a {@link Nano} object (nanonext's `nano()`).
 *
 * @example
 * ```ts
 * const n = await nano("req", { dial: "tcp://127.0.0.1:5555" });
 * await n.send("hi"); console.log(await n.recv({ mode: "string" }));
 * ```
 */
export async function nano(protocol: ProtocolName, opts: SocketOptions = {}): Promise<Nano> {
  return new Nano(await socket(protocol, opts));
}

/**
 * Something messages can be sent on and received from.
 * @example
 * ```ts
 * await send(s, "to a socket");
 * await send(context(s), "to a context");
 * ```
 */
export type Connection = Socket | Context | Nano;

function endpoint(con: Connection): Socket | Context {
  if (con instanceof Nano) return con.target;
  if (con && typeof (con as Socket).send === "function" && typeof (con as Socket).recv === "function") return con as Socket | Context;
  throw nngError("EINVAL", "expected a Socket, Context or Nano");
}

function sock(s: Socket | Nano): Socket {
  if (s instanceof Nano) return s.socket;
  if (s instanceof Socket) return s;
  throw nngError("EINVAL", "expected a Socket or Nano");
}

/**
 * Sends on a socket, context or Nano. Same as `con.send(data, opts)`.
 * @example
 * ```ts
 * await send(sock, new Float64Array([1, 2, 3]));
 * ```
 */
export function send(con: Connection, data: unknown, opts?: SendOptions): Promise<void> {
  try {
    return endpoint(con).send(data, opts);
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Receives from a socket, context or Nano. Same as `con.recv(opts)`.
 * @example
 * ```ts
 * const v = await recv(sock, { mode: "float64", timeout: 500 });
 * ```
 */
export function recv<M extends RecvMode = "raw">(con: Connection, opts?: RecvOptions<M>): Promise<RecvResult<M>> {
  try {
    return endpoint(con).recv<M>(opts);
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Adds a dialer to a socket. See {@link Socket.dial}.
 * @example
 * ```ts
 * const s = await socket("req");
 * const d = await dial(s, "tcp://127.0.0.1:5555");
 * ```
 */
export function dial(s: Socket | Nano, url: string, opts?: DialOptions): Promise<Dialer> {
  try {
    return sock(s).dial(url, opts);
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Adds a listener to a socket. See {@link Socket.listen}.
 * @example
 * ```ts
 * const s = await socket("rep");
 * const l = await listen(s, "tcp://127.0.0.1:0");
 * console.log(l.url);
 * ```
 */
export function listen(s: Socket | Nano, url: string, opts?: ListenOptions): Promise<Listener> {
  try {
    return sock(s).listen(url, opts);
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Opens a context on a socket (req, rep, surveyor, respondent, sub). See {@link Socket.context}.
 * @example
 * ```ts
 * const rep = await socket("rep", { listen: "tcp://127.0.0.1:0" });
 * const ctx = context(rep);
 * const req = await recv(ctx);
 * ```
 */
export function context(s: Socket | Nano): Context {
  return sock(s).context();
}

/**
 * Closes a socket, Nano, context, dialer or listener. Idempotent.
 * @example
 * ```ts
 * await close(sock);
 * ```
 */
export async function close(x: Socket | Nano | Context | Dialer | Listener): Promise<void> {
  if (!x || typeof (x as { close?: unknown }).close !== "function") throw nngError("EINVAL", "nothing to close");
  await x.close();
}

/**
 * Reads an option of a socket, context, Nano, dialer or listener.
 * @example
 * ```ts
 * opt(s, "recv-size-max"); // 1048576
 * ```
 */
export function opt(x: Connection | Dialer | Listener, name: string): OptionValue {
  return x.opt(name);
}

/**
 * Sets an option of a socket, context, Nano, dialer or listener.
 * @example
 * ```ts
 * setOpt(s, "recv-timeout", 1000);
 * ```
 */
export function setOpt(x: Connection | Dialer | Listener, name: string, value: unknown): void {
  x.setOpt(name, value);
}

/**
 * sub: adds a topic on a socket, context or Nano.
 * @example
 * ```ts
 * const sub = await socket("sub", { dial: "tcp://127.0.0.1:5555" });
 * subscribe(sub, "weather");
 * ```
 */
export function subscribe(con: Connection, topic: string | Uint8Array = ""): void {
  endpoint(con).subscribe(topic);
}

/**
 * sub: removes a topic (ENOENT if absent).
 * @example
 * ```ts
 * unsubscribe(sub, "weather");
 * ```
 */
export function unsubscribe(con: Connection, topic: string | Uint8Array = ""): void {
  endpoint(con).unsubscribe(topic);
}

/**
 * surveyor: sets the survey time in ms (default 1000).
 * @example
 * ```ts
 * surveyTime(surveyor, 500);
 * ```
 */
export function surveyTime(con: Connection, ms = 1000): void {
  endpoint(con).surveyTime(ms);
}

/**
 * Reads a statistic of a socket, Nano, dialer or listener by nng's name
 * (`pipes`, `rx_msgs`, `tx_bytes`, `connect`, `accept`, `reject`, …);
 * undefined when there is no such statistic.
 *
 * @example
 * ```ts
 * stat(sock, "pipes");          // 2
 * stat(sock.dialers[0], "connect");
 * ```
 */
export function stat(x: Socket | Nano | Dialer | Listener, name: string): number | string | undefined {
  if (x instanceof Nano) return x.socket.stat(name);
  if (!x || typeof (x as { stat?: unknown }).stat !== "function") throw nngError("EINVAL", "stat() takes a Socket, Nano, Dialer or Listener");
  return x.stat(name);
}
