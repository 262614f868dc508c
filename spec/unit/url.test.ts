import { expect } from "chai";
import { formatTcpUrl, parseUrl } from "../../src/core/url.js";
import { throws } from "../helpers/nng-expect.js";

describe("core/url parseUrl (wire-protocol.md §2.5, §3.2, §6)", () => {
  describe("tcp", () => {
    const good: [string, { host: string; port: number | null; family: 0 | 4 | 6; scheme: string }][] = [
      ["tcp://127.0.0.1:5555", { host: "127.0.0.1", port: 5555, family: 0, scheme: "tcp" }],
      ["tcp://localhost:80", { host: "localhost", port: 80, family: 0, scheme: "tcp" }],
      ["tcp://[::1]:5555", { host: "::1", port: 5555, family: 0, scheme: "tcp" }],
      ["tcp6://[::1]:5555", { host: "::1", port: 5555, family: 6, scheme: "tcp6" }],
      ["tcp6://[fe80::1:2]:1", { host: "fe80::1:2", port: 1, family: 6, scheme: "tcp6" }],
      ["tcp4://127.0.0.1:65535", { host: "127.0.0.1", port: 65535, family: 4, scheme: "tcp4" }],
      ["tcp://*:5555", { host: "", port: 5555, family: 0, scheme: "tcp" }],
      ["tcp://:5555", { host: "", port: 5555, family: 0, scheme: "tcp" }],
      ["tcp://0.0.0.0:5555", { host: "0.0.0.0", port: 5555, family: 0, scheme: "tcp" }],
      ["tcp://127.0.0.1:0", { host: "127.0.0.1", port: 0, family: 0, scheme: "tcp" }],
      ["tcp://127.0.0.1:", { host: "127.0.0.1", port: null, family: 0, scheme: "tcp" }],
      ["tcp://127.0.0.1", { host: "127.0.0.1", port: null, family: 0, scheme: "tcp" }],
      ["tcp://[::1]", { host: "::1", port: null, family: 0, scheme: "tcp" }],
      ["tcp://[::]:0", { host: "::", port: 0, family: 0, scheme: "tcp" }],
      ["tcp://127.0.0.1:5555/", { host: "127.0.0.1", port: 5555, family: 0, scheme: "tcp" }],
      ["TCP://127.0.0.1:7", { host: "127.0.0.1", port: 7, family: 0, scheme: "tcp" }],
    ];
    for (const [url, want] of good) {
      it(`parses ${url}`, () => {
        const u = parseUrl(url);
        expect(u.transport).to.equal("tcp");
        expect({ host: u.host, port: u.port, family: u.family, scheme: u.scheme }).to.deep.equal(want);
        expect(u.url).to.equal(url);
      });
    }

    const invalid = [
      "tcp://127.0.0.1:5699/path",
      "tcp://127.0.0.1:5699/a/b",
      "tcp://127.0.0.1:5699?x=1",
      "tcp://127.0.0.1:5699/?x=1",
      "tcp://127.0.0.1:5699#frag",
      "tcp://user@127.0.0.1:5699",
      "tcp://user:pw@127.0.0.1:5699",
      "tcp://127.0.0.1:65536",
      "tcp://127.0.0.1:99999",
      "tcp://127.0.0.1:-1",
      "tcp://127.0.0.1:http",
      "tcp://127.0.0.1:1e3",
      "tcp://::1:5555",
      "tcp://[::1:5555",
      "tcp://[::1]x:5555",
      "tcp://[127.0.0.1]:5555",
    ];
    for (const url of invalid) {
      it(`rejects ${url} with EADDRINVAL`, () => {
        throws(() => parseUrl(url), "EADDRINVAL");
      });
    }
  });

  describe("ipc", () => {
    it("takes everything after the scheme literally as a path", () => {
      expect(parseUrl("ipc:///tmp/a.sock")).to.include({ transport: "ipc", host: "/tmp/a.sock", port: null });
      expect(parseUrl("ipc://a.sock")).to.include({ transport: "ipc", host: "a.sock" });
      expect(parseUrl("unix:///tmp/b.sock")).to.include({ transport: "ipc", host: "/tmp/b.sock", scheme: "unix" });
      // No host, query or port is parsed: these characters are part of the path.
      expect(parseUrl("ipc:///tmp/x?y:1#z")).to.include({ host: "/tmp/x?y:1#z" });
    });

    it("accepts a path of 107 bytes (fits sun_path) and rejects 108", () => {
      const p107 = "/" + "a".repeat(106);
      expect(parseUrl(`ipc://${p107}`).host).to.equal(p107);
      throws(() => parseUrl(`ipc:///${"a".repeat(107)}`), "EADDRINVAL");
      throws(() => parseUrl(`ipc:///${"a".repeat(300)}`), "EADDRINVAL");
    });

    it("counts bytes, not characters", () => {
      // 53 two-byte characters = 106 bytes + "/" = 107 bytes: fits; one more does not.
      expect(() => parseUrl(`ipc:///${"é".repeat(53)}`)).to.not.throw();
      throws(() => parseUrl(`ipc:///${"é".repeat(54)}`), "EADDRINVAL");
    });

    it("rejects an empty path and an embedded NUL", () => {
      throws(() => parseUrl("ipc://"), "EADDRINVAL");
      throws(() => parseUrl("ipc:///tmp/a\0b"), "EADDRINVAL");
    });
  });

  describe("inproc", () => {
    it("takes the name literally", () => {
      expect(parseUrl("inproc://a/b?c:d")).to.include({ transport: "inproc", host: "a/b?c:d" });
    });
    it("rejects an empty name", () => {
      throws(() => parseUrl("inproc://"), "EADDRINVAL");
    });
  });

  describe("schemes and malformed input", () => {
    for (const url of ["foo://x", "http://127.0.0.1:80", "udp://127.0.0.1:1", "socket://3", "abstract://x", "zt://x"]) {
      it(`${url} → ENOTSUP`, () => {
        throws(() => parseUrl(url), "ENOTSUP");
      });
    }
    for (const url of ["", "tcp", "127.0.0.1:5555", "://x", "tcp:/127.0.0.1:1"]) {
      it(`${JSON.stringify(url)} → EADDRINVAL`, () => {
        throws(() => parseUrl(url), "EADDRINVAL");
      });
    }
    it("a non-string → EADDRINVAL", () => {
      throws(() => parseUrl(42), "EADDRINVAL");
      throws(() => parseUrl(undefined), "EADDRINVAL");
    });
  });

  describe("formatTcpUrl", () => {
    it("brackets IPv6 hosts and leaves the wildcard host empty", () => {
      expect(formatTcpUrl("tcp", "127.0.0.1", 5)).to.equal("tcp://127.0.0.1:5");
      expect(formatTcpUrl("tcp6", "::1", 6)).to.equal("tcp6://[::1]:6");
      expect(formatTcpUrl("tcp", "", 7)).to.equal("tcp://:7");
    });
  });
});
