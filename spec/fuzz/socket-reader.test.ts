/**
 * Property test of SocketReader + FrameDecoder without a socket: a fake
 * kernel fills whatever buffer the reader offers (scratch, a prefix slot or
 * the unfilled rest of a frame) with a random number of bytes of a frame
 * stream, and delivery pauses at random. Every frame must come out with its
 * bytes — checked only at the end, so a scratch buffer reused while a
 * delivered frame still points into it would show as corruption.
 */
import { expect } from "chai";
import fc from "fast-check";
import { encodeFrame, FrameDecoder } from "../../src/transport/codec/frame.js";
import { SocketReader } from "../../src/transport/socket-reader.js";

const RUNS = { numRuns: 100 * Number(process.env.FUZZ_SCALE ?? 1) };

/** Frame i is filled with byte i + 1 and counts up every 997 bytes: bytes of another frame or a prefix show. */
function payload(i: number, size: number): Uint8Array {
  const b = new Uint8Array(size).fill((i + 1) & 0xff);
  for (let k = 0; k < size; k += 997) b[k] = (k / 997) & 0xff;
  return b;
}

/** Runs the stream through a reader whose pipe is paused while `paused(step)` says so. */
function readAll(stream: Uint8Array, ipc: boolean, readSizes: number[], pauses: boolean[]): Uint8Array[] {
  const reader = new SocketReader();
  const decoder = new FrameDecoder(ipc, 0);
  const frames: Uint8Array[] = [];
  let paused = false;
  const drain = () => {
    for (let f = decoder.next(); f !== null; f = decoder.next()) frames.push(f);
  };
  // The handshake would have read its 8 bytes already: the pipe takes over here.
  reader.attach(decoder);
  reader.onChunk = (c) => decoder.push(c);
  reader.afterRead = () => {
    if (!paused) drain();
  };
  let off = 0;
  for (let step = 0; off < stream.length; step++) {
    paused = pauses[step % pauses.length]!;
    const buf = reader.onread.buffer();
    expect(buf.length).to.be.above(0);
    const n = Math.min(buf.length, stream.length - off, readSizes[step % readSizes.length]!);
    buf.set(stream.subarray(off, off + n));
    off += n;
    reader.onread.callback(n, buf);
    if (step > stream.length + 10) throw new Error("no progress");
  }
  paused = false;
  drain();
  return frames;
}

describe("fuzz: SocketReader direct reads", function () {
  this.timeout(60_000 * Number(process.env.FUZZ_SCALE ?? 1));
  for (const ipc of [false, true]) {
    it(`any read sizes and pauses deliver every frame intact (${ipc ? "ipc" : "tcp"})`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 3000, max: 20_000 }), fc.integer({ min: 60_000, max: 140_000 })), { minLength: 1, maxLength: 8 }),
          // A 64 KiB read in every cycle keeps tiny reads from making a run slow.
          fc.array(fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 70_000 }), fc.constant(1 << 20)), { minLength: 1, maxLength: 8 }).map((a) => [...a, 65536]),
          fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
          (sizes, readSizes, pauses) => {
            const bodies = sizes.map((s, i) => payload(i, s));
            const stream = Buffer.concat(bodies.map((b) => encodeFrame(new Uint8Array(0), b, ipc)));
            const frames = readAll(stream, ipc, readSizes, pauses);
            expect(frames.length).to.equal(bodies.length);
            frames.forEach((f, i) => {
              if (Buffer.compare(f, bodies[i]!) !== 0) expect.fail(`frame ${i} (${bodies[i]!.length} bytes) corrupted`);
            });
          },
        ),
        RUNS,
      );
    });
  }
});
