/**
 * Pure helpers of the WebSocket transport: the HTTP upgrade request parser
 * (our own, because libnng dialers send `GET  HTTP/1.1` with an empty
 * request target, which Node's http parser rejects) and a scanner that
 * enforces nng's per-frame receive limit.
 * @internal
 * @module
 */

/** Largest request head we read before answering 431. */
export const MAX_HEAD = 8192;

/** One parsed upgrade request. */
export interface UpgradeRequest {
  method: string;
  /** The request target as sent; an empty one becomes `/`. */
  target: string;
  /** `HTTP/1.1` (or 1.0). */
  version: string;
  /** Header values by lower-case name; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Bytes of the head, CRLFCRLF included; what follows belongs to the WebSocket. */
  length: number;
}

/** Outcome of {@link parseUpgradeHead}. */
export type HeadResult =
  | { state: "partial" }
  | { state: "error"; status: 400 | 431 | 505; reason: string }
  | ({ state: "done" } & UpgradeRequest);

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function findEnd(buf: Uint8Array): number {
  for (let i = 3; i < buf.length; i++) {
    if (buf[i] === 0x0a && buf[i - 1] === 0x0d && buf[i - 2] === 0x0a && buf[i - 3] === 0x0d) return i + 1;
  }
  return -1;
}

/**
 * Parses an HTTP/1.x request head from the first bytes of a connection.
 * `partial` asks for more bytes. Accepts an empty request target (nng's
 * dialer bug, §4.1) and reports it as `/`.
 *
 * @example
 * ```ts
 * parseUpgradeHead(Buffer.from("GET  HTTP/1.1\r\nHost: x\r\n\r\n"));
 * // { state: "done", method: "GET", target: "/", version: "HTTP/1.1", headers: { host: "x" }, length: 27 }
 * ```
 */
export function parseUpgradeHead(buf: Uint8Array): HeadResult {
  const end = findEnd(buf.length > MAX_HEAD ? buf.subarray(0, MAX_HEAD) : buf);
  if (end < 0) return buf.length >= MAX_HEAD ? { state: "error", status: 431, reason: "request head too large" } : { state: "partial" };
  const text = Buffer.from(buf.buffer, buf.byteOffset, end - 4).toString("latin1");
  const lines = text.split("\r\n");
  const line = lines[0]!;
  const sp1 = line.indexOf(" ");
  const sp2 = line.lastIndexOf(" ");
  if (sp1 <= 0 || sp2 <= sp1) return { state: "error", status: 400, reason: "bad request line" };
  const method = line.slice(0, sp1);
  const version = line.slice(sp2 + 1);
  // "GET / HTTP/1.1" → target "/"; "GET  HTTP/1.1" → the two spaces enclose an empty target.
  const target = line.slice(sp1 + 1, sp2);
  if (!TOKEN.test(method) || /[\s\x00-\x1f\x7f]/.test(target)) return { state: "error", status: 400, reason: "bad request line" };
  if (!/^HTTP\/1\.[01]$/.test(version)) {
    return /^HTTP\/\d\.\d$/.test(version) ? { state: "error", status: 505, reason: "HTTP version not supported" } : { state: "error", status: 400, reason: "bad request line" };
  }
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const h = lines[i]!;
    const colon = h.indexOf(":");
    if (colon <= 0) return { state: "error", status: 400, reason: "bad header line" };
    const name = h.slice(0, colon).toLowerCase();
    if (!TOKEN.test(name)) return { state: "error", status: 400, reason: "bad header name" };
    const value = h.slice(colon + 1).trim();
    headers[name] = Object.hasOwn(headers, name) ? `${headers[name]}, ${value}` : value;
  }
  return { state: "done", method, target: target === "" ? "/" : target, version, headers, length: end };
}

/**
 * The key a request path is routed by: query dropped, absolute-form
 * (`http://host/p`) reduced to its path, trailing slashes ignored (nng
 * served `/sp/` from an `/sp` handler), `""` and `/` the same.
 *
 * @example
 * ```ts
 * routeKey(""); // "/"
 * routeKey("/sp/?x=1"); // "/sp"
 * ```
 */
export function routeKey(target: string): string {
  let p = target;
  const abs = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(p);
  if (abs) p = p.slice(abs[0].length);
  const q = p.search(/[?#]/);
  if (q >= 0) p = p.slice(0, q);
  p = p.replace(/\/+$/, "");
  return p === "" ? "/" : p.startsWith("/") ? p : `/${p}`;
}

/**
 * A minimal HTTP response (status line, close, text body) for refusals.
 *
 * @example
 * ```ts
 * httpError(404); // "HTTP/1.1 404 Not Found\r\nConnection: close\r\n…"
 * ```
 */
export function httpError(status: number, reason?: string): string {
  const text = STATUS[status] ?? "Error";
  const body = reason ?? text;
  return `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

const STATUS: Record<number, string> = {
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  431: "Request Header Fields Too Large",
  505: "HTTP Version Not Supported",
};

/**
 * Follows the WebSocket frames in a byte stream (headers only, payloads are
 * skipped) and reports the first frame whose payload exceeds `maxFrame`
 * (nng's `ws:rxframe-max`, 1 MiB by default; 0 = no limit), before its
 * payload is read.
 *
 * @example
 * ```ts
 * const s = new FrameScanner(1 << 20);
 * s.push(Buffer.from([0x82, 0x7f, 0, 0, 0, 0, 0, 0x20, 0, 1])); // 2 MiB + 1 frame → 2097153
 * ```
 */
export class FrameScanner {
  private readonly head = new Uint8Array(14);
  private have = 0;
  private skip = 0;

  constructor(public maxFrame: number) {}

  /** Scans a chunk; returns the offending payload length, or -1 while every frame is within the limit. */
  push(chunk: Uint8Array): number {
    let i = 0;
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      this.head[this.have++] = chunk[i++]!;
      const need = this.headerSize();
      if (this.have < need) continue;
      const len = this.payloadLength();
      this.have = 0;
      if (this.maxFrame > 0 && len > this.maxFrame) return len;
      this.skip = len;
    }
    return -1;
  }

  /** Bytes in the frame header so far known: 2, then 2 + extended length + mask key. */
  private headerSize(): number {
    if (this.have < 2) return 2;
    const b1 = this.head[1]!;
    const len7 = b1 & 0x7f;
    return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
  }

  private payloadLength(): number {
    const h = this.head;
    const len7 = h[1]! & 0x7f;
    if (len7 < 126) return len7;
    if (len7 === 126) return (h[2]! << 8) | h[3]!;
    const hi = ((h[2]! << 24) >>> 0) + (h[3]! << 16) + (h[4]! << 8) + h[5]!;
    const lo = ((h[6]! << 24) >>> 0) + (h[7]! << 16) + (h[8]! << 8) + h[9]!;
    // Beyond 2^53 the exact value does not matter: it is over any limit.
    return hi >= 0x200000 ? Number.MAX_SAFE_INTEGER : hi * 0x100000000 + lo;
  }
}
