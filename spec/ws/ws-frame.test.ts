// The SP pipes' own WebSocket frame decoder and handshake helpers
// (src/transport/codec/ws-frame.ts, src/transport/ws-handshake.ts) on hex
// fixtures: RFC 6455's examples, nng's framing limits and every refusal.
import { expect } from "chai";
import { encodeFrameHeader, unmaskInPlace, WsFrameDecoder, type WsDecoderOptions } from "../../src/transport/codec/ws-frame.js";
import { checkUpgradeRequest, checkUpgradeResponse, parseResponseHead, upgradeRequestHead, upgradeResponseHead, wsAccept } from "../../src/transport/ws-handshake.js";
import type { NngError } from "../../src/core/errors.js";
import { parseUpgradeHead, type UpgradeRequest } from "../../src/transport/ws-upgrade.js";

type Event = ["message", string] | ["ping", string] | ["close", number] | ["fail", string, number];

/** Feeds `hex` (chunks split at `|`) and returns the events, payloads in hex. */
function decode(hex: string, opts: Partial<WsDecoderOptions> = {}): Event[] {
  const events: Event[] = [];
  const d = new WsFrameDecoder(
    {
      message: (m) => events.push(["message", Buffer.from(m).toString("hex")]),
      ping: (p) => events.push(["ping", Buffer.from(p).toString("hex")]),
      close: (c) => events.push(["close", c]),
      fail: (e, c) => events.push(["fail", e.code, c]),
    },
    { masked: true, maxFrame: 1 << 20, maxMessage: 0, ...opts },
  );
  for (const part of hex.replace(/\s/g, "").split("|")) d.push(Buffer.from(part, "hex"));
  return events;
}

/** The same bytes fed one byte at a time. */
function decodeBytewise(hex: string, opts: Partial<WsDecoderOptions> = {}): Event[] {
  return decode(hex.replace(/[\s|]/g, "").replace(/(..)(?!$)/g, "$1|"), opts);
}

// RFC 6455 §5.7: "Hello", unmasked and masked with 37 fa 21 3d.
const HELLO_PLAIN = "8205 48656c6c6f";
const HELLO_MASKED = "8285 37fa213d 7f9f4d5158";

describe("ws frame codec", () => {
  describe("WsFrameDecoder", () => {
    it("RFC 6455 §5.7 examples: masked from a client, unmasked from a server", () => {
      expect(decode(HELLO_MASKED)).to.deep.equal([["message", "48656c6c6f"]]);
      expect(decode(HELLO_PLAIN, { masked: false })).to.deep.equal([["message", "48656c6c6f"]]);
      expect(decodeBytewise(HELLO_MASKED)).to.deep.equal([["message", "48656c6c6f"]]);
    });

    it("fragments joined, a ping in between answered; RFC's 'Hel' + 'lo'", () => {
      // 02 'Hel' (no FIN), ping 'Hello' (masked), 80 'lo'.
      const hex = "0203 48656c | 8905 48656c6c6f | 8002 6c6f";
      const want: Event[] = [["ping", "48656c6c6f"], ["message", "48656c6c6f"]];
      expect(decode(hex, { masked: false })).to.deep.equal(want);
      expect(decode("0203 48656c 8905 48656c6c6f 8002 6c6f", { masked: false })).to.deep.equal(want);
      expect(decodeBytewise("0203 48656c 8905 48656c6c6f 8002 6c6f", { masked: false })).to.deep.equal(want);
    });

    it("16- and 64-bit lengths (RFC: 256 bytes and 64 KiB), and an empty message", () => {
      const p256 = "ab".repeat(256);
      expect(decode(`827e0100 ${p256}`, { masked: false })).to.deep.equal([["message", p256]]);
      const p64k = "cd".repeat(65536);
      expect(decode(`827f0000000000010000 ${p64k.slice(0, 1000)}|${p64k.slice(1000)}`, { masked: false })).to.deep.equal([["message", p64k]]);
      expect(decode("8280 01020304", { masked: true })).to.deep.equal([["message", ""]]);
    });

    it("several frames in one chunk, a header split anywhere", () => {
      const two = `${HELLO_MASKED} ${HELLO_MASKED}`.replace(/\s/g, "");
      for (let cut = 1; cut < two.length / 2; cut++) {
        const hex = `${two.slice(0, cut * 2)}|${two.slice(cut * 2)}`;
        expect(decode(hex), hex).to.deep.equal([["message", "48656c6c6f"], ["message", "48656c6c6f"]]);
      }
    });

    it("a masked payload split at every offset unmasks alike (word path included)", () => {
      const payload = Buffer.alloc(101, 0).map((_, i) => i);
      const key = Buffer.from("a1b2c3d4", "hex");
      const masked = Buffer.from(payload).map((b, i) => b ^ key[i & 3]!);
      const frame = Buffer.concat([Buffer.from([0x82, 0x80 | 101]), key, masked]).toString("hex");
      for (let cut = 2; cut < frame.length / 2; cut += 3) {
        expect(decode(`${frame.slice(0, cut * 2)}|${frame.slice(cut * 2)}`)).to.deep.equal([["message", Buffer.from(payload).toString("hex")]]);
      }
    });

    it("close frames: code echoed to the handler, 1005 when empty; decoding stops", () => {
      expect(decode("8882 00000000 03e8 8285 37fa213d 7f9f4d5158")).to.deep.equal([["close", 1000]]);
      expect(decode("8880 00000000")).to.deep.equal([["close", 1005]]);
      // 1001 + "bye", masked with 00000000.
      expect(decode("8885 00000000 03e9627965")).to.deep.equal([["close", 1001]]);
      expect(decode("8a00 8205 48656c6c6f", { masked: false })).to.deep.equal([["message", "48656c6c6f"]]);
    });

    const refusals: [string, string, Partial<WsDecoderOptions>, string, number][] = [
      ["a text frame", "8185 37fa213d 7f9f4d5158", {}, "EPROTO", 1003],
      ["an unmasked frame from a client", HELLO_PLAIN, {}, "EPROTO", 1002],
      ["a masked frame from a server", HELLO_MASKED, { masked: false }, "EPROTO", 1002],
      ["reserved bits (RSV1)", "c280 00000000", {}, "EPROTO", 1002],
      ["a reserved data opcode", "8380 00000000", {}, "EPROTO", 1002],
      ["a reserved control opcode", "8b80 00000000", {}, "EPROTO", 1002],
      ["a continuation without a message", "8080 00000000", {}, "EPROTO", 1002],
      ["a new message inside a fragmented one", "0280 00000000 8280 00000000", {}, "EPROTO", 1002],
      ["a fragmented ping", "0980 00000000", {}, "EPROTO", 1002],
      ["a control frame over 125 bytes", `89fe007e 00000000 ${"00".repeat(126)}`, {}, "EPROTO", 1002],
      ["a close with a 1-byte payload", "8881 00000000 03", {}, "EPROTO", 1002],
      ["a close with code 1005", "8882 00000000 03ed", {}, "EPROTO", 1002],
      ["a close with code 999", "8882 00000000 03e7", {}, "EPROTO", 1002],
      ["a close reason that is not UTF-8", "8883 00000000 03e8ff", {}, "EPROTO", 1007],
      ["a frame over maxFrame, before its payload", "82ff 0000000000100001 00000000", {}, "EMSGSIZE", 1009],
      ["a length of 2^64-1", "82ff ffffffffffffffff 00000000", { maxFrame: 0 }, "EMSGSIZE", 1009],
      ["a message over maxMessage across fragments", `02fe0258 00000000 ${"00".repeat(600)} | 80fe0258 00000000`, { maxMessage: 1000 }, "EMSGSIZE", 1009],
    ];
    for (const [what, hex, opts, code, close] of refusals) {
      it(`${what} → ${code}, close ${close}, nothing after`, () => {
        expect(decode(`${hex} ${HELLO_MASKED.replace(/\s/g, "")}`.replace(/ \| /g, "|"), opts)).to.deep.equal([["fail", code, close]]);
      });
    }

    it("an oversized length is refused as soon as it is read, before the mask key arrives", () => {
      expect(decode("82ff ffffffffffffff11 223344")).to.deep.equal([["fail", "EMSGSIZE", 1009]]);
      expect(decodeBytewise("82ff 0000000000100001 00")).to.deep.equal([["fail", "EMSGSIZE", 1009]]);
    });

    it("a frame of exactly maxFrame passes; maxMessage counts the whole message", () => {
      expect(decode(`827e0400 ${"00".repeat(1024)}`, { masked: false, maxFrame: 1024 })).to.have.length(1);
      expect(decode(`027e01f4 ${"00".repeat(500)} 807e01f4 ${"00".repeat(500)}`, { masked: false, maxMessage: 1000 })[0]![0]).to.equal("message");
    });
  });

  it("unmaskInPlace: any offset, length and phase equals the byte-wise XOR", () => {
    const key = Uint8Array.of(0x12, 0x34, 0x56, 0x78);
    const backing = new Uint8Array(200).map((_, i) => (i * 7) & 0xff);
    for (let off = 0; off < 5; off++) {
      for (const len of [0, 1, 3, 23, 24, 25, 64, 101]) {
        for (let phase = 0; phase < 4; phase++) {
          const buf = backing.slice().subarray(off, off + len);
          const want = buf.map((b, i) => b ^ key[(phase + i) & 3]!);
          unmaskInPlace(buf, key, phase);
          expect(Buffer.from(buf).equals(Buffer.from(want)), `off ${off} len ${len} phase ${phase}`).to.equal(true);
        }
      }
    }
  });

  it("encodeFrameHeader: 7-, 16- and 64-bit lengths", () => {
    const hex = (h: Uint8Array) => Buffer.from(h).toString("hex");
    expect(hex(encodeFrameHeader(2, true, 5))).to.equal("8205");
    expect(hex(encodeFrameHeader(2, false, 125))).to.equal("027d");
    expect(hex(encodeFrameHeader(0, true, 256))).to.equal("807e0100");
    expect(hex(encodeFrameHeader(8, true, 65535))).to.equal("887effff");
    expect(hex(encodeFrameHeader(2, true, 65536))).to.equal("827f0000000000010000");
    expect(hex(encodeFrameHeader(2, true, 2 ** 32 + 1))).to.equal("827f0000000100000001");
  });

  describe("handshake", () => {
    it("wsAccept: RFC 6455 §1.3's example", () => {
      expect(wsAccept("dGhlIHNhbXBsZSBub25jZQ==")).to.equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    });

    it("our request parses as a valid upgrade; our 101 passes our own check", () => {
      const key = "dGhlIHNhbXBsZSBub25jZQ==";
      const req = parseUpgradeHead(Buffer.from(upgradeRequestHead("/sp?x=1", "[::1]:80", key, "rep.sp.nanomsg.org")));
      expect(req).to.deep.include({ state: "done", method: "GET", target: "/sp?x=1" });
      expect(checkUpgradeRequest(req as UpgradeRequest)).to.equal(undefined);
      const res = parseResponseHead(Buffer.from(`${upgradeResponseHead(key, "rep.sp.nanomsg.org")}\x82\x00`));
      expect(res).to.deep.include({ status: 101 });
      const head = res as Exclude<typeof res, NngError | undefined>;
      expect(head.headers["sec-websocket-accept"]).to.equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
      expect(checkUpgradeResponse(head, key, "rep.sp.nanomsg.org")).to.equal(undefined);
      expect(checkUpgradeResponse(head, key, "req.sp.nanomsg.org")?.code).to.equal("EPROTO");
      expect(checkUpgradeResponse(head, "AAAAAAAAAAAAAAAAAAAAAA==", "rep.sp.nanomsg.org")?.code).to.equal("EPROTO");
    });

    it("bad requests: Upgrade, key, version", () => {
      const base = { method: "GET", target: "/", version: "HTTP/1.1", length: 0 };
      const ok = { upgrade: "WebSocket", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13" };
      expect(checkUpgradeRequest({ ...base, headers: ok })).to.equal(undefined);
      expect(checkUpgradeRequest({ ...base, headers: { ...ok, upgrade: "h2c" } })).to.match(/Upgrade/);
      expect(checkUpgradeRequest({ ...base, headers: { ...ok, "sec-websocket-key": "short" } })).to.match(/Key/);
      expect(checkUpgradeRequest({ ...base, headers: { ...ok, "sec-websocket-version": "12" } })).to.match(/Version/);
    });

    it("parseResponseHead: partial, not HTTP, too large", () => {
      expect(parseResponseHead(Buffer.from("HTTP/1.1 101 Switching"))).to.equal(undefined);
      expect((parseResponseHead(Buffer.from("SSH-2.0-x\r\n\r\n")) as NngError).code).to.equal("EPROTO");
      expect((parseResponseHead(Buffer.alloc(9000, 0x41)) as NngError).code).to.equal("EPROTO");
      expect(parseResponseHead(Buffer.from("HTTP/1.1 404 Not Found\r\n\r\n"))).to.deep.equal({ status: 404, headers: {}, length: 26 });
    });
  });
});
