import { nngError } from "../../core/errors.js";

/** The byte that precedes every ipc frame ("in-band message"). */
export const IPC_MSG_TYPE = 0x01;

/** Largest body a frame may announce regardless of recv-size-max (what one Buffer can hold). */
const HARD_MAX = Math.min(Number.MAX_SAFE_INTEGER, 2 ** 32);

/**
 * Writes the frame prefix (`[0x01] u64be(len)`) into `out` at `off`; returns
 * the number of bytes written (8, or 9 for ipc).
 */
export function writeFramePrefix(out: Uint8Array, off: number, len: number, ipc: boolean): number {
  let o = off;
  if (ipc) out[o++] = IPC_MSG_TYPE;
  const hi = Math.floor(len / 0x100000000);
  const lo = len >>> 0;
  out[o] = hi >>> 24;
  out[o + 1] = (hi >>> 16) & 0xff;
  out[o + 2] = (hi >>> 8) & 0xff;
  out[o + 3] = hi & 0xff;
  out[o + 4] = lo >>> 24;
  out[o + 5] = (lo >>> 16) & 0xff;
  out[o + 6] = (lo >>> 8) & 0xff;
  out[o + 7] = lo & 0xff;
  return o + 8 - off;
}

/**
 * One whole frame as bytes: prefix, SP header and body in one buffer.
 *
 * @example
 * ```ts
 * encodeFrame(Uint8Array.of(0x80,0,0,0x2a), bytes("hello"), true);
 * // 01 00 00 00 00 00 00 00 09 80 00 00 2a 68 65 6c 6c 6f
 * ```
 */
export function encodeFrame(header: Uint8Array, body: Uint8Array, ipc: boolean): Uint8Array {
  const pre = ipc ? 9 : 8;
  const out = new Uint8Array(pre + header.length + body.length);
  writeFramePrefix(out, 0, header.length + body.length, ipc);
  out.set(header, pre);
  out.set(body, pre + header.length);
  return out;
}

/**
 * Incremental decoder of SP stream frames. Bytes may arrive split or
 * coalesced in any way; the announced length is checked against
 * `maxRecvSize` before anything is allocated. Errors are NngErrors: EMSGSIZE
 * for an oversized frame, EPROTO for a bad ipc type byte. A frame held whole
 * inside one chunk is returned as a view, without copying.
 */
export class FrameDecoder {
  private chunks: Uint8Array[] = [];
  private offset = 0; // read position in chunks[0]
  private avail = 0;
  private need = -1; // payload length once the prefix is read
  private partial: Uint8Array | undefined;
  private filled = 0;
  private failed: Error | undefined;
  /** Frames returned as views into pushed chunks (their chunks must not be overwritten). */
  views = 0;

  constructor(
    private readonly ipc: boolean,
    /** 0 = unlimited. Read at each frame, so changes apply to the next one. */
    public maxRecvSize = 0,
    /** Allocates the buffer of a frame that spans chunks (Node passes Buffer.allocUnsafe: no zeroing). */
    private readonly alloc: (n: number) => Uint8Array = (n) => new Uint8Array(n),
  ) {}

  /** Bytes buffered but not yet returned as frames. */
  get buffered(): number {
    return this.avail + (this.partial ? this.filled : 0);
  }

  /** Bytes pushed but not yet consumed. */
  get queued(): number {
    return this.avail;
  }

  /**
   * Where the rest of the frame in progress may be read to directly (no
   * copy): the unfilled part of its buffer, when no pushed bytes wait and at
   * least `min` bytes are missing. Bytes read there are reported with
   * {@link filledDirect}.
   */
  directTarget(min: number): Uint8Array | undefined {
    const part = this.partial;
    if (part === undefined || this.avail > 0 || this.failed) return undefined;
    return part.length - this.filled >= min ? part.subarray(this.filled) : undefined;
  }

  /** `n` bytes were read into the buffer {@link directTarget} returned. */
  filledDirect(n: number): void {
    this.filled += n;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.avail += chunk.length;
  }

  /** The next complete frame payload (SP header + body), or null if more bytes are needed. */
  next(): Uint8Array | null {
    if (this.failed) throw this.failed;
    try {
      return this.step();
    } catch (err) {
      this.failed = err as Error;
      this.chunks = [];
      this.avail = 0;
      this.partial = undefined;
      throw err;
    }
  }

  private step(): Uint8Array | null {
    if (this.need < 0) {
      const pre = this.ipc ? 9 : 8;
      if (this.avail < pre) return null;
      // The prefix is read in place when the first chunk holds it (the usual case): no view, no copy.
      let p = this.chunks[0]!;
      let o = this.offset;
      if (p.length - o >= pre) this.advance(pre);
      else {
        p = this.take(pre);
        o = 0;
      }
      if (this.ipc) {
        if (p[o] !== IPC_MSG_TYPE) throw nngError("EPROTO", `bad ipc message type 0x${p[o]!.toString(16)}`);
        o++;
      }
      const hi = ((p[o]! << 24) | (p[o + 1]! << 16) | (p[o + 2]! << 8) | p[o + 3]!) >>> 0;
      const lo = ((p[o + 4]! << 24) | (p[o + 5]! << 16) | (p[o + 6]! << 8) | p[o + 7]!) >>> 0;
      const len = hi * 0x100000000 + lo;
      if (hi >= 0x200000 || len > HARD_MAX || (this.maxRecvSize > 0 && len > this.maxRecvSize)) {
        throw nngError("EMSGSIZE", `frame of ${hi >= 0x200000 ? "> 2^53" : len} bytes exceeds the limit`);
      }
      this.need = len;
    }
    const len = this.need;
    if (this.partial === undefined) {
      const first = this.chunks[0];
      if (len === 0) {
        this.need = -1;
        return new Uint8Array(0);
      }
      if (first && first.length - this.offset >= len) {
        const view = first.subarray(this.offset, this.offset + len);
        this.advance(len);
        this.need = -1;
        this.views++;
        return view;
      }
      this.partial = this.alloc(len);
      this.filled = 0;
    }
    const part = this.partial;
    while (this.filled < len && this.avail > 0) {
      const first = this.chunks[0]!;
      const n = Math.min(first.length - this.offset, len - this.filled);
      part.set(first.subarray(this.offset, this.offset + n), this.filled);
      this.filled += n;
      this.advance(n);
    }
    if (this.filled < len) return null;
    this.partial = undefined;
    this.need = -1;
    return part;
  }

  private take(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length - this.offset >= n) {
      const v = first.subarray(this.offset, this.offset + n);
      this.advance(n);
      return v;
    }
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length - this.offset, n - got);
      out.set(c.subarray(this.offset, this.offset + k), got);
      got += k;
      this.advance(k);
    }
    return out;
  }

  private advance(n: number): void {
    this.avail -= n;
    this.offset += n;
    const first = this.chunks[0];
    if (first && this.offset >= first.length) {
      this.chunks.shift();
      this.offset = 0;
    }
  }
}
