import net from "node:net";
import { fromSystemError, nngError, type NngError } from "../core/errors.js";
import { formatTcpUrl } from "../core/url.js";
import { SocketReader } from "./socket-reader.js";
import { handshake } from "./stream-pipe.js";
import { StreamListener } from "./stream-listener.js";
import type { Transport, TransportDialer, TransportInit, TransportListener, TransportPipe } from "./transport.js";

function addr(host: string | undefined, port: number | undefined): string {
  if (!host) return "";
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function tune(sock: net.Socket, init: TransportInit): void {
  sock.setNoDelay(init.config.tcpNoDelay);
  sock.setKeepAlive(init.config.tcpKeepAlive);
}

class TcpDialer implements TransportDialer {
  private sockets = new Set<net.Socket>();
  constructor(private readonly init: TransportInit) {}

  connect(signal: AbortSignal): Promise<TransportPipe> {
    const { url } = this.init;
    if (!url.host || !url.port) return Promise.reject(nngError(url.port === 0 ? "ECONNREFUSED" : "EADDRINVAL", `cannot dial ${url.url}`));
    return new Promise<TransportPipe>((resolve, reject) => {
      const reader = SocketReader.create();
      const opts: net.NetConnectOpts = { host: url.host, port: url.port!, noDelay: this.init.config.tcpNoDelay };
      if (reader) opts.onread = reader.onread as net.OnReadOpts;
      if (url.family) (opts as net.TcpNetConnectOpts).family = url.family;
      const sock = net.connect(opts);
      this.sockets.add(sock);
      sock.once("close", () => this.sockets.delete(sock));
      const onAbort = () => {
        sock.destroy();
        reject(nngError("ECLOSED"));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      const onError = (err: Error) => {
        signal.removeEventListener("abort", onAbort);
        sock.destroy();
        reject(fromSystemError(err, "ECONNREFUSED"));
      };
      sock.once("error", onError);
      sock.once("connect", () => {
        sock.off("error", onError);
        signal.removeEventListener("abort", onAbort);
        tune(sock, this.init);
        handshake(sock, {
          self: this.init.self,
          ipc: false,
          transport: "tcp",
          config: this.init.config,
          local: addr(sock.localAddress, sock.localPort),
          remote: addr(sock.remoteAddress, sock.remotePort),
          signal,
          reader,
        }).then(resolve, reject);
      });
    });
  }

  close(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }
}

class TcpListener extends StreamListener implements TransportListener {
  boundUrl: string;
  boundPort: number | undefined;

  constructor(private readonly init: TransportInit) {
    super();
    this.boundUrl = init.url.url;
  }

  bind(): Promise<void> {
    const { url } = this.init;
    return new Promise((resolve, reject) => {
      // Paused, so the connection can move to a socket reading through a SocketReader.
      const server = net.createServer({ noDelay: this.init.config.tcpNoDelay, pauseOnConnect: true });
      this.server = server;
      const onError = (err: Error) => reject(fromSystemError(err, "EADDRINVAL"));
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
    this.server?.on("connection", (accepted) => {
      if (this.abort.signal.aborted) {
        accepted.destroy();
        return;
      }
      const { sock, reader } = this.adopt(accepted);
      tune(sock, this.init);
      const opts = {
        self: this.init.self,
        ipc: false,
        transport: "tcp",
        config: this.init.config,
        local: addr(sock.localAddress, sock.localPort),
        remote: addr(sock.remoteAddress, sock.remotePort),
        reader,
      };
      this.accepted(sock, opts, onPipe, onError);
    });
  }
}

/** SP over TCP: 8-byte handshake, then u64 length-prefixed frames. @internal */
export const tcpTransport: Transport = {
  dialer: (init) => {
    // nng refuses a dial URL without host or port when the dialer is created.
    if (!init.url.host || init.url.port === null) throw nngError("EADDRINVAL", `tcp dial needs host and port: ${init.url.url}`);
    return new TcpDialer(init);
  },
  listener: (init) => new TcpListener(init),
};
