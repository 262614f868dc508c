// httpServer(): dynamic, streaming and static routes, method/prefix matching,
// error statuses (404/405/400/431/500) and the server's life cycle.
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { isNngError } from "../../src/core/errors.js";
import {
  handler,
  handlerDirectory,
  handlerFile,
  handlerInline,
  handlerRedirect,
  handlerStream,
  handlerWs,
  type Handler,
  type HttpRequest,
} from "../../src/http/handlers.js";
import { type HttpServer, httpServer } from "../../src/http/server.js";
import type { StreamConnection } from "../../src/http/server-stream.js";
import { formatSse } from "../../src/http/sse.js";
import { mimeType } from "../../src/http/mime.js";

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/** One request on a fresh connection (no keep-alive pool left behind). */
function request(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? "GET", headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode!, headers: res.headers, body, text: body.toString() });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** Raw bytes in, the whole response (until the server closes) out. */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, "127.0.0.1");
    let out = "";
    c.on("data", (d: Buffer) => (out += d.toString("latin1")));
    c.on("error", reject);
    c.on("close", () => resolve(out));
    c.write(text);
  });
}

async function expectCode(fn: () => unknown, code: string): Promise<void> {
  try {
    await fn();
  } catch (err) {
    expect(isNngError(err), String(err)).to.equal(true);
    expect((err as { code: string }).code).to.equal(code);
    return;
  }
  expect.fail(`expected ${code}`);
}

describe("httpServer", function () {
  this.timeout(15_000);
  const servers: HttpServer[] = [];

  async function serve(handlers: Handler | Handler[]): Promise<HttpServer> {
    const srv = httpServer("http://127.0.0.1:0", handlers);
    servers.push(srv);
    await srv.start();
    return srv;
  }

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  describe("life cycle", () => {
    it("start() binds port 0 and reports the real port; twice does nothing", async () => {
      const srv = httpServer("http://127.0.0.1:0", handler("/", () => ({ body: "root" })));
      servers.push(srv);
      expect(srv.url).to.equal("http://127.0.0.1:0");
      expect(srv.listening).to.equal(false);
      await srv.start();
      expect(srv.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(srv.url).not.to.equal("http://127.0.0.1:0");
      const url = srv.url;
      await srv.start();
      expect(srv.url).to.equal(url);
      expect(srv.listening).to.equal(true);
      expect((await request(`${url}/`)).text).to.equal("root");
    });

    it("close() is idempotent, frees the port; start() afterwards is ECLOSED", async () => {
      const srv = await serve(handler("/", () => ({ body: "x" })));
      const port = Number(new URL(srv.url).port);
      await Promise.all([srv.close(), srv.close()]);
      await srv.close();
      expect(srv.listening).to.equal(false);
      await expectCode(() => srv.start(), "ECLOSED");
      // The port is free again.
      const again = httpServer(`http://127.0.0.1:${port}`, handler("/", () => ({ body: "y" })));
      servers.push(again);
      await again.start();
      expect((await request(`${again.url}/`)).text).to.equal("y");
    });

    it("await using closes it", async () => {
      let url: string;
      {
        await using srv = httpServer("http://127.0.0.1:0", handler("/", () => ({ body: "x" })));
        await srv.start();
        url = srv.url;
      }
      try {
        await request(`${url}/`);
        expect.fail("still serving");
      } catch (err) {
        expect((err as NodeJS.ErrnoException).code).to.equal("ECONNREFUSED");
      }
    });

    it("IPv6: http://[::1]:0 reports a bracketed URL", async function () {
      const probe = net.createServer();
      const ok = await new Promise<boolean>((resolve) => {
        probe.once("error", () => resolve(false));
        probe.listen(0, "::1", () => probe.close(() => resolve(true)));
      });
      if (!ok) this.skip();
      const srv = httpServer("http://[::1]:0", handler("/", () => ({ body: "v6" })));
      servers.push(srv);
      await srv.start();
      expect(srv.url).to.match(/^http:\/\/\[::1\]:\d+$/);
      expect((await request(`${srv.url}/`)).text).to.equal("v6");
    });

    it("bad URLs are EADDRINVAL, https without a certificate EINVAL, at once", async () => {
      for (const u of ["tcp://127.0.0.1:0", "127.0.0.1:80", "http://127.0.0.1:99999", "http://127.0.0.1:0/path", "http://[::1:0"]) {
        await expectCode(() => httpServer(u, []), "EADDRINVAL");
      }
      await expectCode(() => httpServer(42 as unknown as string, []), "EADDRINVAL");
      await expectCode(() => httpServer("https://127.0.0.1:0", []), "EINVAL");
    });

    it("a port in use is EADDRINUSE, and start() may be retried", async () => {
      const blocker = net.createServer();
      await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
      const port = (blocker.address() as net.AddressInfo).port;
      const srv = httpServer(`http://127.0.0.1:${port}`, handler("/", () => ({ body: "late" })));
      servers.push(srv);
      await expectCode(() => srv.start(), "EADDRINUSE");
      await new Promise((r) => blocker.close(r));
      await srv.start();
      expect((await request(`${srv.url}/`)).text).to.equal("late");
    });

    it("two HTTP servers on one address: EADDRINUSE", async () => {
      const a = await serve(handler("/", () => ({ body: "a" })));
      const b = httpServer(a.url, handler("/", () => ({ body: "b" })));
      servers.push(b);
      await expectCode(() => b.start(), "EADDRINUSE");
      expect((await request(`${a.url}/`)).text).to.equal("a");
    });

    it("bad handlers are EINVAL; two for one path and method EADDRINUSE", async () => {
      await expectCode(() => httpServer("http://127.0.0.1:0", [{ type: "nope" } as unknown as Handler]), "EINVAL");
      await expectCode(() => httpServer("http://127.0.0.1:0", [handler("/a", () => undefined), handler("/a", () => undefined)]), "EADDRINUSE");
      await expectCode(() => handler("no-slash", () => undefined), "EINVAL");
      await expectCode(() => handler("/a", "fn" as unknown as () => undefined), "EINVAL");
      await expectCode(() => handler("/a", () => undefined, { method: "BAD METHOD" }), "EINVAL");
      await expectCode(() => handlerRedirect("/a", "/b", { status: 200 as 301 }), "EINVAL");
      // Different methods on one path are fine.
      httpServer("http://127.0.0.1:0", [handler("/a", () => undefined), handler("/a", () => undefined, { method: "POST" })]);
    });
  });

  describe("handler()", () => {
    it("passes method, uri, path, query, lower-case headers and body", async () => {
      let seen: HttpRequest | undefined;
      const srv = await serve(handler("/api/items", (req) => void (seen = req), { method: "POST" }));
      const r = await request(`${srv.url}/api/items?page=2&x=%20`, { method: "POST", headers: { "X-Custom": "Yes" }, body: "payload" });
      expect(r.status).to.equal(200);
      expect(seen!.method).to.equal("POST");
      expect(seen!.uri).to.equal("/api/items?page=2&x=%20");
      expect(seen!.path).to.equal("/api/items");
      expect(seen!.query).to.equal("page=2&x=%20");
      expect(seen!.headers["x-custom"]).to.equal("Yes");
      expect(Buffer.isBuffer(seen!.body)).to.equal(true);
      expect(seen!.body.toString()).to.equal("payload");
    });

    it("string bodies get text/plain unless set; bytes go as they are; status and headers apply", async () => {
      const srv = await serve([
        handler("/text", () => ({ body: "héllo" })),
        handler("/json", () => ({ status: 201, headers: { "Content-Type": "application/json", "X-A": "1" }, body: '{"a":1}' })),
        handler("/bytes", () => ({ body: new Uint8Array([0, 1, 2, 255]) })),
        handler("/none", () => undefined),
        handler("/badstatus", () => ({ status: 42.5, body: "ok" })),
        handler("/nocontent", () => ({ status: 204, body: "dropped" })),
      ]);
      const nc = await request(`${srv.url}/nocontent`);
      expect([nc.status, nc.body.length, nc.headers["content-length"]]).to.deep.equal([204, 0, undefined]);
      const t = await request(`${srv.url}/text`);
      expect([t.status, t.headers["content-type"], t.text]).to.deep.equal([200, "text/plain; charset=utf-8", "héllo"]);
      const j = await request(`${srv.url}/json`);
      expect([j.status, j.headers["content-type"], j.headers["x-a"], j.text]).to.deep.equal([201, "application/json", "1", '{"a":1}']);
      const b = await request(`${srv.url}/bytes`);
      expect([...b.body]).to.deep.equal([0, 1, 2, 255]);
      expect(b.headers["content-type"]).to.equal(undefined);
      const n = await request(`${srv.url}/none`);
      expect([n.status, n.body.length]).to.deep.equal([200, 0]);
      expect((await request(`${srv.url}/badstatus`)).status).to.equal(200);
    });

    it("async handlers; a throwing, rejecting or malformed handler is a 500 and serving goes on", async () => {
      const srv = await serve([
        handler("/async", async () => ({ body: await Promise.resolve("later") })),
        handler("/throw", () => {
          throw new Error("boom");
        }),
        handler("/reject", () => Promise.reject(new Error("boom"))),
        handler("/bad", () => 42 as never),
        handler("/badbody", () => ({ body: 42 as never })),
        handler("/badheader", () => ({ headers: { "X-Bad": "a\r\nb" }, body: "x" })),
      ]);
      for (const p of ["/throw", "/reject", "/bad", "/badbody", "/badheader"]) {
        const r = await request(`${srv.url}${p}`);
        expect(r.status, p).to.equal(500);
        expect(r.headers["x-bad"]).to.equal(undefined);
      }
      expect((await request(`${srv.url}/async`)).text).to.equal("later");
    });

    it("methods: GET default (HEAD too), others 405 with Allow; '*' matches any", async () => {
      const srv = await serve([
        handler("/get", () => ({ body: "got" })),
        handler("/post", (req) => ({ body: req.body }), { method: "post" }),
        handler("/any", (req) => ({ body: req.method }), { method: "*" }),
      ]);
      expect((await request(`${srv.url}/get`)).text).to.equal("got");
      const head = await request(`${srv.url}/get`, { method: "HEAD" });
      expect([head.status, head.body.length, head.headers["content-length"]]).to.deep.equal([200, 0, "3"]);
      const wrong = await request(`${srv.url}/get`, { method: "DELETE" });
      expect(wrong.status).to.equal(405);
      expect(wrong.headers["allow"]).to.equal("GET, HEAD");
      expect((await request(`${srv.url}/post`, { method: "POST", body: "echo" })).text).to.equal("echo");
      expect((await request(`${srv.url}/post`)).status).to.equal(405);
      for (const m of ["GET", "PUT", "PATCH", "DELETE"]) expect((await request(`${srv.url}/any`, { method: m })).text).to.equal(m);
    });

    it("paths: exact (trailing slash ignored), prefix subtrees, the most specific wins, unknown is 404", async () => {
      const srv = await serve([
        handler("/api", () => ({ body: "api-tree" }), { prefix: true }),
        handler("/api/special", () => ({ body: "special" })),
        handler("/exact", () => ({ body: "exact" })),
        handler("/", () => ({ body: "root" })),
      ]);
      const body = async (p: string) => {
        const r = await request(`${srv.url}${p}`);
        return r.status === 200 ? r.text : r.status;
      };
      expect(await body("/api")).to.equal("api-tree");
      expect(await body("/api/")).to.equal("api-tree");
      expect(await body("/api/x/y?z=1")).to.equal("api-tree");
      expect(await body("/api/special")).to.equal("special");
      expect(await body("/api/special/more")).to.equal("api-tree");
      expect(await body("/apix")).to.equal(404);
      expect(await body("/exact")).to.equal("exact");
      expect(await body("/exact/")).to.equal("exact");
      expect(await body("/exact/sub")).to.equal(404);
      expect(await body("/")).to.equal("root");
      expect(await body("/nothing")).to.equal(404);
    });

    it("a malformed request is 400, an oversized head 431; the server goes on", async () => {
      const srv = await serve(handler("/", () => ({ body: "fine" })));
      const port = Number(new URL(srv.url).port);
      expect(await raw(port, "GARBAGE\r\n\r\n")).to.match(/^HTTP\/1\.1 400 /);
      expect(await raw(port, "GET / HTTP/1.1\r\nNo colon here\r\n\r\n")).to.match(/^HTTP\/1\.1 400 /);
      expect(await raw(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`)).to.match(/^HTTP\/1\.1 431 /);
      expect((await request(`${srv.url}/`)).text).to.equal("fine");
    });

    it("keep-alive: several requests on one connection", async () => {
      const srv = await serve([handler("/a", () => ({ body: "A" })), handler("/b", (req) => ({ body: req.body }), { method: "POST" })]);
      const port = Number(new URL(srv.url).port);
      const out = await raw(port, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyzGET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      expect(out.match(/HTTP\/1\.1 200 OK/g)).to.have.length(3);
      expect(out).to.include("\r\n\r\nxyz");
    });
  });

  describe("static handlers", () => {
    let dir: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "nn-http-static-"));
      fs.mkdirSync(path.join(dir, "www", "css"), { recursive: true });
      fs.writeFileSync(path.join(dir, "www", "index.html"), "<h1>index</h1>");
      fs.writeFileSync(path.join(dir, "www", "css", "site.css"), "body{}");
      fs.writeFileSync(path.join(dir, "www", "app.mjs"), "export {}");
      fs.writeFileSync(path.join(dir, "secret.txt"), "top secret");
      fs.writeFileSync(path.join(dir, "logo.svg"), "<svg/>");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("mimeType by extension", () => {
      expect(mimeType("a.html")).to.equal("text/html; charset=utf-8");
      expect(mimeType("a.JSON")).to.equal("application/json");
      expect(mimeType("a.wasm")).to.equal("application/wasm");
      expect(mimeType("a.woff2")).to.equal("font/woff2");
      expect(mimeType("a.png")).to.equal("image/png");
      expect(mimeType("noext")).to.equal("application/octet-stream");
      expect(mimeType("a.toString")).to.equal("application/octet-stream");
    });

    it("handlerFile serves one file with its type; a missing file is 404", async () => {
      const srv = await serve([handlerFile("/logo.svg", path.join(dir, "logo.svg")), handlerFile("/gone", path.join(dir, "missing.txt"))]);
      const r = await request(`${srv.url}/logo.svg`);
      expect([r.status, r.headers["content-type"], r.text]).to.deep.equal([200, "image/svg+xml", "<svg/>"]);
      const h = await request(`${srv.url}/logo.svg`, { method: "HEAD" });
      expect([h.status, h.headers["content-length"], h.body.length]).to.deep.equal([200, "6", 0]);
      expect((await request(`${srv.url}/gone`)).status).to.equal(404);
      expect((await request(`${srv.url}/logo.svg`, { method: "POST" })).status).to.equal(405);
    });

    it("handlerDirectory serves the tree and index.html, never anything outside", async () => {
      const srv = await serve(handlerDirectory("/static", path.join(dir, "www")));
      const port = Number(new URL(srv.url).port);
      const css = await request(`${srv.url}/static/css/site.css`);
      expect([css.status, css.headers["content-type"], css.text]).to.deep.equal([200, "text/css; charset=utf-8", "body{}"]);
      expect((await request(`${srv.url}/static/app.mjs`)).headers["content-type"]).to.equal("text/javascript; charset=utf-8");
      const index = await request(`${srv.url}/static/`);
      expect([index.status, index.headers["content-type"], index.text]).to.deep.equal([200, "text/html; charset=utf-8", "<h1>index</h1>"]);
      expect((await request(`${srv.url}/static/css/none.css`)).status).to.equal(404);
      expect((await request(`${srv.url}/static/css`)).status).to.equal(404); // a directory without index.html
      // Traversal attempts, sent raw (clients normalise "..").
      for (const p of ["/static/../secret.txt", "/static/%2e%2e/secret.txt", "/static/css/..%2f..%2fsecret.txt"]) {
        const out = await raw(port, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        expect(out, p).to.match(/^HTTP\/1\.1 403 /);
        expect(out).not.to.include("top secret");
      }
      expect(await raw(port, "GET /static/%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).to.match(/^HTTP\/1\.1 400 /);
    });

    it("handlerInline and handlerRedirect", async () => {
      const srv = await serve([
        handlerInline("/robots.txt", "User-agent: *", { contentType: "text/plain" }),
        handlerInline("/blob", new Uint8Array([9, 8, 7])),
        handlerRedirect("/old", "/new", { status: 301 }),
        handlerRedirect("/tmp", "https://example.com/", { prefix: true }),
      ]);
      const r = await request(`${srv.url}/robots.txt`);
      expect([r.headers["content-type"], r.text]).to.deep.equal(["text/plain", "User-agent: *"]);
      const b = await request(`${srv.url}/blob`);
      expect([b.headers["content-type"], [...b.body]]).to.deep.equal(["application/octet-stream", [9, 8, 7]]);
      const o = await request(`${srv.url}/old`);
      expect([o.status, o.headers["location"]]).to.deep.equal([301, "/new"]);
      const t = await request(`${srv.url}/tmp/a/b`);
      expect([t.status, t.headers["location"]]).to.deep.equal([302, "https://example.com/"]);
    });
  });

  describe("handlerStream() and formatSse()", () => {
    it("formatSse as nanonext's format_sse", async () => {
      expect(formatSse("Hello")).to.equal("data: Hello\n\n");
      expect(formatSse("Hello", { event: "greeting" })).to.equal("event: greeting\ndata: Hello\n\n");
      expect(formatSse("Line 1\nLine 2")).to.equal("data: Line 1\ndata: Line 2\n\n");
      expect(formatSse("x", { event: "e", id: 7, retry: 1500 })).to.equal("event: e\nid: 7\nretry: 1500\ndata: x\n\n");
      expect(formatSse("a\r\nb\rc")).to.equal("data: a\ndata: b\ndata: c\n\n");
      expect(formatSse("")).to.equal("data: \n\n");
      await expectCode(() => formatSse("x", { event: "a\nb" }), "EINVAL");
      await expectCode(() => formatSse("x", { retry: -1 }), "EINVAL");
      await expectCode(() => formatSse(5 as unknown as string), "EINVAL");
    });

    it("chunks arrive one by one as they are sent; close() ends the response", async () => {
      let conn!: StreamConnection;
      const srv = await serve(
        handlerStream("/events", (c, req) => {
          conn = c;
          expect(req.method).to.equal("GET");
          c.setStatus(201);
          c.setHeader("Content-Type", "text/event-stream");
          return c.send(formatSse("first", { id: 1 }));
        }),
      );
      // The client side: what arrived so far, and a way to wait for more.
      let text = "";
      let ended = false;
      let wake = () => {};
      const until = (pred: () => boolean) => new Promise<void>((resolve) => (pred() ? resolve() : (wake = () => pred() && resolve())));
      const res = await new Promise<http.IncomingMessage>((resolve, reject) => http.get(`${srv.url}/events`, { agent: false }, resolve).on("error", reject));
      res.on("data", (d: Buffer) => {
        text += d.toString();
        wake();
      });
      res.on("end", () => {
        ended = true;
        wake();
      });
      expect(res.statusCode).to.equal(201);
      expect(res.headers["content-type"]).to.equal("text/event-stream");
      expect(res.headers["transfer-encoding"]).to.equal("chunked");
      await until(() => text.length > 0);
      expect(text).to.equal("id: 1\ndata: first\n\n");
      expect(conn.headersSent).to.equal(true);
      await expectCode(() => conn.setHeader("X-Late", "1"), "ESTATE");
      await expectCode(() => conn.setStatus(500), "ESTATE");
      // The second chunk is only sent now, after the client has read the first.
      expect(await conn.send(formatSse("second"))).to.equal(0);
      await until(() => text.includes("second"));
      expect(ended).to.equal(false);
      conn.close();
      conn.close();
      await until(() => ended);
      expect(text).to.equal("id: 1\ndata: first\n\ndata: second\n\n");
      await expectCode(() => conn.send("late"), "ECLOSED");
    });

    it("onClose runs when the client goes away; send then rejects ECLOSED", async () => {
      let conn!: StreamConnection;
      let onOpen!: () => void;
      const opened = new Promise<void>((r) => (onOpen = r));
      let closedId = -1;
      let onClosed!: () => void;
      const closed = new Promise<void>((r) => (onClosed = r));
      const srv = await serve(
        handlerStream(
          "/feed",
          (c) => {
            conn = c;
            void c.send('{"hello":1}\n');
            onOpen();
          },
          {
            method: "POST",
            prefix: true,
            onClose: (c) => {
              closedId = c.id;
              onClosed();
            },
          },
        ),
      );
      const req = http.request(`${srv.url}/feed/sub`, { method: "POST", agent: false }, (res) => res.once("data", () => req.destroy()));
      req.on("error", () => undefined);
      req.end("body");
      await opened;
      await closed;
      expect(closedId).to.equal(conn.id);
      expect(conn.closed).to.equal(true);
      await expectCode(() => conn.send("x"), "ECLOSED");
      expect((await request(`${srv.url}/feed`)).status).to.equal(405);
    });

    it("close() before any send gives a complete empty response; a throwing onRequest a 500", async () => {
      const srv = await serve([
        handlerStream("/empty", (c) => {
          c.setStatus(204);
          c.close();
        }),
        handlerStream("/throw", () => {
          throw new Error("boom");
        }),
      ]);
      expect((await request(`${srv.url}/empty`)).status).to.equal(204);
      expect((await request(`${srv.url}/throw`)).status).to.equal(500);
    });

    it("server close() ends open streams and calls their onClose", async () => {
      let onOpen!: () => void;
      const opened = new Promise<void>((r) => (onOpen = r));
      const closedIds: number[] = [];
      const srv = await serve(
        handlerStream(
          "/s",
          (c) => {
            void c.send("hi\n");
            onOpen();
          },
          { onClose: (c) => closedIds.push(c.id) },
        ),
      );
      const ended = new Promise<string>((resolve) => {
        http.get(`${srv.url}/s`, { agent: false }, (res) => {
          let body = "";
          res.on("data", (d: Buffer) => (body += d.toString()));
          res.on("end", () => resolve(body));
          res.on("error", () => resolve(body));
        });
      });
      await opened;
      await srv.close();
      expect(closedIds).to.have.length(1);
      expect(await ended).to.equal("hi\n");
    });
  });

  it("a plain GET on a WebSocket path is 426", async () => {
    const srv = await serve(handlerWs("/ws", () => undefined));
    const r = await request(`${srv.url}/ws`);
    expect(r.status).to.equal(426);
    expect(r.headers["upgrade"]).to.equal("websocket");
  });
});
