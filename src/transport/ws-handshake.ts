/**
 * The WebSocket opening handshake of SP pipes (RFC 6455 §4), done by us on
 * the raw connection so the frames that follow are read by our own decoder:
 * the dialer's request and the check of the server's 101, the listener's
 * check of the request (already parsed by `parseUpgradeHead`) and its 101.
 * @internal
 * @module
 */
import { createHash, randomBytes } from "node:crypto";
import { nngError, type NngError } from "../core/errors.js";
import { MAX_HEAD, type UpgradeRequest } from "./ws-upgrade.js";

/** The fixed GUID of RFC 6455 §1.3. */
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const KEY = /^[+/0-9A-Za-z]{22}==$/;

/**
 * `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`.
 *
 * @example
 * ```ts
 * wsAccept("dGhlIHNhbXBsZSBub25jZQ=="); // "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
 * ```
 */
export function wsAccept(key: string): string {
  return createHash("sha1").update(key + GUID).digest("base64");
}

/**
 * A fresh random `Sec-WebSocket-Key`.
 *
 * @example
 * ```ts
 * wsKey(); // e.g. "x3JJHMbDL1EzLkh9GBhXDw=="
 * ```
 */
export function wsKey(): string {
  return randomBytes(16).toString("base64");
}

/**
 * The dialer's upgrade request head.
 *
 * @example
 * ```ts
 * upgradeRequestHead("/sp", "127.0.0.1:5555", wsKey(), "rep.sp.nanomsg.org");
 * ```
 */
export function upgradeRequestHead(target: string, host: string, key: string, protocol: string): string {
  return (
    `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`
  );
}

/**
 * The listener's 101 for an accepted request.
 *
 * @example
 * ```ts
 * sock.write(upgradeResponseHead(req.headers["sec-websocket-key"]!, "rep.sp.nanomsg.org"));
 * ```
 */
export function upgradeResponseHead(key: string, protocol: string): string {
  return (
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Accept: ${wsAccept(key)}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`
  );
}

/**
 * Why a request that reached an SP route is not a valid WebSocket upgrade
 * (answered with 400), or undefined when it is.
 *
 * @example
 * ```ts
 * checkUpgradeRequest(req); // undefined, or "missing or invalid Sec-WebSocket-Key"
 * ```
 */
export function checkUpgradeRequest(req: UpgradeRequest): string | undefined {
  const h = req.headers;
  if (h.upgrade?.toLowerCase() !== "websocket") return "invalid Upgrade header";
  if (!KEY.test(h["sec-websocket-key"] ?? "")) return "missing or invalid Sec-WebSocket-Key";
  const v = h["sec-websocket-version"];
  if (v !== "13" && v !== "8") return "missing or invalid Sec-WebSocket-Version";
  return undefined;
}

/** A parsed HTTP response head. */
export interface ResponseHead {
  status: number;
  /** Header values by lower-case name; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Bytes of the head, CRLFCRLF included. */
  length: number;
}

/**
 * Parses the response head at the start of `buf`: undefined while it is
 * incomplete, an EPROTO error when it is not HTTP or too large.
 *
 * @example
 * ```ts
 * parseResponseHead(Buffer.from("HTTP/1.1 404 Not Found\r\n\r\n")); // { status: 404, headers: {}, length: 26 }
 * ```
 */
export function parseResponseHead(buf: Uint8Array): ResponseHead | NngError | undefined {
  const text = Buffer.from(buf.buffer, buf.byteOffset, Math.min(buf.length, MAX_HEAD)).toString("latin1");
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return buf.length >= MAX_HEAD ? nngError("EPROTO", "WebSocket upgrade response head too large") : undefined;
  const lines = text.slice(0, end).split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0]!);
  if (!m) return nngError("EPROTO", `not an HTTP response: ${JSON.stringify(lines[0]!.slice(0, 40))}`);
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    const colon = l.indexOf(":");
    if (colon <= 0) return nngError("EPROTO", "bad header line in the WebSocket upgrade response");
    const name = l.slice(0, colon).trim().toLowerCase();
    const value = l.slice(colon + 1).trim();
    headers[name] = Object.hasOwn(headers, name) ? `${headers[name]}, ${value}` : value;
  }
  return { status: Number(m[1]), headers, length: end + 4 };
}

/**
 * Checks a 101 answer to our request with `key` for `protocol`: the accept
 * hash, `Upgrade: websocket`, exactly our subprotocol, no extension.
 *
 * @example
 * ```ts
 * checkUpgradeResponse(res, key, "rep.sp.nanomsg.org"); // undefined or an EPROTO NngError
 * ```
 */
export function checkUpgradeResponse(res: ResponseHead, key: string, protocol: string): NngError | undefined {
  const h = res.headers;
  if (h.upgrade?.toLowerCase() !== "websocket") return nngError("EPROTO", "invalid Upgrade header in the WebSocket upgrade response");
  if (h["sec-websocket-accept"] !== wsAccept(key)) return nngError("EPROTO", "invalid Sec-WebSocket-Accept header");
  const p = h["sec-websocket-protocol"];
  if (p === undefined) return nngError("EPROTO", `server sent no subprotocol (asked for ${protocol})`);
  if (p !== protocol) return nngError("EPROTO", `server sent subprotocol ${p}, asked for ${protocol}`);
  if (h["sec-websocket-extensions"] !== undefined) return nngError("EPROTO", "server sent a WebSocket extension none was asked for");
  return undefined;
}
