import type http from "node:http";
import net from "node:net";
import tls from "node:tls";
import WebSocket, { WebSocketServer } from "ws";
import { nngError, type NngError } from "../core/errors.js";
import { formatTcpUrl } from "../core/url.js";
import { clientOptions, DEFAULT_TLS, tlsError } from "../tls/config.js";
import { HANDSHAKE_TIMEOUT_MS } from "./stream-pipe.js";
import type { Transport, TransportDialer, TransportInit, TransportListener, TransportPipe } from "./transport.js";
import { CLOSE_TIMEOUT_MS, WsPipe } from "./ws-pipe.js";
import { addRoute, removeRoute, type WsRoute, type WsServer } from "./ws-server.js";
import type { UpgradeRequest } from "./ws-upgrade.js";

/** The SP subprotocol naming a protocol: always the listener's (§4.2). */
export function spSubprotocol(name: string): string {
  return `${name}.sp.nanomsg.org`;
}

function addr(host: string | undefined, port: number | undefined): string {
  if (!host) return "";
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** nng's mapping of a refused upgrade: 404/405 → ECONNREFUSED, 401/403 → EPERM, else EPROTO. */
export function httpStatusError(status: number): NngError {
  const detail = `WebSocket upgrade refused with HTTP ${status}`;
  if (status === 404 || status === 405) return nngError("ECONNREFUSED", detail);
  if (status === 401 || status === 403) return nngError("EPERM", detail);
  return nngError("EPROTO", detail);
}

/** Errors of a dial: socket and TLS errors carry a code; ws's own handshake checks do not (EPROTO). */
function dialError(err: unknown): NngError {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code === "string" && !e.code.startsWith("WS_ERR_")) return tlsError(err);
  if (/timed out/i.test(e?.message ?? "")) return nngError("ETIMEDOUT", e.message, err);
  return nngError("EPROTO", e?.message ?? String(err), err);
}

class WsDialer implements TransportDialer {
  private readonly connecting = new Set<WebSocket>();
  constructor(
    private readonly init: TransportInit,
    private readonly secure: boolean,
  ) {}

  connect(signal: AbortSignal): Promise<TransportPipe> {
    const { url, config, info } = this.init;
    const host = url.host;
    const port = url.port ?? (this.secure ? 443 : 80);
    const family = url.family || undefined;
    // Always at least "/": libnng sends an empty request target otherwise (§4.1).
    const target = `${this.secure ? "wss" : "ws"}://${host.includes(":") ? `[${host}]` : host}:${port}${url.path || "/"}`;
    const tlsOpts = this.secure ? clientOptions(config.tls ?? DEFAULT_TLS, host) : undefined;
    return new Promise<TransportPipe>((resolve, reject) => {
      let sock: net.Socket | undefined;
      let settled = false;
      const ws = new WebSocket(target, [spSubprotocol(info.peerName)], {
        perMessageDeflate: false,
        maxPayload: config.recvSizeMax,
        handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
        followRedirects: false,
        closeTimeout: CLOSE_TIMEOUT_MS,
        // Our own connection, so TLS follows our config and the pipe can watch the raw bytes.
        createConnection: (() => {
          const where = { host, port, family } as net.TcpNetConnectOpts;
          sock = tlsOpts ? tls.connect({ ...tlsOpts, ...where }) : net.connect(where);
          sock.setKeepAlive(config.tcpKeepAlive);
          return sock;
        }) as unknown as typeof net.createConnection,
      } as WebSocket.ClientOptions);
      this.connecting.add(ws);
      const finish = (err: NngError | undefined) => {
        if (settled) return;
        settled = true;
        this.connecting.delete(ws);
        signal.removeEventListener("abort", onAbort);
        if (err) {
          ws.on("error", () => undefined);
          ws.terminate();
          sock?.destroy();
          reject(err);
          return;
        }
        const s = sock!;
        s.setNoDelay(config.tcpNoDelay);
        resolve(new WsPipe(ws, s, url.scheme.replace(/[46]$/, ""), info.peer, addr(s.localAddress, s.localPort), addr(s.remoteAddress, s.remotePort), true));
      };
      const onAbort = () => finish(nngError("ECLOSED"));
      signal.addEventListener("abort", onAbort, { once: true });
      ws.once("unexpected-response", (req: http.ClientRequest, res: http.IncomingMessage) => {
        req.destroy();
        finish(httpStatusError(res.statusCode ?? 0));
      });
      ws.once("error", (err) => finish(dialError(err)));
      ws.once("open", () => finish(undefined));
    });
  }

  close(): void {
    for (const ws of this.connecting) ws.terminate();
    this.connecting.clear();
  }
}

class WsListener implements TransportListener {
  private server: WsServer | undefined;
  private onPipe: ((p: TransportPipe) => void) | undefined;
  private closed = false;
  boundUrl: string;
  boundPort: number | undefined;
  private readonly route: WsRoute;

  constructor(
    private readonly init: TransportInit,
    private readonly secure: boolean,
  ) {
    this.boundUrl = init.url.url;
    this.route = { subprotocol: spSubprotocol(init.info.selfName), upgrade: (req, sock, rest) => this.upgrade(req, sock, rest) };
  }

  async bind(): Promise<void> {
    const { url, config } = this.init;
    this.server = await addRoute(url, this.secure, config.tls, url.path ?? "", this.route);
    this.boundPort = this.server.port;
    this.boundUrl = `${formatTcpUrl(url.scheme, url.host, this.server.port)}${url.path ?? ""}`;
  }

  accept(onPipe: (p: TransportPipe) => void): void {
    this.onPipe = onPipe;
  }

  private upgrade(req: UpgradeRequest, sock: net.Socket, rest: Buffer): void {
    if (this.closed || !this.onPipe) {
      sock.destroy();
      return;
    }
    const { config, info, url } = this.init;
    const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: config.recvSizeMax, clientTracking: false, closeTimeout: CLOSE_TIMEOUT_MS } as WebSocket.ServerOptions);
    const fake = { method: req.method, url: req.target, headers: req.headers, socket: sock } as unknown as http.IncomingMessage;
    wss.handleUpgrade(fake, sock, rest, (ws) => {
      sock.setNoDelay(config.tcpNoDelay);
      sock.setKeepAlive(config.tcpKeepAlive);
      const pipe = new WsPipe(ws, sock, url.scheme.replace(/[46]$/, ""), info.peer, addr(sock.localAddress, sock.localPort), addr(sock.remoteAddress, sock.remotePort));
      this.onPipe!(pipe);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const server = this.server;
    this.server = undefined;
    if (server) await removeRoute(server, this.init.url.path ?? "", this.route);
  }
}

function dialerFor(secure: boolean) {
  return (init: TransportInit): TransportDialer => {
    if (!init.url.host) throw nngError("EADDRINVAL", `${init.url.scheme} dial needs a host: ${init.url.url}`);
    return new WsDialer(init, secure);
  };
}

/** SP over WebSocket (`ws`): one SP message per binary WebSocket message. @internal */
export const wsTransport: Transport = {
  dialer: dialerFor(false),
  listener: (init) => new WsListener(init, false),
};

/** SP over WebSocket in TLS (`wss`). @internal */
export const wssTransport: Transport = {
  dialer: dialerFor(true),
  listener: (init) => new WsListener(init, true),
};
