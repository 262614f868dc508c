// ncurl(): the one-shot HTTP client against a real node:http server on 127.0.0.1:0
// (nanonext reference §2.11, §5.3): methods, data, headers both ways, response
// header selection, convert, redirects, timeouts and the error vocabulary.
import net, { type AddressInfo } from "node:net";
import { expect } from "chai";
import { ncurl } from "../../src/http/client.js";
import { rejects } from "../helpers/nng-expect.js";
import { BINARY, freePort, startServer, type TestServer } from "./ncurl-server.js";

describe("ncurl", function () {
  this.timeout(10_000);
  let srv: TestServer;

  before(async () => {
    srv = await startServer();
  });
  after(() => srv.close());
  beforeEach(() => {
    srv.seen.length = 0;
  });

  describe("requests", () => {
    it("GET returns status, null headers and the body as a string", async () => {
      const res = await ncurl(`${srv.base}/text`);
      expect(res).to.deep.equal({ status: 200, headers: null, data: "héllo wörld" });
      expect(srv.seen[0]!.method).to.equal("GET");
      expect(srv.seen[0]!.url).to.equal("/text");
    });

    it("keeps the query string and sends no body on GET", async () => {
      await ncurl(`${srv.base}/echo?a=1&b=%20x#frag`);
      expect(srv.seen[0]!.url).to.equal("/echo?a=1&b=%20x");
      expect(srv.seen[0]!.body.length).to.equal(0);
    });

    it("POSTs a string as UTF-8 with a content-length, and request headers reach the server", async () => {
      const res = await ncurl(`${srv.base}/echo`, { method: "POST", data: "né data", headers: { "Content-Type": "text/plain", "X-Custom": "yes" } });
      expect(res.status).to.equal(200);
      expect(res.data).to.equal("né data");
      const seen = srv.seen[0]!;
      expect(seen.method).to.equal("POST");
      expect(seen.body.toString("utf8")).to.equal("né data");
      expect(seen.headers["content-length"]).to.equal(String(Buffer.byteLength("né data")));
      expect(seen.headers["content-type"]).to.equal("text/plain");
      expect(seen.headers["x-custom"]).to.equal("yes");
      expect(seen.headers.host).to.equal(`127.0.0.1:${srv.port}`);
    });

    it("POSTs bytes exactly (NULs included) and gets them back with convert: false", async () => {
      const view = new Uint8Array(BINARY.buffer.slice(0), BINARY.byteOffset, BINARY.byteLength);
      const res = await ncurl(`${srv.base}/echo`, { method: "PUT", data: view, convert: false });
      expect(Buffer.isBuffer(res.data)).to.equal(true);
      expect(Buffer.compare(res.data as Buffer, BINARY)).to.equal(0);
      expect(Buffer.compare(srv.seen[0]!.body, BINARY)).to.equal(0);
    });

    it("sends a subarray's bytes only", async () => {
      const big = new Uint8Array([9, 9, 1, 2, 3, 9]);
      await ncurl(`${srv.base}/echo`, { method: "POST", data: big.subarray(2, 5) });
      expect([...srv.seen[0]!.body]).to.deep.equal([1, 2, 3]);
    });

    it("sends any method: PUT, DELETE, PATCH, OPTIONS, HEAD", async () => {
      for (const method of ["PUT", "DELETE", "PATCH", "OPTIONS"]) {
        const res = await ncurl(`${srv.base}/echo`, { method, data: method });
        expect(res.data).to.equal(method);
      }
      const head = await ncurl(`${srv.base}/text`, { method: "HEAD" });
      expect(head).to.deep.equal({ status: 200, headers: null, data: "" });
      expect(srv.seen.map((s) => s.method)).to.deep.equal(["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]);
    });

    it("reads chunked responses and non-2xx statuses", async () => {
      expect((await ncurl(`${srv.base}/chunked`)).data).to.equal("part1,part2");
      expect(await ncurl(`${srv.base}/status/503`)).to.deep.equal({ status: 503, headers: null, data: "status body" });
      expect((await ncurl(`${srv.base}/nowhere`)).status).to.equal(404);
    });
  });

  describe("response headers", () => {
    it("response: true returns every header with lower-case keys; repeated ones joined", async () => {
      const { headers } = await ncurl(`${srv.base}/headers`, { response: true });
      expect(headers).to.include({ "x-one": "1", "x-two": "two", "content-type": "text/plain", "set-cookie": "a=1, b=2" });
    });

    it("response: names returns those found, case-insensitively, keyed as asked; missing ones are absent", async () => {
      const { headers } = await ncurl(`${srv.base}/headers`, { response: ["X-ONE", "content-TYPE", "X-Missing"] });
      expect(headers).to.deep.equal({ "X-ONE": "1", "content-TYPE": "text/plain" });
    });

    it("without response: null, but a 3xx reports location (also next to asked names)", async () => {
      expect((await ncurl(`${srv.base}/headers`)).headers).to.equal(null);
      expect(await ncurl(`${srv.base}/redirect/2`)).to.deep.equal({ status: 302, headers: { location: "/redirect/1" }, data: "" });
      expect((await ncurl(`${srv.base}/redirect/2`, { response: ["X-Hop"] })).headers).to.deep.equal({ "X-Hop": "2", location: "/redirect/1" });
      expect((await ncurl(`${srv.base}/redirect/2`, { response: ["Location"] })).headers).to.deep.equal({ Location: "/redirect/1" });
      expect((await ncurl(`${srv.base}/no-location`)).headers).to.deep.equal({});
    });
  });

  describe("convert", () => {
    it("binary bodies: exact bytes with convert: false", async () => {
      const res = await ncurl(`${srv.base}/binary`, { convert: false });
      expect(Buffer.compare(res.data as Buffer, BINARY)).to.equal(0);
    });

    it("convert: true returns bytes when a NUL is embedded or the text is not UTF-8", async () => {
      const nul = await ncurl(`${srv.base}/binary`);
      expect(Buffer.isBuffer(nul.data)).to.equal(true);
      expect(Buffer.compare(nul.data as Buffer, BINARY)).to.equal(0);
      const bad = await ncurl(`${srv.base}/bad-utf8`);
      expect([...(bad.data as Buffer)]).to.deep.equal([0x61, 0xc3, 0x28]);
    });

    it("convert: true drops a single trailing NUL, as nanonext", async () => {
      expect((await ncurl(`${srv.base}/nul-end`)).data).to.equal("abc");
      expect([...((await ncurl(`${srv.base}/nul-end`, { convert: false })).data as Buffer)]).to.deep.equal([97, 98, 99, 0]);
    });
  });

  describe("redirects", () => {
    it("are not followed by default", async () => {
      const res = await ncurl(`${srv.base}/redirect/1`);
      expect(res.status).to.equal(302);
      expect(srv.seen).to.have.length(1);
    });

    it("followRedirects: true follows them, re-sending method and data", async () => {
      const res = await ncurl(`${srv.base}/redirect/3`, { followRedirects: true, method: "POST", data: "payload" });
      expect(res).to.deep.equal({ status: 200, headers: null, data: "done POST payload" });
      expect(srv.seen.map((s) => s.url)).to.deep.equal(["/redirect/3", "/redirect/2", "/redirect/1", "/redirect/0"]);
    });

    it("resolves a relative Location against the current URL, and an absolute one as is", async () => {
      expect((await ncurl(`${srv.base}/relative`, { followRedirects: true })).data).to.equal("done GET ");
      const to = encodeURIComponent(`${srv.base}/text`);
      expect((await ncurl(`${srv.base}/elsewhere?to=${to}`, { followRedirects: 1 })).data).to.equal("héllo wörld");
    });

    it("a 3xx without Location is returned as it is", async () => {
      expect(await ncurl(`${srv.base}/no-location`, { followRedirects: true })).to.deep.equal({ status: 302, headers: {}, data: "nowhere" });
    });

    it("a number bounds the hops: one more rejects with EPROTO", async () => {
      expect((await ncurl(`${srv.base}/redirect/3`, { followRedirects: 3 })).status).to.equal(200);
      const err = await rejects(ncurl(`${srv.base}/redirect/3`, { followRedirects: 2 }), "EPROTO");
      expect(err.message).to.match(/too many redirects/);
      await rejects(ncurl(`${srv.base}/redirect/1`, { followRedirects: 0 }), "EPROTO");
    });

    it("a redirect loop rejects with EPROTO after 10 hops", async () => {
      await rejects(ncurl(`${srv.base}/loop`, { followRedirects: true }), "EPROTO");
      expect(srv.seen).to.have.length(11);
    });

    it("a Location with another scheme rejects with EADDRINVAL", async () => {
      await rejects(ncurl(`${srv.base}/elsewhere?to=${encodeURIComponent("ftp://127.0.0.1/x")}`, { followRedirects: true }), "EADDRINVAL");
    });
  });

  describe("errors", () => {
    it("timeout → ETIMEDOUT when the server never answers; timeout 0 at once", async () => {
      const err = await rejects(ncurl(`${srv.base}/hang`, { timeout: 200 }), "ETIMEDOUT");
      expect(err.errno).to.equal(5);
      await rejects(ncurl(`${srv.base}/text`, { timeout: 0 }), "ETIMEDOUT");
      // A negative timeout means no limit.
      expect((await ncurl(`${srv.base}/text`, { timeout: -1 })).status).to.equal(200);
    });

    it("a refused connection → ECONNREFUSED", async () => {
      const port = await freePort();
      await rejects(ncurl(`http://127.0.0.1:${port}/`), "ECONNREFUSED");
    });

    it("bad URLs and other schemes → EADDRINVAL; a non-string URL → EBADTYPE", async () => {
      for (const url of ["not a url", "ftp://127.0.0.1/x", "http://", "ws://127.0.0.1:1/", "tcp://127.0.0.1:5555"]) {
        await rejects(ncurl(url), "EADDRINVAL");
      }
      await rejects(ncurl(42 as unknown as string), "EBADTYPE");
    });

    it("an unknown host → EADDRINVAL", async () => {
      await rejects(ncurl("http://nonexistent.invalid/", { timeout: 8000 }), "EADDRINVAL");
    });

    it("bad options → EBADTYPE / EINVAL, before anything is sent", async () => {
      const u = `${srv.base}/echo`;
      await rejects(ncurl(u, { data: 5 as unknown as string }), "EBADTYPE");
      await rejects(ncurl(u, { headers: { a: 1 as unknown as string } }), "EBADTYPE");
      await rejects(ncurl(u, { headers: ["x"] as unknown as Record<string, string> }), "EBADTYPE");
      await rejects(ncurl(u, { response: "all" as unknown as true }), "EBADTYPE");
      await rejects(ncurl(u, { tls: {} as never }), "EBADTYPE");
      await rejects(ncurl(u, { timeout: "5" as unknown as number }), "EBADTYPE");
      await rejects(ncurl(u, { convert: 1 as unknown as boolean }), "EBADTYPE");
      await rejects(ncurl(u, { followRedirects: -1 }), "EINVAL");
      await rejects(ncurl(u, { followRedirects: 1.5 }), "EINVAL");
      await rejects(ncurl(u, { method: "" }), "EINVAL");
      await rejects(ncurl(u, { method: "BAD METHOD" }), "EINVAL");
      await rejects(ncurl(u, { headers: { "bad name": "x" } }), "EINVAL");
      await rejects(ncurl(u, { headers: { ok: "line\r\nbreak" } }), "EINVAL");
      expect(srv.seen).to.have.length(0);
    });

    it("an AbortSignal → ECANCELED, also when aborted before the call", async () => {
      const ac = new AbortController();
      const p = ncurl(`${srv.base}/hang`, { signal: ac.signal });
      setTimeout(() => ac.abort(), 50);
      await rejects(p, "ECANCELED");
      await rejects(ncurl(`${srv.base}/text`, { signal: AbortSignal.abort() }), "ECANCELED");
    });

    /** A raw TCP server answering every request with `reply`, then closing. */
    async function rawServer(reply: string): Promise<{ url: string; close(): Promise<void> }> {
      const srv = net.createServer((s) => s.once("data", () => s.end(reply)));
      await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
      return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/`, close: () => new Promise<void>((r) => srv.close(() => r())) };
    }

    it("a connection closed mid-body → ECONNSHUT; closed before any response → ECONNRESET", async () => {
      const cut = await rawServer("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nshort");
      const mute = await rawServer("");
      try {
        await rejects(ncurl(cut.url, { timeout: 5000 }), "ECONNSHUT");
        await rejects(ncurl(mute.url, { timeout: 5000 }), "ECONNRESET");
      } finally {
        await Promise.all([cut.close(), mute.close()]);
      }
    });

    it("a malformed response → EPROTO", async () => {
      const junk = await rawServer("NOT HTTP AT ALL\r\n\r\n");
      try {
        await rejects(ncurl(junk.url, { timeout: 5000 }), "EPROTO");
      } finally {
        await junk.close();
      }
    });
  });
});
