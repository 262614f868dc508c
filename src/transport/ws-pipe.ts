import type net from "node:net";
import { nngError, type NngError } from "../core/errors.js";
import { Message } from "../core/message.js";
import { allocFrame } from "../core/frame-pool.js";
import { encodeFrameHeader, WsFrameDecoder, type WsFrameHandler } from "./codec/ws-frame.js";
import type { PipeHandlers, TransportPipe } from "./transport.js";
import { encodeMaskedFrame, releaseMaskedFrame } from "./ws-mask.js";
import type { SocketReader } from "./socket-reader.js";

/** nng's `ws:rxframe-max` default: a bigger single frame closes the connection with 1009. */
export const RX_FRAME_MAX = 1024 * 1024;

/** Our outgoing frame size: nng listeners send 64 KiB frames, and every nng peer takes them. */
export const TX_FRAME_MAX = 64 * 1024;

/** While paused, keep reading until this many message bytes wait undelivered. */
const READ_HWM = 256 * 1024;

/** How long a closing WebSocket waits for the peer before the socket is destroyed. */
export const CLOSE_TIMEOUT_MS = 1000;

/** Messages up to this size go out as one write (frame header, SP header and body copied together). */
const COPY_MAX = 1024;

/** Masked frames from this size on are worth a write callback that recycles their buffer. */
const POOLED_FRAME_MIN = 16 * 1024;

/** Buffer.allocUnsafe (no zeroing) as a plain Uint8Array. */
function freshBytes(n: number): Uint8Array {
  const b = Buffer.allocUnsafe(n);
  return new Uint8Array(b.buffer, b.byteOffset, n);
}
const plainView = (ab: ArrayBuffer, n: number): Uint8Array => new Uint8Array(ab, 0, n);

/** Big messages come from memory that `release` gave back, when there is some. */
function allocBytes(n: number): Uint8Array {
  return allocFrame(n, freshBytes, plainView);
}

/**
 * One SP pipe over a WebSocket, on the raw connection after the opening
 * handshake: each SP message is one binary WebSocket message (header then
 * body, no length prefix), read by our own {@link WsFrameDecoder} (text
 * frames close with 1003, frames over 1 MiB and messages over
 * `recv-size-max` with 1009, before their payload is read; pings are
 * answered, a close frame is echoed). Messages over 64 KiB go out as 64 KiB
 * fragments; a dialer's frames are masked a word at a time. pause() holds
 * delivery at once but stops reading only past {@link READ_HWM} undelivered
 * bytes, so back-pressure costs no syscalls per message. With a
 * {@link SocketReader}, big payloads are read straight into their message buffer.
 * @internal
 */
export class WsPipe implements TransportPipe {
  private handlers: PipeHandlers | undefined;
  private inbox: Message[] = [];
  private head = 0;
  private paused = true;
  /** The socket itself is paused (no reads). */
  private sockPaused = true;
  /** Bytes of the undelivered messages in the inbox. */
  private inboxBytes = 0;
  private closed = false;
  private delivering = false;
  private corked = false;
  private closeErr: NngError | undefined;
  private readonly decoder: WsFrameDecoder;

  /**
   * `sock` must be paused; `rest` is what followed the handshake head on it.
   * `recvSizeMax` bounds whole messages (0 = no limit).
   */
  constructor(
    private readonly sock: net.Socket,
    rest: Uint8Array,
    readonly transport: string,
    readonly peer: number,
    readonly localAddress: string,
    readonly remoteAddress: string,
    /** We dialed: our frames must be masked, the server's must not be (RFC 6455 §5.3). */
    private readonly client: boolean,
    recvSizeMax: number,
    /** Reads the socket through Node's `onread` (plain ws), instead of "data" events. */
    reader?: SocketReader,
  ) {
    const events: WsFrameHandler = {
      message: (data) => this.received(data),
      ping: (payload) => {
        if (!this.closed && sock.writable) this.writeFrame(10, payload);
      },
      // Echo the peer's close (RFC 6455 §5.5.1).
      close: (code) => this.shutdown(nngError("ECONNSHUT"), code),
      fail: (err, closeCode) => this.shutdown(err, closeCode),
    };
    this.decoder = new WsFrameDecoder(events, { masked: !client, maxFrame: RX_FRAME_MAX, maxMessage: recvSizeMax, alloc: allocBytes });
    const onChunk = (chunk: Uint8Array) => {
      if (!this.closed) this.decoder.push(chunk);
    };
    if (reader) {
      reader.attach(this.decoder);
      reader.onChunk = onChunk;
    } else sock.on("data", onChunk);
    sock.on("error", () => undefined);
    sock.on("end", () => this.shutdown(nngError("ECONNSHUT")));
    sock.on("close", () => this.shutdown(nngError("ECONNSHUT")));
    sock.on("drain", () => this.handlers?.drain());
    if (rest.length) this.decoder.push(rest);
  }

  private received(data: Uint8Array): void {
    if (this.closed) return;
    this.inbox.push(new Message(data));
    this.inboxBytes += data.length;
    if (this.paused) this.throttle();
    else this.deliver();
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
    const sock = this.sock;
    if (this.closed || !sock.writable) return true;
    if (!this.corked) {
      this.corked = true;
      sock.cork();
      process.nextTick(this.uncork);
    }
    const len = header.length + body.length;
    if (this.client) this.sendMasked(header, body, len);
    else if (len <= TX_FRAME_MAX) this.sendPlain(2, true, header, body, len);
    else {
      let off = TX_FRAME_MAX - header.length;
      this.sendPlain(2, false, header, body.subarray(0, off), TX_FRAME_MAX);
      while (off < body.length) {
        const end = Math.min(off + TX_FRAME_MAX, body.length);
        this.sendPlain(0, end === body.length, header.subarray(0, 0), body.subarray(off, end), end - off);
        off = end;
      }
    }
    return !sock.writableNeedDrain;
  }

  /** One unmasked frame of header + body: small ones copied into one write, else header and body written apart (writev). */
  private sendPlain(opcode: number, fin: boolean, header: Uint8Array, body: Uint8Array, len: number): void {
    const sock = this.sock;
    const fh = encodeFrameHeader(opcode, fin, len);
    if (len <= COPY_MAX || header.length > 0) {
      const small = len <= COPY_MAX;
      const buf = Buffer.allocUnsafe(fh.length + header.length + (small ? body.length : 0));
      buf.set(fh, 0);
      buf.set(header, fh.length);
      if (small) buf.set(body, fh.length + header.length);
      sock.write(buf);
      if (!small && body.length) sock.write(body);
      return;
    }
    sock.write(fh);
    if (body.length) sock.write(body);
  }

  /** Our own masked data frames (binary, then continuations); big ones' buffers are reused once written. */
  private sendMasked(header: Uint8Array, body: Uint8Array, len: number): void {
    if (len <= TX_FRAME_MAX) {
      this.writeMasked(encodeMaskedFrame(2, true, [header, body], len));
      return;
    }
    let off = TX_FRAME_MAX - header.length;
    this.writeMasked(encodeMaskedFrame(2, false, [header, body.subarray(0, off)], TX_FRAME_MAX));
    while (off < body.length) {
      const end = Math.min(off + TX_FRAME_MAX, body.length);
      this.writeMasked(encodeMaskedFrame(0, end === body.length, [body.subarray(off, end)], end - off));
      off = end;
    }
  }

  private writeMasked(frame: Buffer): void {
    if (frame.length < POOLED_FRAME_MIN) this.sock.write(frame);
    else this.sock.write(frame, () => releaseMaskedFrame(frame));
  }

  /** A control frame, masked when we dialed. */
  private writeFrame(opcode: number, payload: Uint8Array): void {
    if (this.client) this.sock.write(encodeMaskedFrame(opcode, true, [payload], payload.length));
    else {
      const fh = encodeFrameHeader(opcode, true, payload.length);
      const buf = Buffer.allocUnsafe(fh.length + payload.length);
      buf.set(fh, 0);
      buf.set(payload, fh.length);
      this.sock.write(buf);
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
    if (!this.paused && !this.closed && this.sockPaused) {
      this.sockPaused = false;
      this.sock.resume();
    }
  }

  /** Paused with much undelivered: stop reading until resume(). */
  private throttle(): void {
    if (!this.sockPaused && this.inboxBytes >= READ_HWM) {
      this.sockPaused = true;
      this.sock.pause();
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

  /**
   * Closes once. With a `code`, a close frame carrying it (1005: none) is
   * sent and the connection ended; it is destroyed once flushed, or after
   * {@link CLOSE_TIMEOUT_MS} when the peer does not read. Else it is dropped.
   */
  private shutdown(err: NngError | undefined, code?: number): void {
    if (this.closed) return;
    this.closed = true;
    this.closeErr = err;
    this.decoder.stop();
    this.inbox = [];
    this.head = 0;
    this.inboxBytes = 0;
    const sock = this.sock;
    if (code !== undefined && sock.writable) {
      this.writeFrame(8, code === 1005 ? new Uint8Array(0) : Uint8Array.of(code >>> 8, code & 0xff));
      const timer = setTimeout(() => sock.destroy(), CLOSE_TIMEOUT_MS);
      sock.once("close", () => clearTimeout(timer));
      sock.end(() => sock.destroy());
      // Reading on lets the peer's close frame and FIN arrive (ignored: the decoder stopped).
      sock.resume();
    } else sock.destroy();
    const h = this.handlers;
    this.handlers = undefined;
    h?.closed(err);
  }
}
