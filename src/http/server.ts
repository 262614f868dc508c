/**
 * nanonext's `http_server()`: one HTTP(S) server on an address serving
 * dynamic, streaming, static and WebSocket routes, sharing its port with
 * SP `ws://` listeners bound there (as NNG's HTTP server does).
 * @module
 */
import http from "node:http";
import type net from "node:net";
import { nngError } from "../core/errors.js";
import { formatTcpUrl, parseUrl, type SpUrl } from "../core/url.js";
import type { TlsConfig } from "../tls/config.js";
import { CLOSE_TIMEOUT_MS } from "../transport/ws-pipe.js";
import { attachHttp, detachHttp, type HttpFallback, type WsServer } from "../transport/ws-server.js";
import { MAX_HEAD, type UpgradeRequest } from "../transport/ws-upgrade.js";
import type { Handler, HttpRequest, HttpResponse, RouteHandler, StreamHandler } from "./handlers.js";
import { checkMaxBody, declaredTooBig, readBody, refuseBody, TOO_BIG } from "./server-body.js";
import { RouteTable, splitTarget } from "./server-routes.js";
import { sendStatus, serveDirectory, serveFile, serveInline, serveRedirect } from "./server-static.js";
import { StreamConnection } from "./server-stream.js";
import { isWsUpgrade, type WsConnection, WsEndpoint, type WsHost } from "./server-ws.js";

/**
 * Options of {@link httpServer}.
 *
 * @example
 * ```ts
 * const cert = await writeCert({ cn: "127.0.0.1" });
 * const opts: HttpServerOptions = { tls: tlsConfig({ server: cert.server }), maxBody: 1024 * 1024 };
 * const srv = httpServer("https://127.0.0.1:0", handler("/", () => ({ body: "secure" })), opts);
 * ```
 */
export interface HttpServerOptions {
  /** For `https://`: a config with the server's certificate, `tlsConfig({ server: [cert, key] })`. */
  tls?: TlsConfig | undefined;
  /**
   * The largest request body accepted, in bytes: a whole number ≥ 0, or
   * `Infinity` for no cap (anything else throws `EINVAL`). Default 16 MiB
   * (16777216). Bodies are read into memory before a {@link handler} or
   * {@link handlerStream} callback runs, so this bounds what one request
   * can make the server hold. A request whose `Content-Length` is larger
   * gets `413 Payload Too Large` before any of its body is read (and
   * without `100 Continue`); a chunked body is read up to the cap, then
   * answered the same way. Either way that connection is closed (after a
   * short drain, so the client sees the 413) and the server keeps serving
   * others. nng has no server-wide cap (only a per-handler
   * `nng_http_handler_collect_body()` nanonext does not expose).
   */
  maxBody?: number | undefined;
}

function parseHttpUrl(url: unknown): { sp: SpUrl; secure: boolean; scheme: string } {
  const m = typeof url === "string" ? /^(https?):\/\/(.*)$/is.exec(url) : null;
  if (!m) throw nngError("EADDRINVAL", `an HTTP server URL is http://host:port or https://host:port, not ${JSON.stringify(url)}`);
  const scheme = m[1]!.toLowerCase();
  const secure = scheme === "https";
  let sp: SpUrl;
  try {
    sp = parseUrl(`${secure ? "wss" : "ws"}://${m[2]}`);
  } catch (err) {
    throw nngError("EADDRINVAL", `bad HTTP server URL ${url as string}`, err);
  }
  if (sp.path !== "" && sp.path !== "/") throw nngError("EADDRINVAL", `an HTTP server URL takes no path (handlers have paths): ${url as string}`);
  // Errors of the shared server then name the URL as given.
  return { sp: { ...sp, url: url as string }, secure, scheme };
}

function headerRecord(h: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

function writeResult(res: http.ServerResponse, r: HttpResponse | void): void {
  if (r === undefined || r === null) r = {};
  if (typeof r !== "object") throw nngError("EINVAL", "a handler returns { status, headers, body }");
  const s = r.status;
  const status = typeof s === "number" && Number.isInteger(s) && s >= 200 && s <= 599 ? s : 200;
  for (const [k, v] of Object.entries(r.headers ?? {})) res.setHeader(k, String(v));
  let body: Buffer;
  if (r.body === undefined || r.body === null) body = Buffer.alloc(0);
  else if (typeof r.body === "string") {
    body = Buffer.from(r.body, "utf8");
    if (!res.hasHeader("content-type")) res.setHeader("Content-Type", "text/plain; charset=utf-8");
  } else if (r.body instanceof Uint8Array) body = Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength);
  else throw nngError("EINVAL", "a response body is a string or bytes");
  res.statusCode = status;
  // No body at all for these statuses (RFC 9110).
  if (status === 204 || status === 304) return void res.end();
  // Explicit, so HEAD answers carry it too.
  if (!res.hasHeader("content-length") && !res.hasHeader("transfer-encoding")) res.setHeader("Content-Length", body.length);
  res.end(body);
}

/**
 * An HTTP(S) server made by {@link httpServer}: `start()` it, `close()` it.
 *
 * @example
 * ```ts
 * await using srv = httpServer("http://127.0.0.1:0", handler("/", () => ({ body: "hi" })));
 * await srv.start();
 * console.log(srv.url); // http://127.0.0.1:40123
 * ```
 */
export class HttpServer {
  /** The server URL; after `start()`, with the real port in place of port 0. */
  url: string;
  private state: "new" | "started" | "closed" = "new";
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private shared: WsServer | undefined;
  private readonly routes: RouteTable;
  private readonly endpoints = new Map<string, WsEndpoint>();
  private readonly node: http.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly conns = new Set<WsConnection | StreamConnection>();
  private lastId = 0;
  private readonly fallback: HttpFallback = { accept: (sock, bytes, head) => this.accept(sock, bytes, head) };
  private readonly host: WsHost;

  /** @internal Use {@link httpServer}. */
  constructor(
    private readonly target: { sp: SpUrl; secure: boolean; scheme: string },
    handlers: readonly Handler[],
    private readonly tls: TlsConfig | undefined,
    private readonly maxBody: number,
  ) {
    this.url = target.sp.url;
    this.routes = new RouteTable(handlers);
    const self = this;
    this.host = {
      nextId: () => ++this.lastId,
      get serving() {
        return self.state !== "closed";
      },
      track: (conn) => this.track(conn),
    };
    for (const h of handlers) if (h.type === "ws") this.endpoints.set(h.path, new WsEndpoint(h, this.host));
    // Never listens: the shared server hands it connections.
    this.node = http.createServer({ maxHeaderSize: MAX_HEAD }, (req, res) => {
      this.serve(req, res).catch(() => res.destroy());
    });
    // Node would send `100 Continue` at once; not for a body that will be refused.
    this.node.on("checkContinue", (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (!declaredTooBig(req, this.maxBody)) res.writeContinue();
      this.node.emit("request", req, res);
    });
  }

  /** True between a successful `start()` and `close()`. */
  get listening(): boolean {
    return this.state === "started";
  }

  /**
   * Binds the address and starts serving; `url` then has the real port.
   * Does nothing when already started; rejects with `ECLOSED` after
   * `close()`, `EADDRINUSE` when the port is taken (by another process,
   * or another HTTP server of this one), `EADDRINVAL` for an address that
   * cannot be bound.
   *
   * @example
   * ```ts
   * const srv = httpServer("http://127.0.0.1:0", handler("/", () => ({ body: "hi" })));
   * await srv.start();
   * ```
   */
  start(): Promise<void> {
    if (this.state === "closed") return Promise.reject(nngError("ECLOSED", "the HTTP server is closed"));
    this.starting ??= this.bind().catch((err: unknown) => {
      this.starting = undefined;
      throw err;
    });
    return this.starting;
  }

  private async bind(): Promise<void> {
    const { sp, scheme } = this.target;
    const shared = await attachHttp(sp, this.target.secure, this.tls, this.fallback);
    if (this.state === "closed") {
      await detachHttp(shared, this.fallback);
      throw nngError("ECLOSED", "the HTTP server was closed while starting");
    }
    this.shared = shared;
    this.state = "started";
    this.url = formatTcpUrl(scheme, sp.host, shared.port);
  }

  /**
   * Stops serving: cancels requests in progress, closes every WebSocket
   * (code 1001) and stream connection (calling their `onClose`), frees the
   * port unless SP listeners still share it. Idempotent.
   *
   * @example
   * ```ts
   * await srv.close();
   * ```
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** Same as `close()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async shutdown(): Promise<void> {
    this.state = "closed";
    await this.starting?.catch(() => undefined);
    const ending: Promise<void>[] = [];
    for (const c of this.conns) {
      if ("shutdown" in c) c.shutdown(1001);
      else c.close();
      ending.push(c.done);
    }
    // Give closing handshakes and last chunks a moment; a client that does not read is cut off.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(ending), new Promise((r) => (timer = setTimeout(r, CLOSE_TIMEOUT_MS)))]);
    clearTimeout(timer);
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await Promise.all(ending);
    const shared = this.shared;
    this.shared = undefined;
    if (shared) await detachHttp(shared, this.fallback);
  }

  private track(conn: WsConnection | StreamConnection): void {
    this.conns.add(conn);
    void conn.done.then(() => this.conns.delete(conn));
  }

  /** A connection from the shared server whose first request is ours. */
  private accept(sock: net.Socket, bytes: Buffer, head: UpgradeRequest | undefined): void {
    if (this.state === "closed") {
      sock.destroy();
      return;
    }
    this.sockets.add(sock);
    sock.once("close", () => this.sockets.delete(sock));
    const ws = head && isWsUpgrade(head) ? this.routes.wsAt(splitTarget(head.target).path) : undefined;
    if (ws && head) {
      this.endpoints.get(ws.path)!.upgrade(head, sock, bytes.subarray(head.length));
      return;
    }
    sock.unshift(bytes);
    this.node.emit("connection", sock);
    sock.resume();
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // Closed, or a request pipelined behind a refused body on a connection that is ending.
    if (this.state === "closed" || req.socket.writableEnded) {
      res.destroy();
      return;
    }
    if (declaredTooBig(req, this.maxBody)) return refuseBody(req, res, this.maxBody);
    const uri = req.url ?? "/";
    const { path, query } = splitTarget(uri);
    const method = req.method ?? "GET";
    const m = this.routes.match(path, method);
    if (m === undefined) {
      if (this.routes.wsAt(path)) return sendStatus(res, 426, "Upgrade Required: this is a WebSocket endpoint", { Upgrade: "websocket", Connection: "Upgrade" });
      return sendStatus(res, 404, "Not Found");
    }
    if ("allow" in m) return sendStatus(res, 405, "Method Not Allowed", { Allow: m.allow.join(", ") });
    const route = m.route;
    try {
      switch (route.type) {
        case "handler":
        case "stream": {
          const body = await readBody(req, this.maxBody);
          if (body === undefined || res.destroyed) return;
          if (body === TOO_BIG) return refuseBody(req, res, this.maxBody);
          if (!this.host.serving) return void res.destroy();
          const request: HttpRequest = { method, uri, path, query, headers: headerRecord(req.headers), body };
          if (route.type === "handler") await this.runHandler(route, request, res);
          else await this.runStream(route, request, res);
          return;
        }
        case "file":
          return await serveFile(route, res);
        case "directory":
          return await serveDirectory(route, m.key, path, res);
        case "inline":
          return serveInline(route, res);
        case "redirect":
          return serveRedirect(route, res);
      }
    } catch {
      sendStatus(res, 500, "Internal Server Error");
    }
  }

  private async runHandler(route: RouteHandler, request: HttpRequest, res: http.ServerResponse): Promise<void> {
    const result = await route.callback(request);
    if (res.destroyed || this.state === "closed") return;
    writeResult(res, result);
  }

  private async runStream(route: StreamHandler, request: HttpRequest, res: http.ServerResponse): Promise<void> {
    const conn = new StreamConnection(++this.lastId, res, route.onClose);
    this.track(conn);
    try {
      await route.onRequest(conn, request);
    } catch {
      if (!conn.headersSent && !conn.closed) sendStatus(res, 500, "Internal Server Error");
      else res.destroy();
    }
  }
}

/**
 * An HTTP or HTTPS server, as nanonext's `http_server()`: one handler or
 * an array of them — {@link handler}, {@link handlerWs},
 * {@link handlerStream}, {@link handlerFile}, {@link handlerDirectory},
 * {@link handlerInline}, {@link handlerRedirect}. Call `start()` to bind;
 * `url` then reports the real port for port 0.
 *
 * Unknown path → 404, known path but other method → 405 (with `Allow`),
 * malformed request → 400, request head over 8 KiB → 431, a body over
 * `maxBody` (default 16 MiB) → 413 and that connection closed, a failing
 * handler → 500 (and the server keeps serving).
 *
 * SP `ws://` listeners on the same host and port share the server, in
 * either start order: a WebSocket upgrade asking for an SP subprotocol
 * (`*.sp.nanomsg.org`) on an SP listener's path goes to that listener,
 * everything else to these handlers (so a plain GET of that path is a 404
 * unless a handler serves it). Host names must match as written
 * (`127.0.0.1` and `localhost` are different addresses). `https://` needs `tls: tlsConfig({ server: [cert, key] })`
 * (`EINVAL` otherwise); it also serves `wss://` SP listeners.
 *
 * Throws at once for a bad URL (`EADDRINVAL`), a bad handler or option
 * (`EINVAL`, e.g. a negative `maxBody`) or two handlers of one path and
 * method (`EADDRINUSE`).
 *
 * @example
 * ```ts
 * const srv = httpServer("http://127.0.0.1:0", [
 *   handler("/hello", () => ({ body: "Hello!" })),
 *   handlerWs("/echo", (ws, data) => ws.send(data)),
 *   handlerStream("/events", (conn) => {
 *     conn.setHeader("Content-Type", "text/event-stream");
 *     return conn.send(formatSse("connected"));
 *   }),
 * ]);
 * await srv.start();
 * const rep = await socket("rep", { listen: srv.url.replace("http", "ws") + "/rpc" }); // same port
 * ```
 */
export function httpServer(url: string, handlers: Handler | readonly Handler[], opts: HttpServerOptions = {}): HttpServer {
  const target = parseHttpUrl(url);
  const list: readonly Handler[] = Array.isArray(handlers) ? handlers : [handlers as Handler];
  if (opts === null || typeof opts !== "object") throw nngError("EINVAL", "httpServer options must be an object");
  const tls = opts.tls;
  if (target.secure && !tls?.hasCert) throw nngError("EINVAL", "an https:// server needs tls: tlsConfig({ server: [cert, key] })");
  if (!target.secure && tls !== undefined) throw nngError("EINVAL", "tls is only for https:// servers");
  const maxBody = checkMaxBody(opts.maxBody);
  return new HttpServer(target, list, tls, maxBody);
}
