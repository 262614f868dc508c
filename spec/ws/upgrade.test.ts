// Pure pieces of the WebSocket transport on byte fixtures: the upgrade
// pre-parser (nng's empty request target, §4.1), path routing keys, refusals,
// the per-frame size scanner (§4.3), and ws/wss/tls URL parsing.
import { expect } from "chai";
import { parseUrl } from "../../src/core/url.js";
import { FrameScanner, httpError, MAX_HEAD, parseUpgradeHead, routeKey } from "../../src/transport/ws-upgrade.js";
import { throws } from "../helpers/nng-expect.js";

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "latin1"));

/** The request libnng 1.5.2 sends for `ws://127.0.0.1:5618` (captured, §4.2), with its empty target. */
const NNG_EMPTY_TARGET =
  "GET  HTTP/1.1\r\nHost: 127.0.0.1:5618\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: rep.sp.nanomsg.org\r\n\r\n";

describe("ws transport: pure parts (wire-protocol.md §4)", () => {
  describe("parseUpgradeHead", () => {
    it("nng's empty request target `GET  HTTP/1.1` reads as /", () => {
      const r = parseUpgradeHead(bytes(NNG_EMPTY_TARGET));
      expect(r.state).to.equal("done");
      if (r.state !== "done") return;
      expect(r).to.include({ method: "GET", target: "/", version: "HTTP/1.1", length: NNG_EMPTY_TARGET.length });
      expect(r.headers).to.include({ "host": "127.0.0.1:5618", "upgrade": "websocket", "sec-websocket-protocol": "rep.sp.nanomsg.org", "sec-websocket-version": "13" });
    });

    it("a normal target, and bytes after the head are left over", () => {
      const head = "GET /sp?x=1 HTTP/1.1\r\nHost: h\r\n\r\n";
      const r = parseUpgradeHead(bytes(`${head}\x82\x80abcd`));
      expect(r).to.include({ state: "done", target: "/sp?x=1", length: head.length });
    });

    it("asks for more until CRLFCRLF, byte by byte", () => {
      const all = bytes(NNG_EMPTY_TARGET);
      for (let i = 1; i < all.length; i++) expect(parseUpgradeHead(all.subarray(0, i)).state, `at ${i}`).to.equal("partial");
      expect(parseUpgradeHead(all).state).to.equal("done");
    });

    it("joins repeated headers and lower-cases names", () => {
      const r = parseUpgradeHead(bytes("GET / HTTP/1.1\r\nX-A: 1\r\nx-a: 2\r\nCONNECTION:  keep-alive, Upgrade \r\n\r\n"));
      expect(r.state === "done" && r.headers).to.deep.equal({ "x-a": "1, 2", "connection": "keep-alive, Upgrade" });
    });

    const bad: [string, number][] = [
      ["GET HTTP/1.1\r\n\r\n", 400],
      ["GET\r\n\r\n", 400],
      ["GET /a b HTTP/1.1\r\n\r\n", 400],
      ["G(T / HTTP/1.1\r\n\r\n", 400],
      ["GET / HTTP/2.0\r\n\r\n", 505],
      ["GET / SPDY\r\n\r\n", 400],
      ["GET / HTTP/1.1\r\nno colon\r\n\r\n", 400],
      ["GET / HTTP/1.1\r\n folded: x\r\n\r\n", 400],
      ["GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400],
    ];
    for (const [text, status] of bad) {
      it(`${JSON.stringify(text)} → ${status}`, () => {
        expect(parseUpgradeHead(bytes(text))).to.include({ state: "error", status });
      });
    }

    it("a head that never ends → 431 at MAX_HEAD bytes", () => {
      const huge = bytes(`GET / HTTP/1.1\r\nX: ${"a".repeat(MAX_HEAD)}`);
      expect(parseUpgradeHead(huge)).to.include({ state: "error", status: 431 });
      expect(parseUpgradeHead(huge.subarray(0, MAX_HEAD - 1)).state).to.equal("partial");
    });
  });

  describe("routeKey", () => {
    const cases: [string, string][] = [
      ["", "/"], ["/", "/"], ["//", "/"], ["/sp", "/sp"], ["/sp/", "/sp"], ["/sp?a=1", "/sp"],
      ["/a/b/", "/a/b"], ["http://h:1/x", "/x"], ["http://h:1", "/"], ["x", "/x"],
    ];
    for (const [target, key] of cases) it(`${JSON.stringify(target)} → ${key}`, () => expect(routeKey(target)).to.equal(key));
  });

  it("httpError: a complete response that closes", () => {
    const r = httpError(404);
    expect(r).to.match(/^HTTP\/1\.1 404 Not Found\r\n/);
    expect(r).to.include("Connection: close\r\n");
    expect(r.endsWith("\r\n\r\nNot Found")).to.equal(true);
    expect(httpError(400, "SP protocol mismatch")).to.include("Content-Length: 20\r\n\r\nSP protocol mismatch");
  });

  describe("FrameScanner (ws:rxframe-max)", () => {
    const MiB = 1024 * 1024;
    /** A frame header with a given payload length (masked like a client's). */
    function header(len: number, mask = true): Buffer {
      const m = mask ? 0x80 : 0;
      let h: Buffer;
      if (len < 126) h = Buffer.from([0x82, m | len]);
      else if (len < 65536) h = Buffer.from([0x82, m | 126, len >> 8, len & 0xff]);
      else {
        h = Buffer.alloc(10);
        h[0] = 0x82;
        h[1] = m | 127;
        h.writeBigUInt64BE(BigInt(len), 2);
      }
      return mask ? Buffer.concat([h, Buffer.from([1, 2, 3, 4])]) : h;
    }

    it("a frame of exactly the limit passes, one byte more is reported before its payload", () => {
      const s = new FrameScanner(MiB);
      expect(s.push(header(MiB))).to.equal(-1);
      expect(s.push(Buffer.alloc(MiB))).to.equal(-1);
      expect(s.push(header(MiB + 1))).to.equal(MiB + 1);
    });

    it("follows many frames in one chunk and headers split across chunks", () => {
      const s = new FrameScanner(300);
      const stream = Buffer.concat([header(5), Buffer.alloc(5), header(200), Buffer.alloc(200), header(125, false), Buffer.alloc(125), header(301)]);
      let got = -1;
      for (let i = 0; i < stream.length && got < 0; i++) got = s.push(stream.subarray(i, i + 1));
      expect(got).to.equal(301);
    });

    it("64-bit lengths beyond 2^53 count as too big; 0 means no limit", () => {
      const h = Buffer.from([0x82, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4]);
      expect(new FrameScanner(MiB).push(h)).to.be.greaterThan(MiB);
      expect(new FrameScanner(0).push(header(100 * MiB))).to.equal(-1);
    });
  });

  describe("ws/wss/tls+tcp URLs", () => {
    const good: [string, Partial<ReturnType<typeof parseUrl>>][] = [
      ["ws://127.0.0.1:5555/a/b", { transport: "ws", host: "127.0.0.1", port: 5555, path: "/a/b", family: 0 }],
      ["ws://127.0.0.1:0", { transport: "ws", port: 0, path: "" }],
      ["ws://*:80/", { transport: "ws", host: "", path: "/" }],
      ["ws://h/x?y=1", { transport: "ws", host: "h", port: null, path: "/x?y=1" }],
      ["ws6://[::1]:1/p", { transport: "ws", host: "::1", family: 6, path: "/p" }],
      ["wss://localhost:443/sp", { transport: "wss", host: "localhost", port: 443, path: "/sp" }],
      ["wss4://127.0.0.1:0/", { transport: "wss", family: 4 }],
      ["tls+tcp://127.0.0.1:5555", { transport: "tls", host: "127.0.0.1", port: 5555, family: 0 }],
      ["tls+tcp6://[::1]:0", { transport: "tls", host: "::1", family: 6 }],
    ];
    for (const [url, want] of good) it(`parses ${url}`, () => expect(parseUrl(url)).to.include(want));
    for (const url of ["ws://127.0.0.1:x/a", "ws://[::1/a", "ws://h:1/a b", "ws://h:1/a#f", "tls+tcp://h:1/path", "tls+tcp://h:1?q"]) {
      it(`${url} → EADDRINVAL`, () => {
        throws(() => parseUrl(url), "EADDRINVAL");
      });
    }
  });
});
