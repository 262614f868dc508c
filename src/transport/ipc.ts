import fs from "node:fs";
import net from "node:net";
import { fromSystemError, nngError, type NngError } from "../core/errors.js";
import { clearStaleIpc } from "./ipc-path.js";
import { SocketReader } from "./socket-reader.js";
import { handshake } from "./stream-pipe.js";
import { StreamListener } from "./stream-listener.js";
import type { Transport, TransportDialer, TransportInit, TransportListener, TransportPipe } from "./transport.js";

class IpcDialer implements TransportDialer {
  private sockets = new Set<net.Socket>();
  constructor(private readonly init: TransportInit) {}

  connect(signal: AbortSignal): Promise<TransportPipe> {
    const path = this.init.url.host;
    return new Promise<TransportPipe>((resolve, reject) => {
      const reader = SocketReader.create();
      const sock = net.connect(reader ? { path, onread: reader.onread as net.OnReadOpts } : { path });
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
        handshake(sock, { self: this.init.self, ipc: true, transport: "ipc", config: this.init.config, local: path, remote: path, signal, reader }).then(
          resolve,
          reject,
        );
      });
    });
  }

  close(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }
}

class IpcListener extends StreamListener implements TransportListener {
  readonly boundUrl: string;
  readonly boundPort = undefined;

  constructor(private readonly init: TransportInit) {
    super();
    this.boundUrl = init.url.url;
  }

  async bind(): Promise<void> {
    const path = this.init.url.host;
    await clearStaleIpc(path);
    await new Promise<void>((resolve, reject) => {
      // Paused, so the connection can move to a socket reading through a SocketReader.
      const server = net.createServer({ pauseOnConnect: true });
      this.server = server;
      const onError = (err: Error) => reject(fromSystemError(err, "EADDRINVAL"));
      server.once("error", onError);
      server.listen({ path, backlog: 128 }, () => {
        server.off("error", onError);
        server.on("error", () => undefined);
        resolve();
      });
    });
    const perms = this.init.config.ipcPermissions;
    if (perms !== undefined) fs.chmodSync(path, perms);
  }

  accept(onPipe: (p: TransportPipe) => void, onError?: (err: NngError) => void): void {
    const path = this.init.url.host;
    this.server?.on("connection", (accepted) => {
      if (this.abort.signal.aborted) {
        accepted.destroy();
        return;
      }
      const { sock, reader } = this.adopt(accepted);
      this.accepted(sock, { self: this.init.self, ipc: true, transport: "ipc", config: this.init.config, local: path, remote: path, reader }, onPipe, onError);
    });
  }
}

/** SP over unix sockets: the tcp handshake, then frames led by a 0x01 type byte. @internal */
export const ipcTransport: Transport = {
  dialer: (init) => new IpcDialer(init),
  listener: (init) => new IpcListener(init),
};
