import { setMaxListeners } from "node:events";
import type net from "node:net";
import type { NngError } from "../core/errors.js";
import { adoptSocket } from "./adopt.js";
import { SocketReader } from "./socket-reader.js";
import { handshake } from "./stream-pipe.js";
import type { TransportPipe } from "./transport.js";

/** Handshake settings of one accepted stream, less the listener's abort signal. @internal */
export type AcceptOptions = Omit<Parameters<typeof handshake>[1], "signal">;

/**
 * What tcp, ipc and tls listeners share: the server, the connections still
 * in their SP handshake (so close() can drop them) and the abort signal that
 * stops accepting.
 * @internal
 */
export abstract class StreamListener<S extends net.Server = net.Server> {
  protected server: S | undefined;
  protected readonly conns = new Set<net.Socket>();
  protected readonly abort = new AbortController();

  constructor() {
    // Every connection in its handshake listens on this signal; a burst of them is normal, not a leak.
    setMaxListeners(0, this.abort.signal);
  }

  /**
   * An accepted connection (servers run with `pauseOnConnect`) as the socket
   * to use: moved to a {@link SocketReader} when direct reads are on, else
   * the same socket, reading.
   */
  protected adopt(sock: net.Socket): { sock: net.Socket; reader?: SocketReader | undefined } {
    const reader = SocketReader.create();
    // Nothing was read yet (pauseOnConnect), so nothing is buffered.
    const adopted = reader && adoptSocket(sock, reader.onread);
    if (adopted) return { sock: adopted.sock, reader };
    sock.resume();
    return { sock };
  }

  /** Runs the SP handshake on an accepted stream, off the accept path, and reports the pipe or the error. */
  protected accepted(sock: net.Socket, opts: AcceptOptions, onPipe: (p: TransportPipe) => void, onError?: (err: NngError) => void): void {
    if (this.abort.signal.aborted) {
      sock.destroy();
      return;
    }
    this.conns.add(sock);
    sock.on("error", () => undefined);
    handshake(sock, { ...opts, signal: this.abort.signal }).then(
      (p) => {
        this.conns.delete(sock);
        onPipe(p);
      },
      (err: NngError) => {
        this.conns.delete(sock);
        if (!this.abort.signal.aborted) onError?.(err);
      },
    );
  }

  /** Stops accepting, drops half-open connections and releases the address (an ipc file is unlinked by net.Server). */
  close(): Promise<void> {
    this.abort.abort();
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    const server = this.server;
    this.server = undefined;
    if (!server?.listening) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}
