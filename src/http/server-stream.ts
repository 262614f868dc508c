/**
 * The connection object of {@link handlerStream} routes: a response written
 * chunk by chunk (SSE, NDJSON, long polling).
 * @module
 */
import http from "node:http";
import { nngError } from "../core/errors.js";

/**
 * One streaming response, as nanonext's `conn` object. Set the status and
 * headers first; the first `send()` writes them (chunked transfer encoding)
 * and each `send()` is one chunk; `close()` writes the last chunk. Keep it
 * to send later; `onClose` tells when the client has gone.
 *
 * @example
 * ```ts
 * const feeds = new Map<number, StreamConnection>();
 * const h = handlerStream("/feed", (conn) => {
 *   conn.setHeader("Content-Type", "application/x-ndjson");
 *   feeds.set(conn.id, conn);
 * }, { onClose: (conn) => feeds.delete(conn.id) });
 * // later: for (const c of feeds.values()) c.send(JSON.stringify({ tick: 1 }) + "\n").catch(() => {}); // a client may just have gone
 * ```
 */
export class StreamConnection {
  /** Unique among every WebSocket and stream connection of the server. */
  readonly id: number;
  private status = 200;
  private readonly headers = new Map<string, [name: string, value: string]>();
  private ending = false;
  private over = false;
  /** Resolves once the response is over and `onClose` has run. @internal */
  readonly done: Promise<void>;

  /** @internal Made by the server. */
  constructor(
    id: number,
    private readonly res: http.ServerResponse,
    onClose: ((conn: StreamConnection) => void) | undefined,
  ) {
    this.id = id;
    this.done = new Promise((resolve) => {
      res.once("close", () => {
        this.over = true;
        try {
          onClose?.(this);
        } catch {
          // Ignored: the response is over either way.
        }
        resolve();
      });
    });
  }

  /** True once the status line and headers are written. */
  get headersSent(): boolean {
    return this.res.headersSent;
  }

  /** True once `close()` was called or the connection ended: `send()` then rejects. */
  get closed(): boolean {
    return this.ending || this.over || this.res.destroyed;
  }

  private checkHead(what: string): void {
    if (this.closed) throw nngError("ECLOSED", `stream connection ${this.id} is closed`);
    if (this.res.headersSent) throw nngError("ESTATE", `${what}: the headers are already sent`);
  }

  /**
   * Sets the status code (default 200). Throws `ESTATE` once the headers are
   * sent, `EINVAL` for a code outside 200–599.
   *
   * @example
   * ```ts
   * conn.setStatus(206);
   * ```
   */
  setStatus(code: number): void {
    this.checkHead("setStatus");
    if (!Number.isInteger(code) || code < 200 || code > 599) throw nngError("EINVAL", `bad HTTP status ${String(code)}`);
    this.status = code;
  }

  /**
   * Sets a response header (replacing one of the same name). Throws `ESTATE`
   * once the headers are sent, `EINVAL` for a bad name or value.
   *
   * @example
   * ```ts
   * conn.setHeader("Content-Type", "text/event-stream");
   * ```
   */
  setHeader(name: string, value: string): void {
    this.checkHead("setHeader");
    try {
      http.validateHeaderName(name);
      http.validateHeaderValue(name, String(value));
    } catch (err) {
      throw nngError("EINVAL", (err as Error).message, err);
    }
    // Chunked framing is ours: a length would contradict it.
    if (/^(content-length|transfer-encoding)$/i.test(name)) throw nngError("EINVAL", `${name} is set by the stream`);
    this.headers.set(name.toLowerCase(), [name, String(value)]);
  }

  private writeHead(): void {
    if (this.res.headersSent) return;
    this.res.statusCode = this.status;
    for (const [name, value] of this.headers.values()) this.res.setHeader(name, value);
  }

  /**
   * Sends one chunk (a string as UTF-8, or bytes); the first one also writes
   * the status line and headers. Resolves to 0 once written; rejects with
   * `ECLOSED` once the connection is closed. An empty chunk only flushes
   * the headers (an empty chunk would end the stream).
   *
   * @example
   * ```ts
   * await conn.send(formatSse(JSON.stringify({ t: Date.now() }), { event: "tick" }));
   * ```
   */
  send(data: string | Uint8Array): Promise<0> {
    if (typeof data !== "string" && !(data instanceof Uint8Array)) return Promise.reject(nngError("EINVAL", "send takes a string or bytes"));
    if (this.closed) return Promise.reject(nngError("ECLOSED", `stream connection ${this.id} is closed`));
    this.writeHead();
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    if (bytes.length === 0) {
      this.res.flushHeaders();
      return Promise.resolve(0);
    }
    return new Promise((resolve, reject) => {
      this.res.write(bytes, (err) => (err ? reject(nngError("ECLOSED", err.message, err)) : resolve(0)));
    });
  }

  /**
   * Ends the response: writes the terminating chunk (and the headers, if no
   * chunk was sent). Idempotent.
   *
   * @example
   * ```ts
   * conn.close();
   * ```
   */
  close(): void {
    if (this.closed) return;
    this.ending = true;
    this.writeHead();
    this.res.end();
  }
}
