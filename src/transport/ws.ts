import net from "node:net";
import tls from "node:tls";
import { NngError, nngError } from "../core/errors.js";
import { formatTcpUrl } from "../core/url.js";
import { clientOptions, DEFAULT_TLS, tlsError } from "../tls/config.js";
import { HANDSHAKE_TIMEOUT_MS } from "./stream-pipe.js";
import type { Transport, TransportDialer, TransportInit, TransportListener, TransportPipe } from "./transport.js";
import { checkUpgradeRequest, checkUpgradeResponse, parseResponseHead, upgradeRequestHead, upgradeResponseHead, wsKey } from "./ws-handshake.js";
import { WsPipe } from "./ws-pipe.js";
import { adoptSocket } from "./adopt.js";
import { createWsReader } from "./ws-reader.js";
import { addRoute, removeRoute, type WsRoute, type WsServer } from "./ws-server.js";
import { httpError, type UpgradeRequest } from "./ws-upgrade.js";

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

class WsDialer implements TransportDialer {
  private readonly connecting = new Set<net.Socket>();
  constructor(
    private readonly init: TransportInit,
    private readonly secure: boolean,
  ) {}

  /** Connects (TLS per our config), sends the upgrade request, checks the 101 and hands the raw socket to a {@link WsPipe}. */
  connect(signal: AbortSignal): Promise<TransportPipe> {
    const { url, config, info } = this.init;
    const host = url.host;
    const port = url.port ?? (this.secure ? 443 : 80);
    const family = url.family || undefined;
    const hostHeader = `${host.includes(":") ? `[${host}]` : host}${port === (this.secure ? 443 : 80) ? "" : `:${port}`}`;
    const protocol = spSubprotocol(info.peerName);
    const key = wsKey();
    // Always at least "/": libnng sends an empty request target otherwise (§4.1). Non-ASCII is percent-encoded.
    const target = (url.path || "/").replace(/[^\x21-\x7e]+/gu, (c) => encodeURIComponent(c));
    const request = upgradeRequestHead(target, hostHeader, key, protocol);
    const tlsOpts = this.secure ? clientOptions(config.tls ?? DEFAULT_TLS, host) : undefined;
    return new Promise<TransportPipe>((resolve, reject) => {
      const where = { host, port, family } as net.TcpNetConnectOpts;
      const reader = tlsOpts ? undefined : createWsReader();
      if (reader) where.onread = reader.onread as net.OnReadOpts;
      const sock: net.Socket = tlsOpts ? tls.connect({ ...tlsOpts, ...where }) : net.connect(where);
      sock.setKeepAlive(config.tcpKeepAlive);
      this.connecting.add(sock);
      let got: Buffer = Buffer.alloc(0);
      let settled = false;
      const finish = (err: NngError | undefined, rest?: Buffer) => {
        if (settled) return;
        settled = true;
        this.connecting.delete(sock);
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        if (reader) reader.onChunk = () => undefined;
        else sock.off("data", onData);
        sock.off("error", onError);
        sock.off("close", onClose);
        if (err) {
          sock.on("error", () => undefined);
          sock.destroy();
          reject(err);
          return;
        }
        sock.pause();
        sock.setNoDelay(config.tcpNoDelay);
        const pipe = new WsPipe(sock, rest!, url.scheme.replace(/[46]$/, ""), info.peer, addr(sock.localAddress, sock.localPort), addr(sock.remoteAddress, sock.remotePort), true, config.recvSizeMax, reader);
        resolve(pipe);
      };
      const onData = (chunk: Uint8Array) => {
        got = got.length === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length) : Buffer.concat([got, chunk]);
        const res = parseResponseHead(got);
        if (res === undefined) return;
        if (res instanceof NngError) return finish(res);
        if (res.status !== 101) return finish(httpStatusError(res.status));
        finish(checkUpgradeResponse(res, key, protocol), got.subarray(res.length));
      };
      const onError = (err: Error) => finish(tlsError(err));
      const onClose = () => finish(nngError("ECONNSHUT", "connection closed during the WebSocket upgrade"));
      const onAbort = () => finish(nngError("ECLOSED"));
      const timer = setTimeout(() => finish(nngError("ETIMEDOUT", "WebSocket upgrade timed out")), HANDSHAKE_TIMEOUT_MS);
      signal.addEventListener("abort", onAbort, { once: true });
      if (reader) reader.onChunk = onData;
      else sock.on("data", onData);
      sock.on("error", onError);
      sock.on("close", onClose);
      // Buffered by the socket until it (and TLS) is connected.
      sock.write(request);
    });
  }

  close(): void {
    for (const sock of this.connecting) sock.destroy();
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

  /** Answers a request that passed the server's path and subprotocol checks, and makes the pipe. */
  private upgrade(req: UpgradeRequest, sock: net.Socket, rest: Buffer): void {
    if (this.closed || !this.onPipe) {
      sock.destroy();
      return;
    }
    const bad = checkUpgradeRequest(req);
    if (bad !== undefined) {
      sock.end(httpError(400, bad), () => sock.destroy());
      return;
    }
    const { config, info, url } = this.init;
    let reader = this.secure ? undefined : createWsReader();
    const adopted = reader && adoptSocket(sock, reader.onread);
    if (adopted) {
      sock = adopted.sock;
      this.server?.track(sock);
      if (adopted.buffered.length) rest = rest.length ? Buffer.concat([rest, adopted.buffered]) : Buffer.from(adopted.buffered);
    } else reader = undefined;
    sock.write(upgradeResponseHead(req.headers["sec-websocket-key"]!, this.route.subprotocol));
    sock.setNoDelay(config.tcpNoDelay);
    sock.setKeepAlive(config.tcpKeepAlive);
    this.onPipe(new WsPipe(sock, rest, url.scheme.replace(/[46]$/, ""), info.peer, addr(sock.localAddress, sock.localPort), addr(sock.remoteAddress, sock.remotePort), false, config.recvSizeMax, reader));
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
