import net from "node:net";
import tls from "node:tls";
import { fromSystemError, nngError } from "../core/errors.js";
import type { SpUrl } from "../core/url.js";
import { checkClient, serverOptions, type TlsConfig } from "../tls/config.js";
import { HANDSHAKE_TIMEOUT_MS } from "./stream-pipe.js";
import { httpError, parseUpgradeHead, routeKey, type UpgradeRequest } from "./ws-upgrade.js";

/** One SP listener's path on a shared server. @internal */
export interface WsRoute {
  /** The only `Sec-WebSocket-Protocol` accepted: `<own protocol name>.sp.nanomsg.org`. */
  readonly subprotocol: string;
  /** Takes a request that passed path, method and subprotocol checks; `rest` is what followed the head. */
  upgrade(req: UpgradeRequest, sock: net.Socket, rest: Buffer): void;
}

/**
 * The HTTP server sharing an address with SP listeners (`httpServer()`):
 * it takes every connection whose first request is not an SP upgrade.
 * @internal
 */
export interface HttpFallback {
  /**
   * Takes over `sock` (paused). `bytes` is everything read from it so far;
   * `head` its parsed request head, or undefined when the head did not parse
   * (the HTTP server answers 400/431 itself).
   */
  accept(sock: net.Socket, bytes: Buffer, head: UpgradeRequest | undefined): void;
}

/**
 * An HTTP(S) server on one address, shared by every ws listener of the
 * process bound there (nng's HTTP server does the same): requests are routed
 * by path, an unknown path gets 404. With an {@link HttpFallback} attached,
 * only WebSocket upgrades asking for an SP subprotocol on an SP path go to
 * the listeners; everything else goes to the fallback.
 * @internal
 */
export class WsServer {
  readonly routes = new Map<string, WsRoute>();
  readonly port: number;
  /** The registry key: scheme, family, host and real port. */
  readonly key: string;
  closed = false;
  /** The HTTP server attached to this address, if any. */
  http: HttpFallback | undefined;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    url: SpUrl,
    readonly secure: boolean,
  ) {
    this.port = (server.address() as net.AddressInfo).port;
    this.key = serverKey(url, secure, this.port);
  }

  /** Binds a new server (EADDRINUSE, EADDRINVAL… reject). */
  static async bind(url: SpUrl, secure: boolean, tlsCfg: TlsConfig | undefined): Promise<WsServer> {
    const server = secure
      ? tls.createServer({ ...serverOptions(tlsCfg, "wss"), handshakeTimeout: HANDSHAKE_TIMEOUT_MS })
      : net.createServer();
    const host = url.host || (url.family === 6 ? "::" : url.family === 4 ? "0.0.0.0" : undefined);
    const listenOpts: net.ListenOptions = { port: url.port ?? (secure ? 443 : 80), backlog: 128 };
    if (host !== undefined) listenOpts.host = host;
    if (url.family === 6) listenOpts.ipv6Only = true;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(fromSystemError(err, "EADDRINVAL"));
      server.once("error", onError);
      server.listen(listenOpts, () => {
        server.off("error", onError);
        server.on("error", () => undefined);
        resolve();
      });
    });
    const s = new WsServer(server, url, secure);
    s.serve(tlsCfg);
    return s;
  }

  private serve(tlsCfg: TlsConfig | undefined): void {
    // Every raw connection is tracked, so the last listener's close drops them all.
    this.server.on("connection", (raw: net.Socket) => {
      this.track(raw);
      raw.on("error", () => undefined);
      if (!this.secure) this.readHead(raw);
    });
    if (this.secure) {
      // Node leaves the connection open after a failed or timed-out TLS handshake: drop it.
      this.server.on("tlsClientError", (_err, sock: tls.TLSSocket) => sock.destroy());
      this.server.on("secureConnection", (sock: tls.TLSSocket) => {
        sock.on("error", () => undefined);
        if (checkClient(sock, tlsCfg)) {
          sock.destroy();
          return;
        }
        this.readHead(sock);
      });
    }
  }

  /** Tracks `sock` so the server's close drops it (also connections a listener moved to a new socket). */
  track(sock: net.Socket): void {
    if (this.closed) {
      sock.destroy();
      return;
    }
    this.sockets.add(sock);
    sock.once("close", () => this.sockets.delete(sock));
  }

  /** Reads the request head ourselves (nng dialers may send an empty request target). */
  private readHead(sock: net.Socket): void {
    let got: Buffer = Buffer.alloc(0);
    const done = () => {
      clearTimeout(timer);
      sock.off("data", onData);
      sock.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      got = got.length === 0 ? chunk : Buffer.concat([got, chunk]);
      const r = parseUpgradeHead(got);
      if (r.state === "partial") return;
      done();
      sock.pause();
      if (r.state === "error") {
        if (this.http) this.http.accept(sock, got, undefined);
        else refuse(sock, r.status, r.reason);
      } else this.dispatch(r, sock, got);
    };
    const onClose = () => done();
    const timer = setTimeout(() => {
      done();
      refuse(sock, 408);
    }, HANDSHAKE_TIMEOUT_MS);
    sock.on("data", onData);
    sock.once("close", onClose);
  }

  private dispatch(req: UpgradeRequest, sock: net.Socket, got: Buffer): void {
    const route = this.routes.get(routeKey(req.target));
    if (this.http && !(route && asksForSp(req))) return this.http.accept(sock, got, req);
    if (!route) return refuse(sock, 404);
    if (req.method !== "GET") return refuse(sock, 405);
    const cl = req.headers["content-length"];
    if ((cl !== undefined && cl !== "0") || req.headers["transfer-encoding"] !== undefined) return refuse(sock, 400, "request has a body");
    const proto = req.headers["sec-websocket-protocol"];
    if (proto === undefined) return refuse(sock, 400, "missing SP subprotocol");
    if (proto !== route.subprotocol) return refuse(sock, 400, `SP protocol mismatch: want ${route.subprotocol}`);
    route.upgrade(req, sock, got.subarray(req.length));
  }

  /** Stops accepting and drops every connection. */
  close(): Promise<void> {
    this.closed = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (!this.server.listening) return Promise.resolve();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function refuse(sock: net.Socket, status: number, reason?: string): void {
  if (sock.destroyed) return;
  sock.end(httpError(status, reason), () => sock.destroy());
}

/** A WebSocket upgrade naming an SP subprotocol (`<protocol>.sp.nanomsg.org`). */
function asksForSp(req: UpgradeRequest): boolean {
  return /\.sp\.nanomsg\.org\b/i.test(req.headers["sec-websocket-protocol"] ?? "");
}

function serverKey(url: SpUrl, secure: boolean, port: number): string {
  return `${secure ? "wss" : "ws"}|${url.family}|${url.host.toLowerCase()}|${port}`;
}

/** Servers by address, and binds in progress for fixed ports. */
const servers = new Map<string, Promise<WsServer>>();

/** The open server for `url`'s address, binding one if there is none (port 0 always binds). */
async function acquire(url: SpUrl, secure: boolean, tlsCfg: TlsConfig | undefined): Promise<WsServer> {
  const fixed = url.port ?? (secure ? 443 : 80);
  if (fixed === 0) {
    const server = await WsServer.bind(url, secure, tlsCfg);
    servers.set(server.key, Promise.resolve(server));
    return server;
  }
  const k = serverKey(url, secure, fixed);
  for (;;) {
    let p = servers.get(k);
    if (!p) {
      p = WsServer.bind(url, secure, tlsCfg);
      servers.set(k, p);
      p.catch(() => servers.delete(k));
    }
    const server = await p;
    // The last user of that server closed it while we waited: bind anew.
    if (!server.closed) return server;
    if (servers.get(k) === p) servers.delete(k);
  }
}

/** Nothing uses the server any more. */
function unused(server: WsServer): boolean {
  return server.routes.size === 0 && server.http === undefined;
}

/**
 * Adds `route` at `path` on the server for `url`, binding one if this
 * address has none yet. A path already served → EADDRINUSE.
 * @internal
 */
export async function addRoute(url: SpUrl, secure: boolean, tlsCfg: TlsConfig | undefined, path: string, route: WsRoute): Promise<WsServer> {
  const key = routeKey(path);
  const server = await acquire(url, secure, tlsCfg);
  if (server.routes.has(key)) throw nngError("EADDRINUSE", `${url.url}: path ${key} is already served`);
  server.routes.set(key, route);
  return server;
}

/**
 * Removes a route; the last one closes the server.
 * @internal
 */
export async function removeRoute(server: WsServer, path: string, route: WsRoute): Promise<void> {
  const key = routeKey(path);
  if (server.routes.get(key) === route) server.routes.delete(key);
  if (unused(server)) await releaseServer(server);
}

/**
 * Attaches an HTTP server to the address of `url` (sharing it with SP ws
 * listeners there, binding it if none), so either may start first. A second
 * HTTP server on one address → EADDRINUSE.
 * @internal
 */
export async function attachHttp(url: SpUrl, secure: boolean, tlsCfg: TlsConfig | undefined, http: HttpFallback): Promise<WsServer> {
  const server = await acquire(url, secure, tlsCfg);
  if (server.http) throw nngError("EADDRINUSE", `${url.url}: an HTTP server already serves this address`);
  server.http = http;
  return server;
}

/**
 * Detaches an HTTP server; the server closes if no SP listener uses it.
 * @internal
 */
export async function detachHttp(server: WsServer, http: HttpFallback): Promise<void> {
  if (server.http === http) server.http = undefined;
  if (unused(server)) await releaseServer(server);
}

async function releaseServer(server: WsServer): Promise<void> {
  const p = servers.get(server.key);
  const close = server.close();
  if (p && (await p.catch(() => undefined)) === server && servers.get(server.key) === p) servers.delete(server.key);
  await close;
}
