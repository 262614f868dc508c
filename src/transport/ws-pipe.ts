import type net from "node:net";
import WebSocket from "ws";
import { nngError, type NngError } from "../core/errors.js";
import { Message } from "../core/message.js";
import type { PipeHandlers, TransportPipe } from "./transport.js";
import { encodeMaskedFrame } from "./ws-mask.js";
import { FrameScanner } from "./ws-upgrade.js";

/** nng's `ws:rxframe-max` default: a bigger single frame closes the connection with 1009. */
export const RX_FRAME_MAX = 1024 * 1024;

/** Our outgoing frame size: nng listeners send 64 KiB frames, and every nng peer takes them. */
export const TX_FRAME_MAX = 64 * 1024;

/** While paused, keep reading until this many message bytes wait undelivered. */
const READ_HWM = 256 * 1024;

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
 * over 64 KiB go out as 64 KiB fragments. pause() holds delivery at once
 * but stops reading only past {@link READ_HWM} undelivered bytes, so
 * back-pressure costs no syscalls per message. A dialer's frames are masked
 * here, a word at a time, and written on the socket directly.
 * @internal
 */
export class WsPipe implements TransportPipe {
  private handlers: PipeHandlers | undefined;
  private inbox: Message[] = [];
  private head = 0;
  private paused = true;
  /** The WebSocket itself is paused (no reads). */
  private wsPaused = true;
  /** Bytes of the undelivered messages in the inbox. */
  private inboxBytes = 0;
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
    /** We dialed: our frames must be masked (RFC 6455 §5.3). */
    private readonly client = false,
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
      this.inboxBytes += data.byteLength;
      if (this.paused) this.throttle();
      else this.deliver();
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
    if (this.client) this.sendMasked(header, body, len);
    else if (len <= TX_FRAME_MAX) {
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

  /** Our own data frames (binary, then continuations), byte-identical to what `ws` would send. */
  private sendMasked(header: Uint8Array, body: Uint8Array, len: number): void {
    const sock = this.sock;
    if (len <= TX_FRAME_MAX) {
      sock.write(encodeMaskedFrame(2, true, [header, body], len));
      return;
    }
    let off = TX_FRAME_MAX - header.length;
    sock.write(encodeMaskedFrame(2, false, [header, body.subarray(0, off)], TX_FRAME_MAX));
    while (off < body.length) {
      const end = Math.min(off + TX_FRAME_MAX, body.length);
      sock.write(encodeMaskedFrame(0, end === body.length, [body.subarray(off, end)], end - off));
      off = end;
    }
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.sock.uncork();
  };

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused || this.closed) return;
    this.paused = false;
    this.deliver();
    if (!this.paused && !this.closed && this.wsPaused) {
      this.wsPaused = false;
      this.ws.resume();
    }
  }

  /** Paused with much undelivered: stop reading until resume(). */
  private throttle(): void {
    if (!this.wsPaused && this.inboxBytes >= READ_HWM) {
      this.wsPaused = true;
      this.ws.pause();
    }
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
        this.inboxBytes -= m.body.length;
        this.handlers.message(m);
      }
      if (this.head === this.inbox.length) {
        this.inbox = [];
        this.head = 0;
      }
    } finally {
      this.delivering = false;
      if (this.paused && !this.closed) this.throttle();
    }
  }

  /** Closes once: sends a close frame with `code` when the WebSocket is still open, then drops the connection. */
  private shutdown(err: NngError | undefined, code?: number): void {
    if (this.closed) return;
    this.closed = true;
    this.closeErr = err;
    this.inbox = [];
    this.head = 0;
    this.inboxBytes = 0;
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
