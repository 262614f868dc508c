import net from "node:net";
import tls from "node:tls";
import { nngError, type NngError } from "../core/errors.js";
import { formatTcpUrl } from "../core/url.js";
import { checkClient, clientOptions, DEFAULT_TLS, serverOptions, tlsError } from "../tls/config.js";
import { handshake, HANDSHAKE_TIMEOUT_MS } from "./stream-pipe.js";
import { StreamListener } from "./stream-listener.js";
import type { Transport, TransportDialer, TransportInit, TransportListener, TransportPipe } from "./transport.js";

function addr(host: string | undefined, port: number | undefined): string {
  if (!host) return "";
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function pipeOpts(sock: tls.TLSSocket, init: TransportInit, signal: AbortSignal) {
  sock.setNoDelay(init.config.tcpNoDelay);
  sock.setKeepAlive(init.config.tcpKeepAlive);
  return {
    self: init.self,
    ipc: false,
    transport: "tls+tcp",
    config: init.config,
    local: addr(sock.localAddress, sock.localPort),
    remote: addr(sock.remoteAddress, sock.remotePort),
    signal,
  };
}

class TlsDialer implements TransportDialer {
  private readonly sockets = new Set<tls.TLSSocket>();
  constructor(private readonly init: TransportInit) {}

  connect(signal: AbortSignal): Promise<TransportPipe> {
    const { url, config } = this.init;
    return new Promise<TransportPipe>((resolve, reject) => {
      const opts: tls.ConnectionOptions = { ...clientOptions(config.tls ?? DEFAULT_TLS, url.host), host: url.host, port: url.port! };
      if (url.family) (opts as net.TcpNetConnectOpts).family = url.family;
      const sock = tls.connect(opts);
      this.sockets.add(sock);
      sock.once("close", () => this.sockets.delete(sock));
      const timer = setTimeout(() => fail(nngError("ETIMEDOUT", "TLS handshake timed out")), HANDSHAKE_TIMEOUT_MS);
      const onAbort = () => fail(nngError("ECLOSED"));
      const fail = (err: NngError) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        sock.destroy();
        reject(err);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      const onError = (err: Error) => fail(tlsError(err));
      sock.once("error", onError);
      sock.once("secureConnect", () => {
        clearTimeout(timer);
        sock.off("error", onError);
        signal.removeEventListener("abort", onAbort);
        // With TLS 1.3 a server's refusal of our certificate arrives after secureConnect.
        handshake(sock, pipeOpts(sock, this.init, signal)).then(resolve, (err: NngError) => reject(err.cause ? tlsError(err.cause, err.code) : err));
      });
    });
  }

  close(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }
}

class TlsListener extends StreamListener<tls.Server> implements TransportListener {
  boundUrl: string;
  boundPort: number | undefined;

  constructor(private readonly init: TransportInit) {
    super();
    this.boundUrl = init.url.url;
  }

  bind(): Promise<void> {
    const { url, config } = this.init;
    let opts: tls.TlsOptions;
    try {
      opts = { ...serverOptions(config.tls, "tls+tcp"), handshakeTimeout: HANDSHAKE_TIMEOUT_MS };
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      const server = tls.createServer(opts);
      this.server = server;
      // Raw connections, tracked so close() can drop those still in the TLS handshake.
      server.on("connection", (sock: net.Socket) => {
        this.conns.add(sock);
        sock.once("close", () => this.conns.delete(sock));
      });
      const onError = (err: Error) => reject(tlsError(err, "EADDRINVAL"));
      server.once("error", onError);
      const host = url.host || (url.family === 6 ? "::" : url.family === 4 ? "0.0.0.0" : undefined);
      const listenOpts: net.ListenOptions = { port: url.port ?? 0, backlog: 128 };
      if (host !== undefined) listenOpts.host = host;
      if (url.family === 6) listenOpts.ipv6Only = true;
      server.listen(listenOpts, () => {
        server.off("error", onError);
        server.on("error", () => undefined);
        const a = server.address() as net.AddressInfo;
        this.boundPort = a.port;
        this.boundUrl = formatTcpUrl(url.scheme, url.host, a.port);
        resolve();
      });
    });
  }

  accept(onPipe: (p: TransportPipe) => void, onError?: (err: NngError) => void): void {
    const server = this.server;
    if (!server) return;
    server.on("tlsClientError", (err, sock) => {
      // Node leaves the connection open after a failed or timed-out TLS handshake: drop it.
      sock.destroy();
      if (!this.abort.signal.aborted) onError?.(tlsError(err, "ECRYPTO"));
    });
    server.on("secureConnection", (sock: tls.TLSSocket) => {
      if (this.abort.signal.aborted) {
        sock.destroy();
        return;
      }
      sock.on("error", () => undefined);
      const bad = checkClient(sock, this.init.config.tls);
      if (bad) {
        sock.destroy();
        onError?.(bad);
        return;
      }
      const { signal: _signal, ...opts } = pipeOpts(sock, this.init, this.abort.signal);
      this.accepted(sock, opts, onPipe, onError);
    });
  }
}

/** SP over TCP inside TLS (node:tls): the tcp handshake and framing in the TLS stream. @internal */
export const tlsTransport: Transport = {
  dialer: (init) => {
    if (!init.url.host || init.url.port === null) throw nngError("EADDRINVAL", `tls+tcp dial needs host and port: ${init.url.url}`);
    return new TlsDialer(init);
  },
  listener: (init) => new TlsListener(init),
};
