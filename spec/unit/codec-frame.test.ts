import { expect } from "chai";
import { encodeFrame, FrameDecoder, IPC_MSG_TYPE, writeFramePrefix } from "../../src/transport/codec/frame.js";
import { throws } from "../helpers/nng-expect.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const ascii = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "latin1"));

/** Drains every complete frame the decoder holds. */
function drain(d: FrameDecoder): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let f = d.next(); f !== null; f = d.next()) out.push(f);
  return out;
}

describe("codec/frame (wire-protocol.md §2.2, §2.3, §3.1, §12)", () => {
  describe("encodeFrame", () => {
    it("tcp: the captured req 'ping' (§2.1)", () => {
      const f = encodeFrame(unhex("c5 bd 42 9f"), ascii("ping"), false);
      expect(hex(f)).to.equal("0000000000000008" + "c5bd429f" + "70696e67");
    });

    it("tcp: the captured rep 'pong' (§2.1)", () => {
      const f = encodeFrame(unhex("c5 bd 42 9f"), ascii("pong"), false);
      expect(hex(f)).to.equal("0000000000000008c5bd429f706f6e67");
    });

    it("ipc: the request to nngcat --rep (§3.1)", () => {
      const f = encodeFrame(unhex("80 00 00 2a"), ascii("hello"), true);
      expect(hex(f)).to.equal(hex(unhex("01 00 00 00 00 00 00 00 09 80 00 00 2a 68 65 6c 6c 6f")));
    });

    it("ipc: nngcat's reply and request (§3.1)", () => {
      expect(hex(encodeFrame(unhex("80 00 00 2a"), ascii("world"), true))).to.equal(
        hex(unhex("01 00 00 00 00 00 00 00 09 80 00 00 2a 77 6f 72 6c 64")),
      );
      expect(hex(encodeFrame(unhex("a7 a4 3f 3c"), ascii("ping"), true))).to.equal(
        hex(unhex("01 00 00 00 00 00 00 00 08 a7 a4 3f 3c 70 69 6e 67")),
      );
    });

    it("an empty message is a bare length of zero", () => {
      expect(hex(encodeFrame(new Uint8Array(0), new Uint8Array(0), false))).to.equal("0000000000000000");
      expect(hex(encodeFrame(new Uint8Array(0), new Uint8Array(0), true))).to.equal("010000000000000000");
    });

    it("IPC_MSG_TYPE is 0x01", () => {
      expect(IPC_MSG_TYPE).to.equal(1);
    });
  });

  describe("writeFramePrefix", () => {
    it("writes a u64 big-endian length, above 2^32 too", () => {
      const out = new Uint8Array(12).fill(0xee);
      expect(writeFramePrefix(out, 2, 0x123456789a, false)).to.equal(8);
      expect(hex(out)).to.equal("eeee000000123456789aeeee");
      const ipc = new Uint8Array(9);
      expect(writeFramePrefix(ipc, 0, 2 ** 40 + 5, true)).to.equal(9);
      expect(hex(ipc)).to.equal("010000010000000005");
    });
  });

  for (const ipc of [false, true]) {
    const kind = ipc ? "ipc" : "tcp";
    describe(`FrameDecoder (${kind})`, () => {
      const msgs = [ascii("ping"), new Uint8Array(0), unhex("80 00 00 01 de ad be ef"), new Uint8Array(300).fill(7)];
      const stream = (): Uint8Array => {
        const parts = msgs.map((m) => encodeFrame(new Uint8Array(0), m, ipc));
        return new Uint8Array(Buffer.concat(parts));
      };

      it("decodes byte-at-a-time input", () => {
        const d = new FrameDecoder(ipc);
        const s = stream();
        const got: Uint8Array[] = [];
        for (let i = 0; i < s.length; i++) {
          d.push(s.subarray(i, i + 1));
          got.push(...drain(d));
        }
        expect(got.map(hex)).to.deep.equal(msgs.map(hex));
        expect(d.buffered).to.equal(0);
      });

      it("decodes coalesced frames from one chunk", () => {
        const d = new FrameDecoder(ipc);
        d.push(stream());
        expect(drain(d).map(hex)).to.deep.equal(msgs.map(hex));
        expect(d.next()).to.equal(null);
      });

      it("decodes frames split at every possible point", () => {
        const s = stream();
        for (let cut = 0; cut <= s.length; cut++) {
          const d = new FrameDecoder(ipc);
          d.push(s.subarray(0, cut));
          const got = drain(d);
          d.push(s.subarray(cut));
          got.push(...drain(d));
          expect(got.map(hex), `cut at ${cut}`).to.deep.equal(msgs.map(hex));
        }
      });

      it("returns null until a frame is complete and keeps the remainder", () => {
        const d = new FrameDecoder(ipc);
        const f = encodeFrame(unhex("80 00 00 2a"), ascii("hello"), ipc);
        d.push(f.subarray(0, f.length - 1));
        expect(d.next()).to.equal(null);
        expect(d.next()).to.equal(null);
        d.push(f.subarray(f.length - 1));
        expect(hex(d.next()!)).to.equal("8000002a68656c6c6f");
        expect(d.next()).to.equal(null);
      });

      it("delivers a zero-length frame as an empty message", () => {
        const d = new FrameDecoder(ipc);
        d.push(encodeFrame(new Uint8Array(0), new Uint8Array(0), ipc));
        const f = d.next();
        expect(f).to.be.instanceOf(Uint8Array);
        expect(f!.length).to.equal(0);
        expect(d.next()).to.equal(null);
      });

      it("ignores empty chunks", () => {
        const d = new FrameDecoder(ipc);
        d.push(new Uint8Array(0));
        expect(d.next()).to.equal(null);
        expect(d.buffered).to.equal(0);
      });

      it("recv-size-max is inclusive: len == max passes, max + 1 is EMSGSIZE", () => {
        const ok = new FrameDecoder(ipc, 1000);
        ok.push(encodeFrame(new Uint8Array(0), new Uint8Array(1000), ipc));
        expect(ok.next()!.length).to.equal(1000);

        const big = new FrameDecoder(ipc, 1000);
        // Only the prefix is needed: the check runs before the payload arrives.
        big.push(encodeFrame(new Uint8Array(0), new Uint8Array(1001), ipc).subarray(0, ipc ? 9 : 8));
        throws(() => big.next(), "EMSGSIZE");
        // The decoder stays failed: the pipe must be closed, the frame never skipped.
        throws(() => big.next(), "EMSGSIZE");
      });

      it("recv-size-max 0 means unlimited and changes apply to the next frame", () => {
        const d = new FrameDecoder(ipc, 0);
        d.push(encodeFrame(new Uint8Array(0), new Uint8Array(5000), ipc));
        expect(d.next()!.length).to.equal(5000);
        d.maxRecvSize = 10;
        d.push(encodeFrame(new Uint8Array(0), new Uint8Array(10), ipc));
        expect(d.next()!.length).to.equal(10);
        d.push(encodeFrame(new Uint8Array(0), new Uint8Array(11), ipc));
        throws(() => d.next(), "EMSGSIZE");
      });

      const hugeLengths: [string, string][] = [
        ["2^64 - 1", "ff ff ff ff ff ff ff ff"],
        ["2^63", "80 00 00 00 00 00 00 00"],
        ["2^53", "00 20 00 00 00 00 00 00"],
        ["2^53 - 1", "00 1f ff ff ff ff ff ff"],
        ["2^40", "00 00 01 00 00 00 00 00"],
      ];
      for (const [what, len] of hugeLengths) {
        it(`a length of ${what} is EMSGSIZE without allocating (unlimited recv-size-max)`, () => {
          const d = new FrameDecoder(ipc, 0);
          const before = process.memoryUsage().arrayBuffers;
          d.push(unhex((ipc ? "01" : "") + len + "00 01 02"));
          throws(() => d.next(), "EMSGSIZE");
          // Nothing near the announced size was allocated.
          expect(process.memoryUsage().arrayBuffers - before).to.be.lessThan(64 * 1024 * 1024);
          expect(d.buffered).to.equal(0);
        });
      }

      it("a partially received large frame is assembled from many chunks", () => {
        const d = new FrameDecoder(ipc);
        const body = new Uint8Array(70_000);
        for (let i = 0; i < body.length; i++) body[i] = i & 0xff;
        const f = encodeFrame(new Uint8Array(0), body, ipc);
        for (let off = 0; off < f.length; off += 4093) {
          d.push(f.subarray(off, off + 4093));
          if (off + 4093 < f.length) expect(d.next()).to.equal(null);
        }
        const got = d.next()!;
        expect(got.length).to.equal(body.length);
        expect(Buffer.compare(Buffer.from(got), Buffer.from(body))).to.equal(0);
      });
    });
  }

  describe("FrameDecoder ipc type byte", () => {
    for (const t of [0x00, 0x02, 0x47, 0xff]) {
      it(`type byte 0x${t.toString(16).padStart(2, "0")} is EPROTO`, () => {
        const d = new FrameDecoder(true);
        d.push(unhex(`${t.toString(16).padStart(2, "0")} 00 00 00 00 00 00 00 04 70 69 6e 67`));
        throws(() => d.next(), "EPROTO");
      });
    }

    it("a bad type byte after a good frame: the good one is delivered first", () => {
      const d = new FrameDecoder(true);
      d.push(unhex("01 00 00 00 00 00 00 00 02 68 69  02 00 00 00 00 00 00 00 00"));
      expect(hex(d.next()!)).to.equal("6869");
      throws(() => d.next(), "EPROTO");
    });

    it("tcp has no type byte: 0x02 is the first length byte", () => {
      const d = new FrameDecoder(false, 0);
      d.push(unhex("02 00 00 00 00 00 00 00"));
      throws(() => d.next(), "EMSGSIZE");
    });
  });
});
