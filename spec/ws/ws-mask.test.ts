// The dialer's own masked frame encoder (src/transport/ws-mask.ts): the exact
// RFC 6455 frame `ws` would send, for every length class and alignment.
import { expect } from "chai";
import { encodeMaskedFrame } from "../../src/transport/ws-mask.js";

/** Parses one masked frame and returns its fields with the payload unmasked byte by byte. */
function parse(f: Uint8Array) {
  const fin = (f[0]! & 0x80) !== 0;
  const opcode = f[0]! & 0x0f;
  expect(f[1]! & 0x80, "mask bit").to.equal(0x80);
  let len = f[1]! & 0x7f;
  let o = 2;
  if (len === 126) {
    len = (f[2]! << 8) | f[3]!;
    o = 4;
  } else if (len === 127) {
    const dv = new DataView(f.buffer, f.byteOffset + 2, 8);
    len = dv.getUint32(0) * 0x100000000 + dv.getUint32(4);
    o = 10;
  }
  const key = f.subarray(o, o + 4);
  o += 4;
  expect(f.length - o, "payload length").to.equal(len);
  const payload = new Uint8Array(len);
  for (let i = 0; i < len; i++) payload[i] = f[o + i]! ^ key[i & 3]!;
  return { fin, opcode, len, headLen: o, key: Uint8Array.from(key), payload };
}

function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

describe("ws: masked frame encoder", () => {
  for (const len of [0, 1, 3, 5, 125, 126, 127, 4093, 65535, 65536, 70001]) {
    it(`encodes a ${len}-byte payload with the shortest length form`, () => {
      const header = pattern(Math.min(len, 4), 7);
      // An odd offset: the body view is not word-aligned.
      const backing = pattern(len - header.length + 1, 3);
      const body = backing.subarray(1);
      const f = parse(encodeMaskedFrame(2, true, [header, body], len));
      expect(f.fin).to.equal(true);
      expect(f.opcode).to.equal(2);
      expect(f.headLen).to.equal(len < 126 ? 6 : len < 0x10000 ? 8 : 14);
      expect(Buffer.from(f.payload).equals(Buffer.concat([header, body]))).to.equal(true);
    });
  }

  it("writes continuation frames without FIN and uses a fresh key per frame", () => {
    const a = parse(encodeMaskedFrame(0, false, [pattern(1000, 1)], 1000));
    const b = parse(encodeMaskedFrame(0, false, [pattern(1000, 1)], 1000));
    expect(a.fin).to.equal(false);
    expect(a.opcode).to.equal(0);
    expect(Buffer.from(a.payload).equals(Buffer.from(pattern(1000, 1)))).to.equal(true);
    expect(Buffer.from(a.key).equals(Buffer.from(b.key))).to.equal(false);
  });

  it("never changes the caller's bytes", () => {
    const body = pattern(9000, 5);
    const copy = Uint8Array.from(body);
    encodeMaskedFrame(2, true, [body], body.length);
    expect(Buffer.from(body).equals(Buffer.from(copy))).to.equal(true);
  });
});
