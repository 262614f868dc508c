/**
 * Byte streams over tcp://, ipc:// and tls+tcp://: a plain connection, no
 * SP handshake and no framing — what one side writes, the other reads, in
 * whatever pieces the network delivers.
 * @internal
 * @module
 */
import net from "node:net";
import tls from "node:tls";
import { fromSystemError, nngError, type NngError } from "../core/errors.js";
import type { OptionValue } from "../core/options.js";
import type { SpUrl } from "../core/url.js";
import { checkClient, clientOptions, DEFAULT_TLS, serverOptions, tlsError, type TlsConfig } from "../tls/config.js";
import { HANDSHAKE_TIMEOUT_MS } from "../transport/stream-pipe.js";
import { acceptOne } from "./bind.js";
import { bound, CLOSE_GRACE_MS, type AttemptOptions, type Conn, type ConnEvents, hostPort, plainBytes } from "./conn.js";

type Kind = "tcp" | "ipc" | "tls";

function kindOf(url: SpUrl): Kind {
  if (url.transport === "tcp" || url.transport === "ipc" || url.transport === "tls") return url.transport;
  throw nngError("ENOTSUP", `${url.scheme}:// is not a byte stream transport`);
}

/**
 * A connected net or TLS socket as a stream's connection. Until `start`,
 * the socket stays paused (so no byte can be missed) and an early end is
 * remembered.
 */
class SocketConn implements Conn {
  readonly messages = false;
  private events: ConnEvents | undefined;
  private early: NngError | undefined;
  private readonly released: Promise<void>;

  constructor(
    readonly url: string,
    private readonly sock: net.Socket,
    private readonly kind: Kind,
  ) {
    this.released = sock.closed ? Promise.resolve() : new Promise((resolve) => sock.once("close", () => resolve()));
    const ended = (err: NngError) => (this.events ? this.events.end(err) : (this.early ??= err));
    sock.on("end", () => ended(nngError("ECONNSHUT", "the peer closed the connection")));
    sock.on("error", (err) => ended(kind === "tls" ? tlsError(err, "ECONNRESET") : fromSystemError(err, "ECONNRESET")));
    sock.on("close", () => ended(nngError("ECONNSHUT", "the connection is closed")));
  }

  get blocked(): boolean {
    return this.sock.writableNeedDrain;
  }

  start(events: ConnEvents): void {
    this.events = events;
    this.sock.on("data", (b: Buffer) => events.data(plainBytes(b)));
    this.sock.on("drain", () => events.drain());
    if (this.early) events.end(this.early);
  }

  write(data: Uint8Array): void {
    if (data.length > 0) this.sock.write(data);
  }

  pause(): void {
    this.sock.pause();
  }

  resume(): void {
    this.sock.resume();
  }

  close(): Promise<void> {
    const s = this.sock;
    if (!s.destroyed) {
      // Flush what was written, then FIN; keep reading (and dropping) so the peer's FIN is seen.
      s.removeAllListeners("data");
      s.resume();
      s.end();
      const t = setTimeout(() => s.destroy(), CLOSE_GRACE_MS);
      t.unref();
      s.once("close", () => clearTimeout(t));
    }
    return this.released;
  }

  opt(name: string): OptionValue | undefined {
    const s = this.sock;
    switch (name) {
      case "local-address":
        return this.kind === "ipc" ? this.url.slice(this.url.indexOf("://") + 3) : hostPort(s.localAddress, s.localPort);
      case "remote-address":
        return this.kind === "ipc" ? this.url.slice(this.url.indexOf("://") + 3) : hostPort(s.remoteAddress, s.remotePort);
      case "tls-verified":
        return this.kind === "tls" ? (s as tls.TLSSocket).authorized : undefined;
      case "tls-peer-cn": {
        if (this.kind !== "tls") return undefined;
        const cn = (s as tls.TLSSocket).getPeerCertificate()?.subject?.CN;
        return typeof cn === "string" ? cn : "";
      }
      default:
        return undefined;
    }
  }
}

/**
 * Connects to a tcp, ipc or tls+tcp URL. A tls+tcp dial without `tls`
 * verifies the server against Node's built-in CAs, as socket dialers do.
 * @internal
 */
export function dialBytes(url: SpUrl, cfg: TlsConfig | undefined, attempt: AttemptOptions): Promise<Conn> {
  let kind: Kind;
  try {
    kind = kindOf(url);
    if (kind !== "ipc" && (!url.host || url.port === null)) throw nngError("EADDRINVAL", `${url.scheme} dial needs host and port: ${url.url}`);
    if (kind !== "ipc" && url.port === 0) throw nngError("ECONNREFUSED", `cannot dial port 0: ${url.url}`);
  } catch (err) {
    return Promise.reject(err);
  }
  return new Promise<Conn>((resolve, reject) => {
    let sock: net.Socket;
    const where: net.TcpNetConnectOpts = { host: url.host, port: url.port ?? 0 };
    if (url.family) where.family = url.family;
    try {
      if (kind === "ipc") sock = net.connect({ path: url.host });
      else if (kind === "tcp") sock = net.connect(where);
      else sock = tls.connect({ ...clientOptions(cfg ?? DEFAULT_TLS, url.host), ...where });
    } catch (err) {
      reject(nngError("EADDRINVAL", `cannot dial ${url.url}: ${(err as Error).message}`, err));
      return;
    }
    const ready = kind === "tls" ? "secureConnect" : "connect";
    let settled = false;
    let stop = () => undefined as void;
    const finish = (err?: NngError) => {
      if (settled) return;
      settled = true;
      stop();
      sock.off("error", onError);
      sock.off(ready, onReady);
      if (err) {
        sock.on("error", () => undefined);
        sock.destroy();
        reject(err);
      } else {
        resolve(new SocketConn(url.url, sock, kind));
      }
    };
    const onError = (err: Error) => finish(kind === "tls" ? tlsError(err) : fromSystemError(err, "ECONNREFUSED"));
    const onReady = () => finish();
    sock.once("error", onError);
    sock.once(ready, onReady);
    stop = bound(attempt, finish, `dial ${url.url}`);
  });
}

/**
 * Binds a tcp, ipc or tls+tcp URL and resolves with the first client's
 * connection (for TLS: the first to complete the handshake and pass the
 * auth mode). The listening socket is closed then.
 * @internal
 */
export async function listenBytes(url: SpUrl, cfg: TlsConfig | undefined, attempt: AttemptOptions, onListening?: (url: string) => void): Promise<Conn> {
  const kind = kindOf(url);
  if (kind !== "tls") {
    const server = net.createServer();
    return acceptOne<Conn>({ server, url, defaultPort: 0, mapError: (e) => fromSystemError(e, "EADDRINVAL"), attempt, onListening }, (boundUrl, take) => {
      server.on("connection", (sock: net.Socket) => {
        if (!take(new SocketConn(boundUrl, sock, kind), sock)) sock.destroy();
      });
    });
  }
  const server = tls.createServer({ ...serverOptions(cfg, "tls+tcp"), handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
  server.on("tlsClientError", () => undefined);
  return acceptOne<Conn>({ server, url, defaultPort: 0, mapError: (e) => tlsError(e, "EADDRINVAL"), attempt, onListening }, (boundUrl, take) => {
    server.on("secureConnection", (sock: tls.TLSSocket) => {
      sock.on("error", () => undefined);
      // An "optional" listener lets a client without a certificate in, but not one whose certificate failed.
      if (checkClient(sock, cfg) || !take(new SocketConn(boundUrl, sock, kind), sock)) sock.destroy();
    });
  });
}
