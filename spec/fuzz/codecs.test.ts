/**
 * Property tests of the pure codecs (FrameDecoder, SP handshake, WebSocket
 * upgrade parser and frame scanner) on arbitrary and mutated byte streams:
 * never an exception outside the documented NngError path, never a buffer
 * larger than recv-size-max, never a hang, and any chunking of the input
 * decodes exactly as the whole input does.
 */
import { expect } from "chai";
import fc from "fast-check";
import { NngError } from "../../src/index.js";
import { decodeHandshake, encodeHandshake } from "../../src/transport/codec/handshake.js";
import { encodeFrame, FrameDecoder } from "../../src/transport/codec/frame.js";
import { FrameScanner, MAX_HEAD, parseUpgradeHead } from "../../src/transport/ws-upgrade.js";

/** FUZZ_SCALE multiplies the runs (spec/stress/fuzz-long.mjs runs the folder with a large one). */
const RUNS = { numRuns: 300 * Number(process.env.FUZZ_SCALE ?? 1) };
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

interface Decoded {
  frames: string[];
  err?: string;
}

/**
 * Feeds `chunks` one by one and drains the decoder after each; records
 * frames and the first error code. Bounded: each returned frame consumes at
 * least its 8-byte prefix, so the inner loop cannot spin.
 */
function decodeAll(chunks: Uint8Array[], ipc: boolean, max: number, alloc?: (n: number) => Uint8Array): Decoded {
  const d = alloc ? new FrameDecoder(ipc, max, alloc) : new FrameDecoder(ipc, max);
  const out: Decoded = { frames: [] };
  const total = chunks.reduce((n, c) => n + c.length, 0);
  let steps = 0;
  for (const c of chunks) {
    d.push(c);
    for (;;) {
      if (++steps > total + chunks.length + 2) throw new Error("decoder loops without consuming input");
      let f: Uint8Array | null;
      try {
        f = d.next();
      } catch (err) {
        expect(err).to.be.instanceOf(NngError);
        const code = (err as NngError).code;
        expect(["EMSGSIZE", "EPROTO"]).to.include(code);
        out.err = code;
        // A failed decoder keeps failing with the same error and holds nothing.
        expect(() => d.next()).to.throw(NngError);
        expect(d.buffered).to.equal(0);
        return out;
      }
      if (f === null) break;
      out.frames.push(hex(f));
    }
  }
  return out;
}

/** Splits `bytes` at the given cut points (any order, duplicates allowed). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...at, bytes.length]) {
    out.push(bytes.subarray(prev, c));
    prev = c;
  }
  return out;
}

/**
 * Records the largest buffer allocated while `fn` runs: by the decoder's
 * allocator hook (frames that span chunks) or by `new Uint8Array(n)` anywhere.
 */
function largestAllocation(fn: (alloc: (n: number) => Uint8Array) => void): number {
  const Real = globalThis.Uint8Array;
  let largest = 0;
  const alloc = (n: number): Uint8Array => {
    largest = Math.max(largest, n);
    return Buffer.allocUnsafe(n);
  };
  globalThis.Uint8Array = new Proxy(Real, {
    construct(target, args, newTarget) {
      const a = args[0];
      if (typeof a === "number") largest = Math.max(largest, a);
      return Reflect.construct(target, args, newTarget) as object;
    },
  });
  try {
    fn(alloc);
  } finally {
    globalThis.Uint8Array = Real;
  }
  return largest;
}

const payload = fc.uint8Array({ maxLength: 64 });
const frames = (ipc: boolean) => fc.array(payload, { maxLength: 8 }).map((ps) => ps.map((p) => encodeFrame(new Uint8Array(0), p, ipc)));
const concat = (parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** A valid stream with a few bytes overwritten: mostly plausible prefixes with wild lengths. */
const mutated = (ipc: boolean) =>
  fc
    .tuple(frames(ipc), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.uint8Array({ maxLength: 16 }))
    .map(([fs, edits, tail]) => {
      const b = concat([...fs, tail]);
      for (const [at, v] of edits) if (b.length) b[at % b.length] = v;
      return b;
    });

describe("fuzz: codecs", function () {
  this.timeout(20_000 * Number(process.env.FUZZ_SCALE ?? 1));

  for (const ipc of [false, true]) {
    const kind = ipc ? "ipc" : "tcp";
    describe(`FrameDecoder (${kind})`, () => {
      it("valid frames in any chunking decode to the same payloads", () => {
        fc.assert(
          fc.property(fc.array(payload, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (ps, cuts) => {
            const bytes = concat(ps.map((p) => encodeFrame(new Uint8Array(0), p, ipc)));
            const got = decodeAll(split(bytes, cuts), ipc, 0);
            expect(got.err).to.equal(undefined);
            expect(got.frames).to.deep.equal(ps.map(hex));
          }),
          RUNS,
        );
      });

      // recv-size-max >= 1 here: with 0 (unlimited, nng's default) a random prefix could announce 4 GiB, which
      // the decoder then allocates once the bytes trickle in, as nng does.
      it("arbitrary bytes: only EMSGSIZE/EPROTO, and chunked input decodes as the whole", () => {
        fc.assert(
          fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), mutated(ipc)), fc.array(fc.nat(), { maxLength: 12 }), fc.integer({ min: 1, max: 128 }), (bytes, cuts, max) => {
            const whole = decodeAll([bytes], ipc, max);
            const chunked = decodeAll(split(bytes, cuts), ipc, max);
            expect(chunked).to.deep.equal(whole);
            for (const f of whole.frames) if (max > 0) expect(f.length / 2).to.be.at.most(max);
          }),
          RUNS,
        );
      });

      it("never allocates more than recv-size-max for an announced length (up to 2^64-1)", () => {
        const lengths = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 40n }), fc.constantFrom(2n ** 64n - 1n, 2n ** 53n, 2n ** 32n, 2n ** 32n - 1n, 1025n));
        fc.assert(
          fc.property(lengths, fc.integer({ min: 1, max: 1024 }), fc.uint8Array({ maxLength: 32 }), (len, max, tail) => {
            const pre = Buffer.alloc(ipc ? 9 : 8);
            if (ipc) pre[0] = 1;
            pre.writeBigUInt64BE(len, ipc ? 1 : 0);
            // Byte by byte so the decoder must assemble the frame itself (the copying path).
            // At most one frame: the body, whole or cut short.
            const bytes = concat([pre, len <= BigInt(tail.length) ? tail.subarray(0, Number(len)) : tail]);
            let res: Decoded | undefined;
            const largest = largestAllocation((alloc) => {
              res = decodeAll(split(bytes, [...Array(bytes.length).keys()]), ipc, max, alloc);
            });
            expect(largest).to.be.at.most(Math.max(max, 9));
            if (len > BigInt(max)) expect(res!.err).to.equal("EMSGSIZE");
            else {
              expect(res!.err).to.equal(undefined);
              // The hook really sees the frame buffer: a frame that fits is allocated at its size.
              if (len > 9n && Number(len) <= tail.length) expect(largest).to.equal(Number(len));
            }
          }),
          RUNS,
        );
      });
    });
  }

  describe("SP handshake", () => {
    it("encode/decode round-trips every protocol id", () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 0xffff }), (id) => {
          expect(decodeHandshake(encodeHandshake(id))).to.equal(id);
        }),
        RUNS,
      );
    });

    it("arbitrary 8 bytes: a protocol id for a well-formed header, EPROTO otherwise", () => {
      const header = fc.oneof(
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.nat(7), fc.integer({ min: 0, max: 255 })).map(([id, at, v]) => {
          const b = encodeHandshake(id);
          b[at] = v;
          return b;
        }),
      );
      fc.assert(
        fc.property(header, (b) => {
          const wellFormed = b[0] === 0 && b[1] === 0x53 && b[2] === 0x50 && b[3] === 0 && b[6] === 0 && b[7] === 0;
          let got: number | string;
          try {
            got = decodeHandshake(b);
          } catch (err) {
            expect(err).to.be.instanceOf(NngError);
            got = (err as NngError).code;
          }
          expect(got).to.equal(wellFormed ? (b[4]! << 8) | b[5]! : "EPROTO");
        }),
        RUNS,
      );
    });

    it("fewer than 8 bytes → EPROTO", () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 7 }), (b) => {
          expect(() => decodeHandshake(b)).to.throw(NngError).with.property("code", "EPROTO");
        }),
        RUNS,
      );
    });
  });

  describe("WebSocket upgrade parser and frame scanner", () => {
    const printable = fc.string({ unit: fc.constantFrom(..."GET /HTP1.\r\n:abcxyz-_ \t"), maxLength: 120 });
    it("parseUpgradeHead never throws; partial, a 4xx/505 error, or a head ending at CRLFCRLF", () => {
      fc.assert(
        fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), printable.map((s) => new Uint8Array(Buffer.from(s, "latin1")))), (b) => {
          const r = parseUpgradeHead(b);
          if (r.state === "done") {
            expect(r.length).to.be.at.most(Math.min(b.length, MAX_HEAD));
            expect(Buffer.from(b.subarray(r.length - 4, r.length)).toString("latin1")).to.equal("\r\n\r\n");
          } else if (r.state === "error") expect([400, 431, 505]).to.include(r.status);
          else expect(b.length).to.be.lessThan(MAX_HEAD);
        }),
        RUNS,
      );
    });

    it("a head larger than MAX_HEAD without an end → 431", () => {
      expect(parseUpgradeHead(new Uint8Array(MAX_HEAD + 1).fill(0x41))).to.include({ state: "error", status: 431 });
    });

    it("FrameScanner: any chunking reports the same oversized frame as the whole input", () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 12 }), fc.integer({ min: 0, max: 200 }), (bytes, cuts, max) => {
          const whole = new FrameScanner(max).push(bytes);
          const s = new FrameScanner(max);
          let chunked = -1;
          for (const c of split(bytes, cuts)) {
            chunked = s.push(c);
            if (chunked >= 0) break;
          }
          expect(chunked).to.equal(whole);
          if (whole >= 0) expect(whole).to.be.greaterThan(max);
        }),
        RUNS,
      );
    });
  });
});
