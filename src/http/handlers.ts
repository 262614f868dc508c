/**
 * Route handlers for {@link httpServer}, as nanonext's `handler()`,
 * `handler_ws()`, `handler_stream()` and the static handlers. Each
 * constructor validates its arguments at once (bad ones throw `EINVAL`) and
 * returns a plain frozen description; the server does the serving.
 * @module
 */
import { nngError } from "../core/errors.js";
import type { StreamConnection } from "./server-stream.js";
import type { WsConnection } from "./server-ws.js";

/**
 * A request as a {@link handler} or {@link handlerStream} callback sees it.
 *
 * @example
 * ```ts
 * handler("/search", (req: HttpRequest) => ({ body: new URLSearchParams(req.query).get("q") ?? "" }));
 * ```
 */
export interface HttpRequest {
  /** The method, e.g. `"GET"`. */
  method: string;
  /** The raw request URI, query string included, e.g. `"/api/items?page=2"`. */
  uri: string;
  /** The path part of `uri` (no query), as sent. */
  path: string;
  /** The query string without `?` (`""` if none); `new URLSearchParams(req.query)` parses it. */
  query: string;
  /** Header values by lower-case name; repeated headers joined with `", "`. */
  headers: Record<string, string>;
  /** The request body (empty when there is none). */
  body: Buffer;
}

/**
 * What a {@link handler} callback returns (or resolves to); every field is optional.
 *
 * @example
 * ```ts
 * const res: HttpResponse = { status: 201, headers: { "Content-Type": "application/json" }, body: '{"id":1}' };
 * ```
 */
export interface HttpResponse {
  /** The status code; missing or not an integer in 100–599 → 200. */
  status?: number | undefined;
  /** Response headers. */
  headers?: Record<string, string> | undefined;
  /** The body. A string gets `Content-Type: text/plain; charset=utf-8` unless one is set. */
  body?: string | Uint8Array | undefined;
}

/**
 * The upgrade request a {@link handlerWs} `onOpen` sees.
 *
 * @example
 * ```ts
 * handlerWs("/ws", () => {}, { onOpen: (ws, req: WsRequest) => { if (!req.uri.includes("token=")) ws.close(); } });
 * ```
 */
export interface WsRequest {
  /** The raw request URI, query string included. */
  uri: string;
  /** Header values by lower-case name. */
  headers: Record<string, string>;
}

/**
 * A dynamic route made by {@link handler}.
 *
 * @example
 * ```ts
 * const h: RouteHandler = handler("/", () => ({ body: "hi" }));
 * h.method; // "GET"
 * ```
 */
export interface RouteHandler {
  /** The handler kind. */
  readonly type: "handler";
  /** The path it serves. */
  readonly path: string;
  /** The method it serves, upper case, or `"*"`. */
  readonly method: string;
  /** Whether it also serves the subtree under `path`. */
  readonly prefix: boolean;
  /** Makes the response. */
  readonly callback: (req: HttpRequest) => HttpResponse | void | Promise<HttpResponse | void>;
}

/**
 * Options of {@link handlerWs}.
 *
 * @example
 * ```ts
 * const opts: WsHandlerOptions = { textframes: true, onClose: (ws) => console.log("closed", ws.id) };
 * ```
 */
export interface WsHandlerOptions {
  /** Called before the upgrade completes; `ws.close()` here refuses the connection (HTTP 403). May be async. */
  onOpen?: ((ws: WsConnection, req: WsRequest) => void | Promise<unknown>) | undefined;
  /** Called once when the connection has closed, whoever closed it. */
  onClose?: ((ws: WsConnection) => void) | undefined;
  /** Text frames: messages arrive as strings and are sent as text. Default false (binary, `Buffer`). */
  textframes?: boolean | undefined;
}

/**
 * A WebSocket endpoint made by {@link handlerWs}.
 *
 * @example
 * ```ts
 * const h: WsHandler = handlerWs("/ws", (ws, data) => ws.send(data));
 * ```
 */
export interface WsHandler {
  /** The handler kind. */
  readonly type: "ws";
  /** The path upgrades are accepted on. */
  readonly path: string;
  /** Gets each message. */
  readonly onMessage: (ws: WsConnection, data: Buffer | string) => void | Promise<unknown>;
  /** See {@link WsHandlerOptions.onOpen}. */
  readonly onOpen: WsHandlerOptions["onOpen"];
  /** See {@link WsHandlerOptions.onClose}. */
  readonly onClose: WsHandlerOptions["onClose"];
  /** See {@link WsHandlerOptions.textframes}. */
  readonly textframes: boolean;
}

/**
 * Options of {@link handlerStream}.
 *
 * @example
 * ```ts
 * const opts: StreamHandlerOptions = { method: "GET", onClose: (conn) => console.log("gone", conn.id) };
 * ```
 */
export interface StreamHandlerOptions {
  /** Called once when the stream has ended, whoever ended it. */
  onClose?: ((conn: StreamConnection) => void) | undefined;
  /** The method to match; `"*"` (default) matches any. */
  method?: string | undefined;
  /** Match the path as a subtree. Default false. */
  prefix?: boolean | undefined;
}

/**
 * A chunked streaming route made by {@link handlerStream}.
 *
 * @example
 * ```ts
 * const h: StreamHandler = handlerStream("/feed", (conn) => conn.send("hello\n"));
 * ```
 */
export interface StreamHandler {
  /** The handler kind. */
  readonly type: "stream";
  /** The path it serves. */
  readonly path: string;
  /** The method it serves, upper case, or `"*"`. */
  readonly method: string;
  /** Whether it also serves the subtree under `path`. */
  readonly prefix: boolean;
  /** Starts each response. */
  readonly onRequest: (conn: StreamConnection, req: HttpRequest) => void | Promise<unknown>;
  /** See {@link StreamHandlerOptions.onClose}. */
  readonly onClose: StreamHandlerOptions["onClose"];
}

/**
 * A single file route made by {@link handlerFile}.
 *
 * @example
 * ```ts
 * const h: FileHandler = handlerFile("/favicon.ico", "www/favicon.ico");
 * ```
 */
export interface FileHandler {
  /** The handler kind. */
  readonly type: "file";
  /** The path it serves. */
  readonly path: string;
  /** The file sent. */
  readonly file: string;
  /** Whether it also serves the subtree under `path`. */
  readonly prefix: boolean;
}

/**
 * A directory tree route made by {@link handlerDirectory}.
 *
 * @example
 * ```ts
 * const h: DirectoryHandler = handlerDirectory("/static", "www");
 * ```
 */
export interface DirectoryHandler {
  /** The handler kind. */
  readonly type: "directory";
  /** The path the tree is served under. */
  readonly path: string;
  /** The directory served. */
  readonly directory: string;
  /** Always a subtree match. */
  readonly prefix: true;
}

/**
 * An in-memory content route made by {@link handlerInline}.
 *
 * @example
 * ```ts
 * const h: InlineHandler = handlerInline("/health", '{"ok":true}', { contentType: "application/json" });
 * ```
 */
export interface InlineHandler {
  /** The handler kind. */
  readonly type: "inline";
  /** The path it serves. */
  readonly path: string;
  /** The content sent. */
  readonly data: Buffer;
  /** Its Content-Type. */
  readonly contentType: string;
  /** Whether it also serves the subtree under `path`. */
  readonly prefix: boolean;
}

/**
 * A redirect route made by {@link handlerRedirect}.
 *
 * @example
 * ```ts
 * const h: RedirectHandler = handlerRedirect("/old", "/new", { status: 308 });
 * ```
 */
export interface RedirectHandler {
  /** The handler kind. */
  readonly type: "redirect";
  /** The path it serves. */
  readonly path: string;
  /** Where it sends clients (the `Location` header). */
  readonly location: string;
  /** The redirect status. */
  readonly status: 301 | 302 | 303 | 307 | 308;
  /** Whether it also serves the subtree under `path`. */
  readonly prefix: boolean;
}

/**
 * Any handler {@link httpServer} accepts.
 *
 * @example
 * ```ts
 * const handlers: Handler[] = [handler("/", () => ({ body: "hi" })), handlerWs("/ws", (ws, d) => ws.send(d))];
 * ```
 */
export type Handler = RouteHandler | WsHandler | StreamHandler | FileHandler | DirectoryHandler | InlineHandler | RedirectHandler;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function checkPath(path: unknown): string {
  if (typeof path !== "string" || !path.startsWith("/") || /[\s?#]/.test(path)) {
    throw nngError("EINVAL", `handler path must be a string starting with "/" (no spaces, query or fragment): ${JSON.stringify(path)}`);
  }
  return path;
}

function checkMethod(method: unknown): string {
  if (method === "*") return "*";
  if (typeof method !== "string" || !TOKEN.test(method)) throw nngError("EINVAL", `bad HTTP method ${JSON.stringify(method)}`);
  return method.toUpperCase();
}

function checkFn<T>(fn: T, what: string): T {
  if (typeof fn !== "function") throw nngError("EINVAL", `${what} must be a function`);
  return fn;
}

function checkOptionalFn<T>(fn: T | undefined, what: string): T | undefined {
  return fn === undefined || fn === null ? undefined : checkFn(fn, what);
}

function toBytes(data: string | Uint8Array, what: string): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw nngError("EINVAL", `${what} must be a string or bytes`);
}

/**
 * A dynamic route, as nanonext's `handler()`. `fn` gets the request (body
 * read in full) and returns or resolves to `{ status, headers, body }`; a
 * throwing or rejecting `fn` gives the client a 500 and the server keeps
 * serving. `method: "*"` matches any method (a GET route also answers HEAD);
 * `prefix: true` matches the path and everything under it (`/api` matches
 * `/api/x`, not `/apix`).
 *
 * @example
 * ```ts
 * const h = handler("/api/echo", (req) => ({ headers: { "Content-Type": "application/json" }, body: req.body }), { method: "POST" });
 * ```
 */
export function handler(path: string, fn: RouteHandler["callback"], opts: { method?: string | undefined; prefix?: boolean | undefined } = {}): RouteHandler {
  return Object.freeze({ type: "handler", path: checkPath(path), method: checkMethod(opts.method ?? "GET"), prefix: !!opts.prefix, callback: checkFn(fn, "handler callback") });
}

/**
 * A plain (non-SP) WebSocket endpoint, as nanonext's `handler_ws()`.
 * `onMessage(ws, data)` gets each message whole: a `Buffer`, or a string
 * with `textframes`. Reply with `ws.send()`; `ws.id` is unique server-wide.
 * Calling `ws.close()` in `onOpen` refuses the upgrade: the client gets an
 * HTTP 403 and never opens (the auth hook).
 *
 * @example
 * ```ts
 * const echo = handlerWs("/ws", (ws, data) => ws.send(data), {
 *   onOpen: (ws, req) => { if (req.headers["authorization"] !== "Bearer s3cret") ws.close(); },
 *   textframes: true,
 * });
 * ```
 */
export function handlerWs(path: string, onMessage: WsHandler["onMessage"], opts: WsHandlerOptions = {}): WsHandler {
  return Object.freeze({
    type: "ws",
    path: checkPath(path),
    onMessage: checkFn(onMessage, "onMessage"),
    onOpen: checkOptionalFn(opts.onOpen, "onOpen"),
    onClose: checkOptionalFn(opts.onClose, "onClose"),
    textframes: !!opts.textframes,
  });
}

/**
 * A chunked streaming route (SSE, NDJSON…), as nanonext's
 * `handler_stream()`. `onRequest(conn, req)` may keep `conn` and send on it
 * later: set status and headers first, then each `conn.send()` is one chunk
 * (the first one writes the head with `Transfer-Encoding: chunked`);
 * `conn.close()` ends the response.
 *
 * @example
 * ```ts
 * const events = handlerStream("/events", (conn) => {
 *   conn.setHeader("Content-Type", "text/event-stream");
 *   conn.setHeader("Cache-Control", "no-cache");
 *   return conn.send(formatSse("connected", { id: 1 }));
 * }, { onClose: (conn) => console.log("gone", conn.id) });
 * ```
 */
export function handlerStream(path: string, onRequest: StreamHandler["onRequest"], opts: StreamHandlerOptions = {}): StreamHandler {
  return Object.freeze({
    type: "stream",
    path: checkPath(path),
    method: checkMethod(opts.method ?? "*"),
    prefix: !!opts.prefix,
    onRequest: checkFn(onRequest, "onRequest"),
    onClose: checkOptionalFn(opts.onClose, "onClose"),
  });
}

/**
 * Serves one file (read at each request, so edits show), with its
 * Content-Type from the extension. A missing file is a 404.
 *
 * @example
 * ```ts
 * const icon = handlerFile("/favicon.ico", "www/favicon.ico");
 * ```
 */
export function handlerFile(path: string, file: string, opts: { prefix?: boolean | undefined } = {}): FileHandler {
  if (typeof file !== "string" || file === "") throw nngError("EINVAL", "handlerFile needs a file name");
  return Object.freeze({ type: "file", path: checkPath(path), file, prefix: !!opts.prefix });
}

/**
 * Serves a directory tree under `path` (always a prefix match):
 * `/path/a/b.css` serves `dir/a/b.css`, and a directory (`/path/`) its
 * `index.html`. There is no redirect from `/path` to `/path/` (add a
 * {@link handlerRedirect}). Nothing outside `dir` is ever served: such a
 * request is a 403; a missing file a 404.
 *
 * @example
 * ```ts
 * const site = handlerDirectory("/static", "www/assets");
 * ```
 */
export function handlerDirectory(path: string, dir: string): DirectoryHandler {
  if (typeof dir !== "string" || dir === "") throw nngError("EINVAL", "handlerDirectory needs a directory");
  return Object.freeze({ type: "directory", path: checkPath(path), directory: dir, prefix: true });
}

/**
 * Serves fixed content from memory (a string is sent as UTF-8).
 *
 * @example
 * ```ts
 * const robots = handlerInline("/robots.txt", "User-agent: *\nDisallow:", { contentType: "text/plain" });
 * ```
 */
export function handlerInline(
  path: string,
  data: string | Uint8Array,
  opts: { contentType?: string | undefined; prefix?: boolean | undefined } = {},
): InlineHandler {
  const contentType = opts.contentType ?? "application/octet-stream";
  if (typeof contentType !== "string" || /[\r\n]/.test(contentType)) throw nngError("EINVAL", "bad contentType");
  return Object.freeze({ type: "inline", path: checkPath(path), data: toBytes(data, "handlerInline data"), contentType, prefix: !!opts.prefix });
}

/**
 * Answers with a redirect to `location` (relative or absolute). `status`
 * must be 301, 302 (default), 303, 307 or 308, else `EINVAL`. With
 * `prefix`, every path under `path` redirects to the same `location`.
 *
 * @example
 * ```ts
 * const moved = handlerRedirect("/old", "/new", { status: 301 });
 * const slash = handlerRedirect("/app", "/app/");
 * ```
 */
export function handlerRedirect(
  path: string,
  location: string,
  opts: { status?: 301 | 302 | 303 | 307 | 308 | undefined; prefix?: boolean | undefined } = {},
): RedirectHandler {
  const status = opts.status ?? 302;
  if (![301, 302, 303, 307, 308].includes(status)) throw nngError("EINVAL", `redirect status must be 301, 302, 303, 307 or 308, not ${String(status)}`);
  if (typeof location !== "string" || location === "" || /[\r\n]/.test(location)) throw nngError("EINVAL", "redirect location must be a one-line string");
  return Object.freeze({ type: "redirect", path: checkPath(path), location, status, prefix: !!opts.prefix });
}
