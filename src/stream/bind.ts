/**
 * Binding the one-shot servers behind `stream({ listen })`: a TCP address
 * (real port read back after port 0) or an ipc path (stale socket files
 * replaced, as nng does).
 * @internal
 * @module
 */
import net from "node:net";
import { nngError, type NngError } from "../core/errors.js";
import { formatTcpUrl, type SpUrl } from "../core/url.js";
import { clearStaleIpc } from "../transport/ipc-path.js";
import { bound, type AttemptOptions } from "./conn.js";

/**
 * Binds `server` to the URL's address and resolves with the bound URL (the
 * real port after port 0). `defaultPort` serves URLs that give none.
 * @internal
 */
export async function bindServer(server: net.Server, url: SpUrl, defaultPort: number, mapError: (err: unknown) => NngError): Promise<string> {
  const ipc = url.transport === "ipc";
  if (ipc) await clearStaleIpc(url.host);
  const opts: net.ListenOptions = { backlog: 16 };
  if (ipc) {
    opts.path = url.host;
  } else {
    opts.port = url.port ?? defaultPort;
    const host = url.host || (url.family === 6 ? "::" : url.family === 4 ? "0.0.0.0" : undefined);
    if (host !== undefined) opts.host = host;
    if (url.family === 6) opts.ipv6Only = true;
  }
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(mapError(err));
    server.once("error", onError);
    server.listen(opts, () => {
      server.off("error", onError);
      server.on("error", () => undefined);
      resolve();
    });
  });
  if (ipc) return url.url;
  const port = (server.address() as net.AddressInfo).port;
  return `${formatTcpUrl(url.scheme, url.host, port)}${url.path ?? ""}`;
}

/** What {@link acceptOne} needs to know. @internal */
export interface AcceptOneOptions {
  server: net.Server;
  url: SpUrl;
  /** Port for URLs that give none (ws 80, wss 443). */
  defaultPort: number;
  /** Maps a bind failure (EADDRINUSE, EADDRINVAL, …). */
  mapError: (err: unknown) => NngError;
  attempt: AttemptOptions;
  /** Told the bound URL before any client can connect. */
  onListening?: ((url: string) => void) | undefined;
}

/** The same TCP connection seen through two socket objects (a TLS socket and the raw one under it). */
function sameConnection(a: net.Socket, b: net.Socket): boolean {
  if (a === b) return true;
  return a.remotePort !== undefined && a.remotePort === b.remotePort && a.remoteAddress === b.remoteAddress && a.localPort === b.localPort && a.localAddress === b.localAddress;
}

/**
 * Binds `server`, reports the bound URL, then lets `serve` accept exactly
 * one connection: the first `take(conn, socket)` wins, the server stops
 * listening (an ipc file is unlinked) and every other connection — still in
 * its TLS or WebSocket handshake — is dropped. Bounded by the attempt's
 * timeout and signal (ETIMEDOUT, ECANCELED).
 * @internal
 */
export function acceptOne<C>(o: AcceptOneOptions, serve: (boundUrl: string, take: (conn: C, sock: net.Socket) => boolean) => void): Promise<C> {
  const { server } = o;
  const raws = new Set<net.Socket>();
  let done = false;
  server.on("connection", (s: net.Socket) => {
    if (done) {
      s.destroy();
      return;
    }
    raws.add(s);
    s.once("close", () => raws.delete(s));
    s.on("error", () => undefined);
  });
  return new Promise<C>((resolve, reject) => {
    const finish = (err: NngError | undefined, conn?: C, keep?: net.Socket): boolean => {
      if (done) return false;
      done = true;
      stop();
      server.close();
      for (const s of raws) if (!keep || !sameConnection(s, keep)) s.destroy();
      raws.clear();
      if (err) reject(err);
      else resolve(conn as C);
      return true;
    };
    const stop = bound(o.attempt, (err) => finish(err), `listen on ${o.url.url}`);
    bindServer(server, o.url, o.defaultPort, o.mapError).then(
      (boundUrl) => {
        if (done) {
          server.close();
          return;
        }
        try {
          o.onListening?.(boundUrl);
        } catch (err) {
          finish(nngError("EINVAL", `onListening threw: ${String(err)}`, err));
          return;
        }
        serve(boundUrl, (conn, sock) => finish(undefined, conn, sock));
      },
      (err: NngError) => finish(err),
    );
  });
}
