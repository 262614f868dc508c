/**
 * Property tests of the SP pipes' WebSocket frame decoder
 * (src/transport/codec/ws-frame.ts): random messages, fragmented at random,
 * with pings in between, masked or not, cut into random chunks and partly
 * "read directly" into the decoder's own buffers, come out byte for byte;
 * random bytes never throw and end in at most one close or failure.
 */
import { expect } from "chai";
import fc from "fast-check";
import { WsFrameDecoder } from "../../src/transport/codec/ws-frame.js";

/** FUZZ_SCALE multiplies the runs (spec/stress/fuzz-long.mjs sets a large one). */
const RUNS = { numRuns: 100 * Number(process.env.FUZZ_SCALE ?? 1) };

/** A reference encoder: byte-wise, no shortcuts. */
function frame(opcode: number, fin: boolean, payload: Uint8Array, key: Uint8Array | undefined): Buffer {
  const len = payload.length;
  const head = [(fin ? 0x80 : 0) | opcode];
  const m = key ? 0x80 : 0;
  if (len < 126) head.push(m | len);
  else if (len < 65536) head.push(m | 126, len >> 8, len & 0xff);
  else head.push(m | 127, 0, 0, 0, 0, (len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
  if (!key) return Buffer.concat([Buffer.from(head), payload]);
  const body = Buffer.from(payload).map((b, i) => b ^ key[i & 3]!);
  return Buffer.concat([Buffer.from(head), key, body]);
}

const sizeArb = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 300 }) }, { weight: 4, arbitrary: fc.integer({ min: 4000, max: 20_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 65_000, max: 70_000 }) });
const chunkArb = fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 40_000 }));
const messageArb = fc.record({
  size: sizeArb,
  seed: fc.integer({ min: 0, max: 255 }),
  /** Fragment boundaries as fractions of the message. */
  cuts: fc.array(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 0.05, noNaN: true }), fc.constant(1e-4)), { maxLength: 4 }),
  /** Pings after some fragments. */
  pings: fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 2 }),
});

describe("fuzz: WebSocket frame decoder", function () {
  this.timeout(60_000 * Number(process.env.FUZZ_SCALE ?? 1));

  it("random fragmented messages with pings, random chunks and direct reads, arrive intact", () => {
    fc.assert(
      fc.property(
        fc.array(messageArb, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.array(chunkArb, { minLength: 1, maxLength: 20 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }),
        (msgs, masked, chunkSizes, directs) => {
          const wantMsgs: string[] = [];
          const wantPings: string[] = [];
          const frames: Buffer[] = [];
          for (const m of msgs) {
            const body = new Uint8Array(m.size).map((_, i) => (i * 31 + m.seed) & 0xff);
            wantMsgs.push(Buffer.from(body).toString("hex"));
            const cuts = [...new Set(m.cuts.map((c) => Math.floor(c * m.size)))].sort((a, b) => a - b).filter((c) => c > 0 && c < m.size);
            const bounds = [0, ...cuts, m.size];
            for (let f = 0; f + 1 < bounds.length; f++) {
              const key = masked ? Uint8Array.of(m.seed, f, 0xa5, 0x3c) : undefined;
              frames.push(frame(f === 0 ? 2 : 0, f + 2 === bounds.length, body.subarray(bounds[f]!, bounds[f + 1]!), key));
              const ping = m.pings[f];
              if (ping && f + 2 < bounds.length) {
                frames.push(frame(9, true, ping, masked ? Uint8Array.of(1, 2, 3, 4) : undefined));
                wantPings.push(Buffer.from(ping).toString("hex"));
              }
            }
          }
          const stream = Buffer.concat(frames);
          const got: string[] = [];
          const pings: string[] = [];
          const d = new WsFrameDecoder(
            {
              message: (b) => got.push(Buffer.from(b).toString("hex")),
              ping: (p) => pings.push(Buffer.from(p).toString("hex")),
              close: () => expect.fail("close"),
              fail: (e) => expect.fail(e.message),
            },
            { masked, maxFrame: 1 << 20, maxMessage: 0 },
          );
          let at = 0;
          for (let step = 0; at < stream.length; step++) {
            const size = Math.min(chunkSizes[step % chunkSizes.length]!, stream.length - at);
            const target = directs[step % directs.length] ? d.directTarget(1) : undefined;
            if (target) {
              const n = Math.min(size, target.length);
              target.set(stream.subarray(at, at + n));
              d.filledDirect(n);
              at += n;
            } else {
              // A fresh copy: the decoder unmasks in place.
              d.push(Buffer.from(stream.subarray(at, at + size)));
              at += size;
            }
          }
          expect(got).to.deep.equal(wantMsgs);
          expect(pings).to.deep.equal(wantPings);
        },
      ),
      RUNS,
    );
  });

  it("random bytes never throw; at most one close or failure, and nothing after it", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 2000 }), (bytes, masked, chunk, maxMessage) => {
        const events: string[] = [];
        const d = new WsFrameDecoder(
          {
            message: (m) => {
              expect(maxMessage === 0 || m.length <= maxMessage).to.equal(true);
              events.push("message");
            },
            ping: () => events.push("ping"),
            close: () => events.push("end"),
            fail: (e, code) => {
              expect(e.code).to.be.oneOf(["EPROTO", "EMSGSIZE"]);
              expect(code).to.be.oneOf([1002, 1003, 1007, 1009]);
              events.push("end");
            },
          },
          { masked, maxFrame: 128, maxMessage },
        );
        for (let i = 0; i < bytes.length; i += chunk) d.push(bytes.slice(i, i + chunk));
        const end = events.indexOf("end");
        expect(end === -1 || end === events.length - 1).to.equal(true);
      }),
      RUNS,
    );
  });
});
