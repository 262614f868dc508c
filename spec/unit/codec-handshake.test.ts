import { expect } from "chai";
import { decodeHandshake, encodeHandshake, HANDSHAKE_SIZE } from "../../src/transport/codec/handshake.js";
import { PROTO } from "../../src/protocol/ids.js";
import { throws } from "../helpers/nng-expect.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));

describe("codec/handshake (wire-protocol.md §1, §2.1)", () => {
  // Every id as nngcat sends it in bytes 4-5 of the header.
  const fixtures: [string, number, string][] = [
    ["pair0", 0x10, "00 53 50 00 00 10 00 00"],
    ["pair1", 0x11, "00 53 50 00 00 11 00 00"],
    ["pub0", 0x20, "00 53 50 00 00 20 00 00"],
    ["sub0", 0x21, "00 53 50 00 00 21 00 00"],
    ["req0", 0x30, "00 53 50 00 00 30 00 00"],
    ["rep0", 0x31, "00 53 50 00 00 31 00 00"],
    ["push0", 0x50, "00 53 50 00 00 50 00 00"],
    ["pull0", 0x51, "00 53 50 00 00 51 00 00"],
    ["surveyor0", 0x62, "00 53 50 00 00 62 00 00"],
    ["respondent0", 0x63, "00 53 50 00 00 63 00 00"],
    ["bus0", 0x70, "00 53 50 00 00 70 00 00"],
    ["star (mangos, 16-bit id)", 0x640, "00 53 50 00 06 40 00 00"],
  ];

  it("HANDSHAKE_SIZE is 8", () => {
    expect(HANDSHAKE_SIZE).to.equal(8);
  });

  for (const [name, id, bytes] of fixtures) {
    it(`encodes ${name} (0x${id.toString(16)}) as ${bytes}`, () => {
      const b = encodeHandshake(id);
      expect(b).to.be.instanceOf(Uint8Array);
      expect(hex(b)).to.equal(bytes.replace(/ /g, ""));
      expect(decodeHandshake(unhex(bytes))).to.equal(id);
    });
  }

  it("uses the ids of the protocol table for every protocol", () => {
    for (const [key, info] of Object.entries(PROTO)) {
      const f = fixtures.find(([n]) => n === key);
      expect(f, key).to.not.equal(undefined);
      expect(info.self, key).to.equal(f![1]);
      expect(decodeHandshake(encodeHandshake(info.self)), key).to.equal(info.self);
    }
  });

  it("decodes the first 8 bytes and ignores what follows", () => {
    expect(decodeHandshake(unhex("00 53 50 00 00 31 00 00 00 00 00 00 00 00 00 08"))).to.equal(0x31);
  });

  describe("rejects with EPROTO", () => {
    const bad: [string, string][] = [
      ["bad magic byte 0", "01 53 50 00 00 30 00 00"],
      ["bad magic 'S'", "00 54 50 00 00 30 00 00"],
      ["bad magic 'P'", "00 53 51 00 00 30 00 00"],
      ["HTTP text", "47 45 54 20 2f 20 48 54"],
      ["version 1", "00 53 50 01 00 30 00 00"],
      ["version 0xff", "00 53 50 ff 00 30 00 00"],
      ["reserved byte 6 set", "00 53 50 00 00 30 01 00"],
      ["reserved byte 7 set", "00 53 50 00 00 30 00 01"],
      ["all ones", "ff ff ff ff ff ff ff ff"],
    ];
    for (const [what, bytes] of bad) {
      it(what, () => {
        throws(() => decodeHandshake(unhex(bytes)), "EPROTO");
      });
    }
    it("a short header (7 bytes)", () => {
      throws(() => decodeHandshake(unhex("00 53 50 00 00 30 00")), "EPROTO");
    });
    it("an empty header", () => {
      throws(() => decodeHandshake(new Uint8Array(0)), "EPROTO");
    });
  });
});
