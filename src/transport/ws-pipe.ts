import type net from "node:net";
import WebSocket from "ws";
import { nngError, type NngError } from "../core/errors.js";
import { Message } from "../core/message.js";
import type { PipeHandlers, TransportPipe } from "./transport.js";
import { FrameScanner } from "./ws-upgrade.js";

/** nng's `ws:rxframe-max` default: a bigger single frame closes the connection with 1009. */
export const RX_FRAME_MAX = 1024 * 1024;

/** Our outgoing frame size: nng listeners send 64 KiB frames, and every nng peer takes them. */
export const TX_FRAME_MAX = 64 * 1024;

/** How long a closing WebSocket waits for the peer before the socket is destroyed. */
export const CLOSE_TIMEOUT_MS = 1000;

/** Maps a `ws` error to nng's vocabulary. @internal */
export function wsError(err: unknown): NngError {
  const code = (err as { code?: string } | undefined)?.code;
  const msg = (err as Error | undefined)?.message ?? String(err);
  if (code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") return nngError("EMSGSIZE", msg, err);
  return nngError("EPROTO", msg, err);
}

/**
 * One SP pipe over a WebSocket: each SP message is one binary WebSocket
 * message (header then body, no length prefix). Text frames close with
 * 1003, frames over 1 MiB with 1009, messages over `recv-size-max` with 1009
 * (by `ws`'s maxPayload); fragments are reassembled by `ws`, and messages
 * over 64 KiB go out as 64 KiB fragments.
 * @internal
 */
export class WsPipe implements TransportPipe {
  private handlers: PipeHandlers | undefined;
  private inbox: Message[] = [];
  private head = 0;
  private paused = true;
  private closed = false;
  private delivering = false;
  private corked = false;
  private closeErr: NngError | undefined;
  private failure: NngError | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly sock: net.Socket,
    readonly transport: string,
    readonly peer: number,
    readonly localAddress: string,
    readonly remoteAddress: string,
  ) {
    // Hold everything until start(); frames already parsed wait in the inbox.
    ws.pause();
    const scanner = new FrameScanner(RX_FRAME_MAX);
    // Runs before ws's own listener, so an oversized frame is refused before ws buffers it.
    sock.prependListener("data", (chunk: Buffer) => {
      if (this.closed) return;
      const big = scanner.push(chunk);
      if (big >= 0) this.shutdown(nngError("EMSGSIZE", `WebSocket frame of ${big} bytes exceeds ${RX_FRAME_MAX}`), 1009);
    });
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (this.closed) return;
      if (!isBinary) {
        this.shutdown(nngError("EPROTO", "text frame on an SP WebSocket"), 1003);
        return;
      }
      this.inbox.push(new Message(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
      this.deliver();
    });
    ws.on("error", (err) => {
      this.failure ??= wsError(err);
    });
    ws.on("close", () => this.shutdown(this.failure ?? nngError("ECONNSHUT")));
    sock.on("drain", () => this.handlers?.drain());
  }

  start(h: PipeHandlers): void {
    if (this.closed) {
      const err = this.closeErr;
      queueMicrotask(() => h.closed(err));
      return;
    }
    this.handlers = h;
    queueMicrotask(() => this.resume());
  }

  send(header: Uint8Array, body: Uint8Array): boolean {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return true;
    if (!this.corked) {
      this.corked = true;
      this.sock.cork();
      process.nextTick(this.uncork);
    }
    const ws = this.ws;
    const len = header.length + body.length;
    if (len <= TX_FRAME_MAX) {
      let payload = body;
      if (header.length) {
        payload = Buffer.allocUnsafe(len);
        payload.set(header, 0);
        payload.set(body, header.length);
      }
      ws.send(payload, { binary: true, fin: true });
    } else {
      const first = Buffer.allocUnsafe(TX_FRAME_MAX);
      first.set(header, 0);
      let off = TX_FRAME_MAX - header.length;
      first.set(body.subarray(0, off), header.length);
      ws.send(first, { binary: true, fin: false });
      while (off < body.length) {
        const end = Math.min(off + TX_FRAME_MAX, body.length);
        ws.send(body.subarray(off, end), { binary: true, fin: end === body.length });
        off = end;
      }
    }
    return !this.sock.writableNeedDrain;
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.sock.uncork();
  };

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.ws.pause();
  }

  resume(): void {
    if (!this.paused || this.closed) return;
    this.paused = false;
    this.deliver();
    if (!this.paused && !this.closed) this.ws.resume();
  }

  close(): void {
    this.shutdown(undefined, 1000);
  }

  private deliver(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      while (!this.paused && !this.closed && this.handlers && this.head < this.inbox.length) {
        const m = this.inbox[this.head]!;
        this.inbox[this.head++] = undefined!;
        this.handlers.message(m);
      }
      if (this.head === this.inbox.length) {
        this.inbox = [];
        this.head = 0;
      }
    } finally {
      this.delivering = false;
    }
  }

  /** Closes once: sends a close frame with `code` when the WebSocket is still open, then drops the connection. */
  private shutdown(err: NngError | undefined, code?: number): void {
    if (this.closed) return;
    this.closed = true;
    this.closeErr = err;
    this.inbox = [];
    this.head = 0;
    const { ws, sock } = this;
    if (code !== undefined && ws.readyState === WebSocket.OPEN) {
      // nng does not echo close frames: send ours, flush, and drop the connection
      // (ws's close timer destroys it if the flush never completes).
      ws.close(code);
      sock.end(() => sock.destroy());
    } else {
      ws.terminate();
    }
    const h = this.handlers;
    this.handlers = undefined;
    h?.closed(err);
  }
}
