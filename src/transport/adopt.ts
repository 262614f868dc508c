import net from "node:net";
import tls from "node:tls";

/** The `onread` options of net.Socket: Node reads into the buffer `buffer()` returns, then calls `callback`. */
export interface OnRead {
  buffer: () => Uint8Array;
  callback: (n: number, buf: Uint8Array) => boolean | undefined;
}

/**
 * Moves a connection Node created for us (accepted, or upgraded by an HTTP
 * server) to a new net.Socket that reads through `onread`: Node offers
 * `onread` only to sockets it creates itself, so the handle is taken over.
 * Returns the new socket and the bytes the old one had read but not emitted,
 * or undefined when `sock` is TLS or this Node does not look as expected —
 * the caller then keeps `sock`.
 * @internal
 */
export function adoptSocket(sock: net.Socket, onread: OnRead): { sock: net.Socket; buffered: Uint8Array } | undefined {
  if (sock instanceof tls.TLSSocket) return undefined;
  const s = sock as net.Socket & { _handle?: { readStop?: () => number; readStart?: unknown; reading?: boolean } | null };
  const handle = s._handle;
  if (!handle || typeof handle.readStop !== "function" || typeof handle.readStart !== "function") return undefined;
  try {
    if (handle.reading) {
      handle.readStop();
      handle.reading = false;
    }
    s._handle = null;
    const parts: Buffer[] = [];
    for (let c: Buffer | null; (c = sock.read() as Buffer | null) !== null; ) parts.push(c);
    sock.destroy();
    const adopted = new net.Socket({ handle, readable: true, writable: true, onread } as net.SocketConstructorOpts);
    adopted.pause();
    return { sock: adopted, buffered: parts.length === 1 ? parts[0]! : Buffer.concat(parts) };
  } catch {
    return undefined;
  }
}
