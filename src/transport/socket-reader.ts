import type { OnRead } from "./adopt.js";

/** Size of a scratch buffer that small reads share. */
const SCRATCH_SIZE = 64 * 1024;
/** A scratch buffer with less room left than this is replaced (or reused, if nothing points into it). */
const SCRATCH_MIN_FREE = 16 * 1024;
/** Read the rest of a frame straight into its buffer when at least this much is missing. */
const DIRECT_MIN = 4 * 1024;

/** What a {@link SocketReader} needs of the decoder it feeds (SP frames, WebSocket frames). @internal */
export interface DirectReadDecoder {
  /** Frames handed on as views of pushed chunks: their memory must not be reused. */
  readonly views: number;
  /** Pushed bytes not consumed yet (a decoder that consumes at once has none). */
  readonly queued?: number;
  directTarget(min: number): Uint8Array | undefined;
  filledDirect(n: number): void;
}

let directRead = true;

/** Whether new tcp/ipc connections read through a {@link SocketReader}. @internal */
export function directReadEnabled(): boolean {
  return directRead;
}

/** Test hook: switches direct reads for connections made from now on; returns the previous setting. @internal */
export function setDirectRead(on: boolean): boolean {
  const prev = directRead;
  directRead = on;
  return prev;
}


/**
 * Chooses where each read from a socket lands (Node's `onread`), so big
 * frames are read by the kernel straight into their message buffer instead
 * of being copied out of 64 KiB chunks, and small ones share scratch
 * buffers: a frame within one read is handed on as a view of the scratch.
 * Before the SP handshake completes, bytes go to `onChunk` only.
 * @internal
 */
export class SocketReader {
  private scratch: Buffer = Buffer.allocUnsafe(SCRATCH_SIZE);
  private pos = 0;
  /** decoder.views when the scratch was (re)started: more means a frame still points into it. */
  private viewsAtStart = 0;
  private direct = false;
  /** The frame decoder, once the pipe exists. */
  private decoder: DirectReadDecoder | undefined;
  /** Bytes read into scratch, in order. */
  onChunk: (chunk: Uint8Array) => void = () => undefined;
  /** After every read (scratch or direct), once the bytes are accounted for. */
  afterRead: () => void = () => undefined;

  readonly onread: OnRead = {
    buffer: () => this.next(),
    callback: (n, buf) => {
      this.received(n, buf);
      return undefined;
    },
  };

  /** A reader when direct reads are on, else undefined (the socket then emits "data"). */
  static create(): SocketReader | undefined {
    return directRead ? new SocketReader() : undefined;
  }

  private next(): Uint8Array {
    const d = this.decoder;
    if (d !== undefined) {
      const target = d.directTarget(DIRECT_MIN);
      if (target !== undefined) {
        this.direct = true;
        return target;
      }
    }
    this.direct = false;
    if (SCRATCH_SIZE - this.pos < SCRATCH_MIN_FREE) {
      // Reused only when nothing points into it: every byte read was copied into frames.
      const unreferenced = d !== undefined && !d.queued && d.views === this.viewsAtStart;
      if (!unreferenced) this.scratch = Buffer.allocUnsafe(SCRATCH_SIZE);
      this.pos = 0;
      this.viewsAtStart = d?.views ?? 0;
    }
    // A full-size read and a copy out of reused memory beat reading each prefix alone first (measured).
    return this.scratch.subarray(this.pos);
  }

  private received(n: number, buf: Uint8Array): void {
    if (this.direct) this.decoder!.filledDirect(n);
    else {
      this.pos += n;
      this.onChunk(buf.subarray(0, n));
    }
    this.afterRead();
  }

  /** Hands the scratch over to the pipe: bytes read so far may be views held by the handshake. */
  attach(decoder: DirectReadDecoder): void {
    this.decoder = decoder;
    this.scratch = Buffer.allocUnsafe(SCRATCH_SIZE);
    this.pos = 0;
    this.viewsAtStart = decoder.views;
  }
}
