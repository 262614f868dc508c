import { randomFillSync } from "node:crypto";
import { xorWords } from "./codec/ws-frame.js";

/** The payload starts here in an encoded frame buffer: 4-byte aligned, room for the longest header before it. */
const PAYLOAD_AT = 16;

/** Frames this big or bigger (up to 64 KiB) are encoded into reusable buffers, see {@link releaseMaskedFrame}. */
const POOL_MIN = 16 * 1024;
/** Capacity of a reusable frame buffer: a 64 KiB payload after PAYLOAD_AT. */
const POOLED = PAYLOAD_AT + 64 * 1024;
/** Reusable frame buffers, written and released: fresh 64 KiB buffers cost page faults and GC work. */
const pool: Buffer[] = [];
const POOL_MAX = 32;

/** Random mask keys, filled in bulk (one getrandom call per 1024 frames). */
const keys = Buffer.allocUnsafe(4096);
let keyAt = keys.length;

/**
 * Encodes one masked (client-to-server) WebSocket frame of `parts`, which
 * together hold `length` bytes, with a fresh random mask key. `ws` masks one
 * byte at a time in JavaScript when its native `bufferutil` is absent; this
 * masks 32-bit words, several times faster, for the same bytes on the wire.
 * @internal
 * @example
 * ```ts
 * sock.write(encodeMaskedFrame(2, true, [header, body], header.length + body.length));
 * ```
 */
export function encodeMaskedFrame(opcode: number, fin: boolean, parts: readonly Uint8Array[], length: number): Buffer {
  const head = length < 126 ? 6 : length < 0x10000 ? 8 : 14;
  const pooled = length >= POOL_MIN && length <= POOLED - PAYLOAD_AT;
  const buf = pooled ? (pool.pop() ?? Buffer.allocUnsafeSlow(POOLED)) : Buffer.allocUnsafe(PAYLOAD_AT + length);
  let o = PAYLOAD_AT - head;
  const start = o;
  buf[o++] = (fin ? 0x80 : 0) | opcode;
  if (head === 6) buf[o++] = 0x80 | length;
  else if (head === 8) {
    buf[o++] = 0x80 | 126;
    buf.writeUInt16BE(length, o);
    o += 2;
  } else {
    buf[o++] = 0x80 | 127;
    buf.writeUInt32BE(Math.floor(length / 0x100000000), o);
    buf.writeUInt32BE(length >>> 0, o + 4);
    o += 8;
  }
  if (keyAt >= keys.length) {
    randomFillSync(keys);
    keyAt = 0;
  }
  // The key sits at [12, 16): right before the payload, so both share one alignment.
  keys.copy(buf, o, keyAt, keyAt + 4);
  keyAt += 4;
  let p = PAYLOAD_AT;
  for (const part of parts) {
    if (part.length === 1) buf[p++] = part[0]!;
    else if (part.length) {
      buf.set(part, p);
      p += part.length;
    }
  }
  maskInPlace(buf, length);
  return buf.subarray(start, PAYLOAD_AT + length);
}

/**
 * Gives the buffer of a frame from {@link encodeMaskedFrame} back for reuse,
 * once the frame is written (the socket's write callback) and referenced
 * nowhere else. Frames that did not come from the pool are ignored.
 * @internal
 * @example
 * ```ts
 * const frame = encodeMaskedFrame(2, true, [body], body.length);
 * sock.write(frame, () => releaseMaskedFrame(frame));
 * ```
 */
export function releaseMaskedFrame(frame: Uint8Array): void {
  const ab = frame.buffer;
  if (pool.length < POOL_MAX && ab.byteLength === POOLED && frame.length >= POOL_MIN) pool.push(Buffer.from(ab, 0, POOLED));
}

/** XORs the payload of `buf` (at PAYLOAD_AT) with the key stored just before it. */
function maskInPlace(buf: Buffer, length: number): void {
  const end = PAYLOAD_AT + length;
  let i = PAYLOAD_AT;
  if ((buf.byteOffset & 3) === 0) {
    // Native-endian words: the key read as a word lines up with payload words byte for byte.
    const n = (end >>> 2) - (PAYLOAD_AT >>> 2);
    const key = new Int32Array(buf.buffer, buf.byteOffset + PAYLOAD_AT - 4, 1)[0]!;
    xorWords(new Int32Array(buf.buffer, buf.byteOffset + PAYLOAD_AT, n), key);
    i = PAYLOAD_AT + (n << 2);
  }
  for (; i < end; i++) buf[i]! ^= buf[PAYLOAD_AT - 4 + ((i - PAYLOAD_AT) & 3)]!;
}
