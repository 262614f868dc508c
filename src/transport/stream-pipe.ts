import type { Socket as NetSocket } from "node:net";
import { fromSystemError, nngError, type NngError } from "../core/errors.js";
import { Message } from "../core/message.js";
import type { EndpointConfig } from "../core/options.js";
import { decodeHandshake, encodeHandshake, HANDSHAKE_SIZE } from "./codec/handshake.js";
import { FrameDecoder, writeFramePrefix } from "./codec/frame.js";
import type { PipeHandlers, TransportPipe } from "./transport.js";

/** nng drops a peer that has not sent its SP header within 10 s. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** Messages up to this size are copied into one buffer with their prefix (one write). */
const COALESCE_MAX = 16 * 1024;

/**
 * Runs the SP handshake on a connected byte stream (tcp, ipc) and returns the
 * message pipe. Our 8 bytes go out at once, without waiting for the peer's.
 * @internal
 */
export function handshake(
  sock: NetSocket,
  opts: { self: number; ipc: boolean; transport: string; config: EndpointConfig; local: string; remote: string; signal?: AbortSignal },
): Promise<StreamPipe> {
  return new Promise((resolve, reject) => {
    let got: Uint8Array = new Uint8Array(0);
    const done = (err: NngError | undefined) => {
      clearTimeout(timer);
      sock.off("data", onData);
      sock.off("error", onError);
      sock.off("close", onClose);
      opts.signal?.removeEventListener("abort", onAbort);
      if (err) {
        sock.destroy();
        reject(err);
        return;
      }
      try {
        const peer = decodeHandshake(got);
        sock.pause();
        const pipe = new StreamPipe(sock, peer, opts.ipc, opts.transport, opts.config, opts.local, opts.remote);
        const rest = got.subarray(HANDSHAKE_SIZE);
        if (rest.length) pipe.decoder.push(rest);
        resolve(pipe);
      } catch (e) {
        sock.destroy();
        reject(e);
      }
    };
    const onData = (chunk: Buffer) => {
      got = got.length === 0 ? chunk : Buffer.concat([got, chunk]);
      if (got.length >= HANDSHAKE_SIZE) done(undefined);
    };
    const onError = (err: Error) => done(fromSystemError(err, "ECONNSHUT"));
    const onClose = () => done(nngError("ECONNSHUT", "peer closed during the SP handshake"));
    const onAbort = () => done(nngError("ECLOSED"));
    const timer = setTimeout(() => done(nngError("ETIMEDOUT", "SP handshake timed out")), HANDSHAKE_TIMEOUT_MS);
    sock.on("data", onData);
    sock.on("error", onError);
    sock.on("close", onClose);
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    sock.write(encodeHandshake(opts.self));
  });
}

/**
 * SP message pipe over a Node byte stream: frames out with coalesced writes
 * (corked for the rest of the tick), frames in through {@link FrameDecoder}
 * with pause/resume for back-pressure.
 * @internal
 */
export class StreamPipe implements TransportPipe {
  readonly decoder: FrameDecoder;
  private handlers: PipeHandlers | undefined;
  private paused = true;
  private closed = false;
  private corked = false;
  private delivering = false;
  private closeErr: NngError | undefined;
  private readonly prefixLen: number;

  constructor(
    private readonly sock: NetSocket,
    readonly peer: number,
    private readonly ipc: boolean,
    readonly transport: string,
    private readonly config: EndpointConfig,
    readonly localAddress: string,
    readonly remoteAddress: string,
  ) {
    this.decoder = new FrameDecoder(ipc, config.recvSizeMax);
    this.prefixLen = ipc ? 9 : 8;
    sock.on("data", (chunk: Buffer) => {
      this.decoder.push(chunk);
      this.deliver();
    });
    sock.on("drain", () => this.handlers?.drain());
    sock.on("error", (err) => this.shutdown(fromSystemError(err)));
    sock.on("close", () => this.shutdown(nngError("ECONNSHUT")));
  }

  start(h: PipeHandlers): void {
    if (this.closed) {
      const err = this.closeErr;
      queueMicrotask(() => h.closed(err));
      return;
    }
    this.handlers = h;
    // Deliver from a microtask, as inproc does: bytes that came with the peer's header may
    // hold a message, or a bad frame that closes the pipe, and the owner must finish wiring
    // the pipe (socket pipe table, dialer/listener bookkeeping) before any handler runs.
    queueMicrotask(() => this.resume());
  }

  send(header: Uint8Array, body: Uint8Array): boolean {
    if (this.closed) return true;
    const sock = this.sock;
    if (!this.corked) {
      this.corked = true;
      sock.cork();
      process.nextTick(this.uncork);
    }
    const len = header.length + body.length;
    const pre = this.prefixLen;
    if (len <= COALESCE_MAX) {
      const buf = Buffer.allocUnsafe(pre + len);
      writeFramePrefix(buf, 0, len, this.ipc);
      if (header.length) buf.set(header, pre);
      buf.set(body, pre + header.length);
      sock.write(buf);
    } else {
      const head = Buffer.allocUnsafe(pre + header.length);
      writeFramePrefix(head, 0, len, this.ipc);
      if (header.length) head.set(header, pre);
      sock.write(head);
      sock.write(body);
    }
    return !sock.writableNeedDrain;
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.sock.uncork();
  };

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.sock.pause();
  }

  resume(): void {
    if (!this.paused || this.closed) return;
    this.paused = false;
    this.deliver();
    if (!this.paused && !this.closed) this.sock.resume();
  }

  close(): void {
    this.shutdown(undefined);
  }

  private deliver(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      while (!this.paused && !this.closed && this.handlers) {
        this.decoder.maxRecvSize = this.config.recvSizeMax;
        let frame: Uint8Array | null;
        try {
          frame = this.decoder.next();
        } catch (err) {
          this.shutdown(err as NngError);
          return;
        }
        if (frame === null) return;
        this.handlers.message(new Message(frame));
      }
    } finally {
      this.delivering = false;
    }
  }

  private shutdown(err: NngError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.closeErr = err;
    this.sock.destroy();
    const h = this.handlers;
    this.handlers = undefined;
    h?.closed(err);
  }
}
