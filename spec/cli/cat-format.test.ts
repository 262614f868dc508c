import { expect } from "chai";
import { formatMessage } from "../../src/cli/cat-format.js";

const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const latin1 = (b: Uint8Array): string => Buffer.from(b).toString("latin1");

// The bytes of data.bin used with nngcat 1.5.2 to capture these outputs:
// 'a' NUL 'b' 0x80 0xff '"' '\' LF CR TAB '~' ' ' 'z'
const SAMPLE = unhex("61 00 62 80 ff 22 5c 0a 0d 09 7e 20 7a");

describe("cli/cat-format (nngcat 1.5.2 output bytes)", () => {
  it("raw: the body unchanged", () => {
    expect(hex(formatMessage("raw", SAMPLE))).to.equal(hex(SAMPLE));
  });

  it("no / none: nothing at all", () => {
    expect(formatMessage("no", SAMPLE)).to.have.length(0);
    expect(formatMessage("none", SAMPLE)).to.have.length(0);
  });

  it("ascii: printable bytes kept, others '.', no newline", () => {
    expect(latin1(formatMessage("ascii", SAMPLE))).to.equal('a.b.."\\...~ z');
  });

  it("quoted: C escapes, \\xHH lower-case, quotes and a newline", () => {
    expect(latin1(formatMessage("quoted", SAMPLE))).to.equal('"a\\x00b\\x80\\xff\\"\\\\\\n\\r\\t~ z"\n');
  });

  it("hex: every byte as \\xHH in quotes and a newline", () => {
    expect(latin1(formatMessage("hex", SAMPLE))).to.equal('"\\x61\\x00\\x62\\x80\\xff\\x22\\x5c\\x0a\\x0d\\x09\\x7e\\x20\\x7a"\n');
  });

  it("msgpack: bin 8 header for short bodies", () => {
    expect(hex(formatMessage("msgpack", SAMPLE))).to.equal("c40d" + hex(SAMPLE));
  });

  it("msgpack: bin 16 from 256 bytes, bin 32 from 65536", () => {
    expect(hex(formatMessage("msgpack", new Uint8Array(255)).subarray(0, 2))).to.equal("c4ff");
    expect(hex(formatMessage("msgpack", new Uint8Array(256)).subarray(0, 3))).to.equal("c50100");
    expect(hex(formatMessage("msgpack", new Uint8Array(65535)).subarray(0, 3))).to.equal("c5ffff");
    const big = formatMessage("msgpack", new Uint8Array(65536));
    expect(hex(big.subarray(0, 5))).to.equal("c600010000");
    expect(big).to.have.length(65541);
  });

  it("empty bodies", () => {
    expect(latin1(formatMessage("quoted", new Uint8Array(0)))).to.equal('""\n');
    expect(latin1(formatMessage("hex", new Uint8Array(0)))).to.equal('""\n');
    expect(hex(formatMessage("msgpack", new Uint8Array(0)))).to.equal("c400");
    expect(formatMessage("ascii", new Uint8Array(0))).to.have.length(0);
  });

  it("the printable range is 0x20..0x7e (C locale isprint)", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const out = latin1(formatMessage("ascii", all));
    for (let i = 0; i < 256; i++) expect(out[i]).to.equal(i >= 0x20 && i <= 0x7e ? String.fromCharCode(i) : ".");
  });
});
