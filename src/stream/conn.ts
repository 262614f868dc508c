/**
 * The contract between a {@link Stream} and the connection under it (a
 * net/tls socket, or a WebSocket), plus the small helpers both kinds share.
 * @internal
 * @module
 */
import { nngError, type NngError } from "../core/errors.js";
import type { OptionValue } from "../core/options.js";

/** What a connection reports to its stream. @internal */
export interface ConnEvents {
  /** Bytes arrived (a whole message on a WebSocket). */
  data(chunk: Uint8Array): void;
  /** The connection is over: the peer closed it, or it failed. Called at most once per cause; the stream keeps the first. */
  end(err: NngError): void;
  /** The connection takes writes again after {@link Conn.blocked}. */
  drain(): void;
}

/** One established connection, as the stream sees it. @internal */
export interface Conn {
  /** The URL dialed, or the listener's bound URL (real port after port 0). */
  readonly url: string;
  /** True for WebSocket: each chunk is one message, never split or merged. */
  readonly messages: boolean;
  /** True while the transport's write buffer is full: wait for `drain` before writing. */
  readonly blocked: boolean;
  /** Starts delivering events; called once, synchronously after the connection is made, so no byte is missed. */
  start(events: ConnEvents): void;
  /** Hands bytes to the transport (one message on a WebSocket). */
  write(data: Uint8Array): void;
  /** Stops reading from the network (back-pressure) until {@link Conn.resume}. */
  pause(): void;
  resume(): void;
  /** Closes the connection, flushing what was written; resolves once it is released. */
  close(): Promise<void>;
  /** An option by nng's name, or undefined when this connection has no such option. */
  opt(name: string): OptionValue | undefined;
}

/** How a connection attempt is bounded. @internal */
export interface AttemptOptions {
  /** Milliseconds; negative = no limit. */
  timeout: number;
  signal?: AbortSignal | undefined;
}

/**
 * Bounds one connection attempt: `fail` gets ETIMEDOUT when `timeout` ms
 * pass and ECANCELED when `signal` aborts. Returns the cleanup to call once
 * the attempt is over, either way.
 * @internal
 */
export function bound(attempt: AttemptOptions, fail: (err: NngError) => void, what: string): () => void {
  const { timeout, signal } = attempt;
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => fail(nngError("ECANCELED", `${what} cancelled`, signal?.reason));
  if (signal?.aborted) {
    queueMicrotask(onAbort);
    return () => undefined;
  }
  if (timeout >= 0) timer = setTimeout(() => fail(nngError("ETIMEDOUT", `${what} timed out after ${timeout} ms`)), timeout);
  signal?.addEventListener("abort", onAbort, { once: true });
  return () => {
    if (timer) clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  };
}

/** A Node Buffer as a plain Uint8Array over the same memory (no copy). @internal */
export function plainBytes(b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** HTTP headers in nng's option format: one `Name: value\r\n` line each. @internal */
export function headerText(headers: Iterable<readonly [string, string]>): string {
  let out = "";
  for (const [k, v] of headers) out += `${k}: ${v}\r\n`;
  return out;
}

/** `host:port` of a TCP endpoint, IPv6 in brackets; "" when unknown. @internal */
export function hostPort(host: string | undefined, port: number | undefined): string {
  if (!host) return "";
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** How long a closing connection waits for the peer before it is destroyed. @internal */
export const CLOSE_GRACE_MS = 1000;
