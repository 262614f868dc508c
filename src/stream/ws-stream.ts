/**
 * WebSocket streams over ws:// and wss:// (the `ws` package), in message
 * mode: each write is one WebSocket message and each chunk read is one whole
 * message. No SP subprotocol: this talks to any WebSocket peer.
 * @internal
 * @module
 */
import type http from "node:http";
import net from "node:net";
import tls from "node:tls";
import WebSocket, { WebSocketServer } from "ws";
import { fromSystemError, nngError, type NngError } from "../core/errors.js";
import type { OptionValue } from "../core/options.js";
import type { SpUrl } from "../core/url.js";
import { checkClient, clientOptions, DEFAULT_TLS, serverOptions, tlsError, type TlsConfig } from "../tls/config.js";
import { HANDSHAKE_TIMEOUT_MS } from "../transport/stream-pipe.js";
import { httpStatusError } from "../transport/ws.js";
import { httpError, parseUpgradeHead, routeKey } from "../transport/ws-upgrade.js";
import { acceptOne } from "./bind.js";
import { bound, CLOSE_GRACE_MS, type AttemptOptions, type Conn, type ConnEvents, headerText, hostPort, plainBytes } from "./conn.js";

/** Largest message accepted (`ws`'s default maxPayload); a bigger one closes the stream with 1009. @internal */
export const WS_STREAM_MAX_MESSAGE = 100 * 1024 * 1024;

/** What a WebSocket stream reports through `opt()`. */
interface WsInfo {
  requestUri: string;
  requestHeaders: string;
  responseHeaders: string;
}

/** Options of a WebSocket dial or listen. @internal */
export interface WsStreamOptions {
  tls: TlsConfig | undefined;
  textframes: boolean;
  headers: Record<string, string> | undefined;
  attempt: AttemptOptions;
  onListening?: ((url: string) => void) | undefined;
}

/**
 * An open WebSocket as a stream's connection. Events are recorded until
 * `start`, so no message is missed between the handshake and the stream.
 */
class WsConn implements Conn {
  readonly messages = true;
  private events: ConnEvents | undefined;
  private readonly early: ((ev: ConnEvents) => void)[] = [];
  private refused = false;
  private readonly released: Promise<void>;

  constructor(
    readonly url: string,
    private readonly ws: WebSocket,
    private readonly raw: net.Socket,
    private readonly text: boolean,
    private readonly info: WsInfo,
  ) {
    this.released = ws.readyState === WebSocket.CLOSED ? Promise.resolve() : new Promise((resolve) => ws.once("close", () => resolve()));
    ws.on("message", (data: WebSocket.RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    // Errors (bad frames, oversized messages) are followed by "close".
    ws.on("error", () => undefined);
    ws.on("close", (code: number, reason: Buffer) => {
      const why = reason.length > 0 ? `${code} ${reason.toString()}` : String(code);
      this.emit((ev) => ev.end(nngError("ECLOSED", `WebSocket closed (${why})`)));
    });
    raw.on("drain", () => this.emit((ev) => ev.drain()));
  }

  private emit(fn: (ev: ConnEvents) => void): void {
    if (this.events) fn(this.events);
    else this.early.push(fn);
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.refused) return;
    if (!isBinary && !this.text) {
      // As nng: a binary-mode stream does not take text frames (1003, unsupported data).
      this.refused = true;
      this.ws.close(1003, "binary frames only");
      this.emit((ev) => ev.end(nngError("ECLOSED", "a text frame arrived on a binary stream (use textframes: true)")));
      return;
    }
    const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
    this.emit((ev) => ev.data(plainBytes(bytes)));
  }

  get blocked(): boolean {
    return this.raw.writableNeedDrain;
  }

  start(events: ConnEvents): void {
    this.events = events;
    for (const fn of this.early.splice(0)) fn(events);
  }

  write(data: Uint8Array): void {
    this.ws.send(data, { binary: !this.text });
  }

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  close(): Promise<void> {
    const ws = this.ws;
    if (ws.readyState !== WebSocket.CLOSED) {
      ws.resume();
      // ws's closeTimeout then ends a peer that never answers the close frame.
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
      else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    }
    return this.released;
  }

  opt(name: string): OptionValue | undefined {
    switch (name) {
      case "ws:request-uri":
        return this.info.requestUri;
      case "ws:request-headers":
        return this.info.requestHeaders;
      case "ws:response-headers":
        return this.info.responseHeaders;
      case "ws:recv-text":
      case "ws:send-text":
        return this.text;
      case "local-address":
        return hostPort(this.raw.localAddress, this.raw.localPort);
      case "remote-address":
        return hostPort(this.raw.remoteAddress, this.raw.remotePort);
      case "tls-verified":
        return this.raw instanceof tls.TLSSocket ? this.raw.authorized : undefined;
      case "tls-peer-cn": {
        if (!(this.raw instanceof tls.TLSSocket)) return undefined;
        const cn = this.raw.getPeerCertificate()?.subject?.CN;
        return typeof cn === "string" ? cn : "";
      }
      default:
        return undefined;
    }
  }
}

/** Errors of a dial: socket and TLS errors carry a system code; `ws`'s own handshake checks do not (EPROTO). */
function dialError(err: unknown): NngError {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code === "string" && !e.code.startsWith("WS_ERR_")) return tlsError(err);
  return nngError("EPROTO", e?.message ?? String(err), err);
}

/** Raw header name/value pairs as [name, value] tuples. */
function pairs(raw: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

/** `Name: value` lines (as `ws` writes a response) as [name, value] tuples. */
function headerLines(lines: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (const l of lines) {
    const c = l.indexOf(":");
    if (c > 0) out.push([l.slice(0, c), l.slice(c + 1).trim()]);
  }
  return out;
}

/** The headers a client request carried, with their names as written. */
function requestHeaderPairs(req: http.ClientRequest): [string, string][] {
  return req.getRawHeaderNames().map((n) => [n, String(req.getHeader(n))]);
}

/**
 * Opens a WebSocket to a ws:// or wss:// URL, with `headers` added to the
 * upgrade request. Without `tls`, a wss dial does not verify the server
 * (nanonext's behaviour) but still sends the host as SNI.
 * @internal
 */
export function dialWs(url: SpUrl, o: WsStreamOptions): Promise<Conn> {
  const secure = url.transport === "wss";
  if (!url.host) return Promise.reject(nngError("EADDRINVAL", `${url.scheme} dial needs a host: ${url.url}`));
  const host = url.host;
  const port = url.port ?? (secure ? 443 : 80);
  const path = url.path || "/";
  const target = `${secure ? "wss" : "ws"}://${host.includes(":") ? `[${host}]` : host}:${port}${path}`;
  const tlsOpts = secure ? clientOptions(o.tls ?? DEFAULT_TLS, host) : undefined;
  return new Promise<Conn>((resolve, reject) => {
    let raw: net.Socket | undefined;
    let request: http.ClientRequest | undefined;
    let response: http.IncomingMessage | undefined;
    let settled = false;
    let stop = () => undefined as void;
    const options: WebSocket.ClientOptions = {
      perMessageDeflate: false,
      followRedirects: false,
      maxPayload: WS_STREAM_MAX_MESSAGE,
      closeTimeout: CLOSE_GRACE_MS,
      headers: o.headers ?? {},
      // Keeps the request, so opt("ws:request-headers") can report what was sent.
      finishRequest: (req: http.ClientRequest) => {
        request = req;
        req.end();
      },
      // Our own connection, so TLS follows our config and the stream can watch its write buffer.
      createConnection: (() => {
        const where = { host, port, family: url.family || undefined } as net.TcpNetConnectOpts;
        raw = tlsOpts ? tls.connect({ ...tlsOpts, ...where }) : net.connect(where);
        return raw;
      }) as unknown as typeof net.createConnection,
    } as WebSocket.ClientOptions;
    let ws: WebSocket;
    try {
      ws = new WebSocket(target, options);
    } catch (err) {
      // ws rejects what it cannot parse as a URL (e.g. a host with spaces) synchronously.
      raw?.destroy();
      reject(nngError("EADDRINVAL", `cannot dial ${url.url}: ${(err as Error).message}`, err));
      return;
    }
    const finish = (err?: NngError) => {
      if (settled) return;
      settled = true;
      stop();
      if (err) {
        ws.on("error", () => undefined);
        ws.terminate();
        raw?.destroy();
        reject(err);
        return;
      }
      resolve(
        new WsConn(url.url, ws, raw!, o.textframes, {
          requestUri: path,
          requestHeaders: headerText(request ? requestHeaderPairs(request) : []),
          responseHeaders: headerText(pairs(response?.rawHeaders ?? [])),
        }),
      );
    };
    ws.once("upgrade", (res: http.IncomingMessage) => (response = res));
    ws.once("unexpected-response", (req: http.ClientRequest, res: http.IncomingMessage) => {
      req.destroy();
      finish(httpStatusError(res.statusCode ?? 0));
    });
    ws.once("error", (err) => finish(dialError(err)));
    ws.once("open", () => finish());
    stop = bound(o.attempt, finish, `dial ${url.url}`);
  });
}

/**
 * Binds a ws:// or wss:// URL and resolves with the first client that
 * upgrades on its path (others get 404, non-GET 405, malformed requests
 * 400). Any subprotocol the client asks for is accepted (the first one).
 * @internal
 */
export async function listenWs(url: SpUrl, o: WsStreamOptions): Promise<Conn> {
  const secure = url.transport === "wss";
  const server = secure ? tls.createServer({ ...serverOptions(o.tls, "wss"), handshakeTimeout: HANDSHAKE_TIMEOUT_MS }) : net.createServer();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, maxPayload: WS_STREAM_MAX_MESSAGE, closeTimeout: CLOSE_GRACE_MS } as WebSocket.ServerOptions);
  const want = routeKey(url.path ?? "");
  let sent: string[] = [];
  wss.on("headers", (lines: string[]) => (sent = lines));
  const mapError = secure ? (e: unknown) => tlsError(e, "EADDRINVAL") : (e: unknown) => fromSystemError(e, "EADDRINVAL");
  return acceptOne<Conn>({ server, url, defaultPort: secure ? 443 : 80, mapError, attempt: o.attempt, onListening: o.onListening }, (boundUrl, take) => {
    const upgrade = (sock: net.Socket) => {
      sock.on("error", () => undefined);
      readHead(sock, (head, rest) => {
        if (head.method !== "GET") return sock.end(httpError(405));
        if (routeKey(head.target) !== want) return sock.end(httpError(404));
        const fake = { method: head.method, url: head.target, headers: head.headers, socket: sock } as unknown as http.IncomingMessage;
        wss.handleUpgrade(fake, sock, rest, (ws) => {
          const conn = new WsConn(boundUrl, ws, sock, o.textframes, {
            requestUri: head.target,
            requestHeaders: headerText(Object.entries(head.headers)),
            responseHeaders: headerText(headerLines(sent.slice(1))),
          });
          if (!take(conn, sock)) ws.terminate();
        });
      });
    };
    if (secure) {
      server.on("tlsClientError", () => undefined);
      server.on("secureConnection", (sock: tls.TLSSocket) => {
        if (checkClient(sock, o.tls)) sock.destroy();
        else upgrade(sock);
      });
    } else {
      server.on("connection", upgrade);
    }
  });
}

/** Reads an HTTP request head off a fresh connection; answers and drops a malformed one. */
function readHead(sock: net.Socket, done: (head: { method: string; target: string; headers: Record<string, string> }, rest: Buffer) => void): void {
  let buf: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    const r = parseUpgradeHead(buf);
    if (r.state === "partial") return;
    sock.off("data", onData);
    if (r.state === "error") {
      sock.end(httpError(r.status, r.reason));
      return;
    }
    // Synchronously handed on: no read can happen before the WebSocket listens.
    done(r, buf.subarray(r.length));
  };
  sock.on("data", onData);
}
