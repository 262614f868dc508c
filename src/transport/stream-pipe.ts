import type { Socket as NetSocket } from "node:net";
import { fromSystemError, nngError, type NngError } from "../core/errors.js";
import { Message } from "../core/message.js";
import { allocFrame } from "../core/frame-pool.js";
import type { EndpointConfig } from "../core/options.js";
import { decodeHandshake, encodeHandshake, HANDSHAKE_SIZE } from "./codec/handshake.js";
import { FrameDecoder, writeFramePrefix } from "./codec/frame.js";
import type { SocketReader } from "./socket-reader.js";
import type { PipeHandlers, TransportPipe } from "./transport.js";

/** nng drops a peer that has not sent its SP header within 10 s (also bounds TLS and WebSocket handshakes). */
export let HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * Test hook: changes the handshake timeout for connections started from now
 * on and returns the previous value, so slow-peer tests need not wait 10 s.
 * @internal
 */
export function setHandshakeTimeout(ms: number): number {
  const prev = HANDSHAKE_TIMEOUT_MS;
  HANDSHAKE_TIMEOUT_MS = ms;
  return prev;
}

const ignore = (): void => undefined;

/** Messages up to this size are copied, with their prefix, into the tick's batch buffer. */
const COALESCE_MAX = 16 * 1024;
/** Size of a batch buffer: small frames of one tick share it and go out in one write. */
const BATCH_SIZE = 64 * 1024;
/** While paused, keep reading from the socket until this many bytes wait undecoded. */
const READ_HWM = 256 * 1024;

/** Frame buffers need no zeroing: the decoder fills them before anyone sees them. */
const freshBytes = (n: number): Uint8Array => Buffer.allocUnsafe(n);
const bufferView = (ab: ArrayBuffer, n: number): Uint8Array => Buffer.from(ab, 0, n);

/** Big frames come from memory that `release` gave back, when there is some. */
function allocBytes(n: number): Uint8Array {
  return allocFrame(n, freshBytes, bufferView);
}

/**
 * Runs the SP handshake on a connected byte stream (tcp, ipc) and returns the
 * message pipe. Our 8 bytes go out at once, without waiting for the peer's.
 * @internal
 */
export function handshake(
  sock: NetSocket,
  opts: {
    self: number;
    ipc: boolean;
    transport: string;
    config: EndpointConfig;
    local: string;
    remote: string;
    signal?: AbortSignal;
    /** The socket reads through this (its `onread`) rather than emitting "data". */
    reader?: SocketReader | undefined;
  },
): Promise<StreamPipe> {
  return new Promise((resolve, reject) => {
    let got: Uint8Array = new Uint8Array(0);
    const reader = opts.reader;
    const done = (err: NngError | undefined) => {
      clearTimeout(timer);
      if (reader) reader.onChunk = ignore;
      else sock.off("data", onData);
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
        const pipe = new StreamPipe(sock, peer, opts.ipc, opts.transport, opts.config, opts.local, opts.remote, reader);
        const rest = got.subarray(HANDSHAKE_SIZE);
        if (rest.length) pipe.decoder.push(rest);
        resolve(pipe);
      } catch (e) {
        sock.destroy();
        reject(e);
      }
    };
    const onData = (chunk: Uint8Array) => {
      got = got.length === 0 ? chunk : Buffer.concat([got, chunk]);
      if (got.length >= HANDSHAKE_SIZE) done(undefined);
    };
    const onError = (err: Error) => done(fromSystemError(err, "ECONNSHUT"));
    const onClose = () => done(nngError("ECONNSHUT", "peer closed during the SP handshake"));
    const onAbort = () => done(nngError("ECLOSED"));
    const timer = setTimeout(() => done(nngError("ETIMEDOUT", "SP handshake timed out")), HANDSHAKE_TIMEOUT_MS);
    if (reader) {
      reader.onChunk = onData;
      // Reading was held back until now (accepted sockets; a dialer's only starts on connect).
      sock.resume();
    } else sock.on("data", onData);
    sock.on("error", onError);
    sock.on("close", onClose);
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    sock.write(encodeHandshake(opts.self));
  });
}

/**
 * SP message pipe over a Node byte stream. Small frames written in one tick
 * are packed into one buffer and go out in one write; big bodies are written
 * by reference next to their prefix (writev, no copy). Frames in are cut out
 * of the socket's chunks by {@link FrameDecoder}; with a {@link SocketReader}
 * (tcp, ipc) big frames are read straight into their buffers. pause() holds delivery at
 * once but stops reading from the socket only past {@link READ_HWM}, so
 * back-pressure costs no syscalls per message.
 * @internal
 */
export class StreamPipe implements TransportPipe {
  readonly decoder: FrameDecoder;
  private handlers: PipeHandlers | undefined;
  private paused = true;
  /** The net.Socket itself is paused (no reads). */
  private sockPaused = true;
  private closed = false;
  private delivering = false;
  private closeErr: NngError | undefined;
  private readonly prefixLen: number;
  /** The batch of small frames: bytes [batchStart, batchEnd) are not written yet. */
  private batch: Buffer | undefined;
  private batchStart = 0;
  private batchEnd = 0;
  private flushScheduled = false;

  constructor(
    private readonly sock: NetSocket,
    readonly peer: number,
    private readonly ipc: boolean,
    readonly transport: string,
    private readonly config: EndpointConfig,
    readonly localAddress: string,
    readonly remoteAddress: string,
    reader?: SocketReader,
  ) {
    this.decoder = new FrameDecoder(ipc, config.recvSizeMax, allocBytes);
    this.prefixLen = ipc ? 9 : 8;
    if (reader) {
      const decoder = this.decoder;
      reader.attach(decoder);
      reader.onChunk = (chunk) => decoder.push(chunk);
      reader.afterRead = () => {
        if (this.paused) this.throttle();
        else this.deliver();
      };
    } else {
      sock.on("data", (chunk: Buffer) => {
        this.decoder.push(chunk);
        if (this.paused) this.throttle();
        else this.deliver();
      });
    }
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
    const len = header.length + body.length;
    const pre = this.prefixLen;
    if (len <= COALESCE_MAX) {
      const need = pre + len;
      let b = this.batch;
      if (b === undefined || b.length - this.batchEnd < need) {
        this.flush();
        b = this.batch = Buffer.allocUnsafe(Math.max(BATCH_SIZE, need));
        this.batchStart = this.batchEnd = 0;
      }
      let o = this.batchEnd;
      o += writeFramePrefix(b, o, len, this.ipc);
      if (header.length) {
        b.set(header, o);
        o += header.length;
      }
      if (body.length === 1) b[o] = body[0]!;
      else if (body.length) b.set(body, o);
      this.batchEnd = o + body.length;
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        process.nextTick(this.flushTick);
      }
    } else {
      this.flush();
      const head = Buffer.allocUnsafe(pre + header.length);
      writeFramePrefix(head, 0, len, this.ipc);
      if (header.length) head.set(header, pre);
      const sock = this.sock;
      sock.cork();
      sock.write(head);
      sock.write(body);
      sock.uncork();
    }
    // As before batching: not ready once a write went past the stream's mark, until "drain".
    // The batch is bounded by its buffer: a full one is written, which sets that flag.
    return !this.sock.writableNeedDrain;
  }

  /** Writes the unwritten part of the batch; the rest of the buffer stays for the next frames. */
  private flush(): void {
    const b = this.batch;
    if (b === undefined || this.batchEnd === this.batchStart || this.closed) return;
    const chunk = b.subarray(this.batchStart, this.batchEnd);
    this.batchStart = this.batchEnd;
    if (b.length - this.batchEnd < 64) this.batch = undefined;
    this.sock.write(chunk);
  }

  private readonly flushTick = (): void => {
    this.flushScheduled = false;
    this.flush();
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

  /** Paused with much undecoded: stop reading until resume(). */
  private throttle(): void {
    if (!this.sockPaused && this.decoder.buffered >= READ_HWM) {
      this.sockPaused = true;
      this.sock.pause();
    }
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
      if (this.paused && !this.closed) this.throttle();
    }
  }

  private shutdown(err: NngError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.closeErr = err;
    this.batch = undefined;
    this.sock.destroy();
    const h = this.handlers;
    this.handlers = undefined;
    h?.closed(err);
  }
}
