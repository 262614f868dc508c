// httpServer's maxBody: a body over the cap gets 413 and its connection closed,
// by Content-Length up front or while reading a chunked body; the server keeps
// serving and keeps no connection behind.
import http from "node:http";
import net from "node:net";
import { expect } from "chai";
import { isNngError } from "../../src/core/errors.js";
import { ncurl } from "../../src/http/client.js";
import { handler, handlerStream, type Handler } from "../../src/http/handlers.js";
import { DEFAULT_MAX_BODY } from "../../src/http/server-body.js";
import { type HttpServer, httpServer, type HttpServerOptions } from "../../src/http/server.js";
import { tlsConfig, writeCert } from "../../src/index.js";
import { until } from "../helpers/peers.js";

const MAX = 1000;

/** The server's open client connections (the leak check). */
function openConnections(srv: HttpServer): number {
  return (srv as unknown as { sockets: Set<net.Socket> }).sockets.size;
}

function portOf(srv: HttpServer): number {
  return Number(new URL(srv.url).port);
}

interface RawResult {
  /** Everything the server sent, latin1. */
  text: string;
  /** The server ended the connection (the client never does first). */
  ended: boolean;
}

/**
 * Writes `head`, then `chunks` one by one as long as the connection is
 * writable, and reads until the connection is gone. The client never closes
 * first (allowHalfOpen), so `ended` says the server closed it.
 */
function raw(port: number, head: string, chunks: Buffer[] = []): Promise<RawResult> {
  return new Promise((resolve) => {
    const c = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    let text = "";
    let ended = false;
    c.on("data", (d: Buffer) => (text += d.toString("latin1")));
    c.on("end", () => {
      ended = true;
      c.end();
    });
    c.on("error", () => undefined); // a write racing the server's close
    c.on("close", () => resolve({ text, ended }));
    c.write(head);
    for (const chunk of chunks) if (c.writable) c.write(chunk);
  });
}

function chunk(size: number): Buffer {
  return Buffer.from(`${size.toString(16)}\r\n${"x".repeat(size)}\r\n`, "latin1");
}

function statusOf(text: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
}

/** A POST with a chunked body written piece by piece until the response comes; its status. */
function postChunked(url: string, total: number, piece = 256): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", agent: false, headers: { "Transfer-Encoding": "chunked" } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode!));
      res.on("error", () => resolve(res.statusCode!));
    });
    let responded = false;
    req.on("response", () => (responded = true));
    req.on("error", (err) => (responded ? undefined : reject(err)));
    let sent = 0;
    const pump = () => {
      while (!responded && sent < total) {
        const n = Math.min(piece, total - sent);
        sent += n;
        if (!req.write(Buffer.alloc(n, 0x61))) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

async function expectEinval(fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (err) {
    expect(isNngError(err), String(err)).to.equal(true);
    expect((err as { code: string }).code).to.equal("EINVAL");
    return;
  }
  expect.fail("expected EINVAL");
}

describe("httpServer maxBody", function () {
  this.timeout(20_000);
  const servers: HttpServer[] = [];
  let calls = 0;

  const echo = handler("/echo", (req) => {
    calls++;
    return { body: `got ${req.body.length}` };
  }, { method: "POST" });

  async function serve(opts: HttpServerOptions = { maxBody: MAX }, handlers: Handler[] = [echo]): Promise<HttpServer> {
    const srv = httpServer(opts.tls ? "https://127.0.0.1:0" : "http://127.0.0.1:0", handlers, opts);
    servers.push(srv);
    await srv.start();
    return srv;
  }

  beforeEach(() => {
    calls = 0;
  });

  afterEach(async () => {
    for (const srv of servers) await until(() => openConnections(srv) === 0, 10_000, "the server to close every connection");
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  describe("the option", () => {
    it("a negative, fractional, NaN or non-number maxBody is EINVAL at httpServer() time", async () => {
      for (const bad of [-1, 1.5, NaN, -Infinity, "1000", null, true]) {
        await expectEinval(() => httpServer("http://127.0.0.1:0", echo, { maxBody: bad as number }));
      }
      await expectEinval(() => httpServer("http://127.0.0.1:0", echo, null as unknown as HttpServerOptions));
    });

    it("0, a whole number and Infinity are accepted; the default is 16 MiB", async () => {
      for (const ok of [0, 1, 2 ** 40, Infinity, undefined]) httpServer("http://127.0.0.1:0", echo, { maxBody: ok });
      expect(DEFAULT_MAX_BODY).to.equal(16 * 1024 * 1024);
      const srv = await serve({});
      const over = await raw(portOf(srv), `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${DEFAULT_MAX_BODY + 1}\r\n\r\n`);
      expect(statusOf(over.text)).to.equal(413);
      const at = await ncurl(`${srv.url}/echo`, { method: "POST", data: Buffer.alloc(64 * 1024) });
      expect(at.data).to.equal(`got ${64 * 1024}`);
    });

    it("maxBody 0 takes empty bodies only", async () => {
      const srv = await serve({ maxBody: 0 });
      expect((await ncurl(`${srv.url}/echo`, { method: "POST", data: "" })).status).to.equal(200);
      expect((await ncurl(`${srv.url}/echo`, { method: "POST", data: "x" })).status).to.equal(413);
    });
  });

  describe("Content-Length", () => {
    it("over the cap: 413 with Connection: close before any body byte, then the server closes", async () => {
      const srv = await serve();
      const r = await raw(portOf(srv), `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${MAX + 1}\r\n\r\n`);
      expect(statusOf(r.text)).to.equal(413);
      expect(r.text).to.match(/\r\nconnection: close\r\n/i);
      expect(r.text).to.contain("Payload Too Large");
      expect(r.ended).to.equal(true);
      expect(calls).to.equal(0);
    });

    it("with Expect: 100-continue: 413 and no 100 Continue; under the cap it continues", async () => {
      const srv = await serve();
      const r = await raw(portOf(srv), `POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: ${MAX + 1}\r\n\r\n`);
      expect(statusOf(r.text)).to.equal(413);
      expect(r.text).not.to.contain("100 Continue");
      const ok = await new Promise<string>((resolve, reject) => {
        const c = net.connect(portOf(srv), "127.0.0.1");
        let text = "";
        c.on("error", reject);
        c.on("data", (d: Buffer) => {
          text += d.toString("latin1");
          if (text === "HTTP/1.1 100 Continue\r\n\r\n") c.write("abc");
          if (text.includes("got 3")) c.end();
        });
        c.on("close", () => resolve(text));
        c.write(`POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n`);
      });
      expect(ok).to.match(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    });

    it("exactly at the cap passes, one byte over does not (ncurl)", async () => {
      const srv = await serve();
      expect((await ncurl(`${srv.url}/echo`, { method: "POST", data: Buffer.alloc(MAX) })).data).to.equal(`got ${MAX}`);
      expect((await ncurl(`${srv.url}/echo`, { method: "POST", data: Buffer.alloc(MAX - 1) })).data).to.equal(`got ${MAX - 1}`);
      // The whole body is sent before the answer is read: the drain keeps the 413 from being reset away.
      expect((await ncurl(`${srv.url}/echo`, { method: "POST", data: Buffer.alloc(MAX + 1) })).status).to.equal(413);
      expect(calls).to.equal(2);
    });

    it("applies to every route, before routing (a refused body never reaches a 404)", async () => {
      const srv = await serve();
      const r = await raw(portOf(srv), `POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: ${MAX + 1}\r\n\r\n`);
      expect(statusOf(r.text)).to.equal(413);
    });
  });

  describe("chunked", () => {
    it("over the cap: reading stops, 413, the server closes", async () => {
      const srv = await serve();
      const r = await raw(portOf(srv), `POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`, [chunk(600), chunk(600), chunk(600)]);
      expect(statusOf(r.text)).to.equal(413);
      expect(r.text).to.match(/\r\nconnection: close\r\n/i);
      expect(r.ended).to.equal(true);
      expect(calls).to.equal(0);
    });

    it("exactly at the cap passes", async () => {
      const srv = await serve();
      const r = await raw(portOf(srv), `POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`, [
        chunk(MAX - 1),
        chunk(1),
        Buffer.from("0\r\n\r\n"),
      ]);
      expect(statusOf(r.text)).to.equal(200);
      expect(r.text).to.match(new RegExp(`got ${MAX}$`));
    });

    it("a client still streaming after the 413 reads it (node http client)", async () => {
      const srv = await serve();
      expect(await postChunked(`${srv.url}/echo`, 64 * MAX)).to.equal(413);
      expect(await postChunked(`${srv.url}/echo`, MAX)).to.equal(200);
    });

    it("handlerStream routes are capped too", async () => {
      let opened = 0;
      const stream = handlerStream("/up", (conn, req) => {
        opened++;
        return conn.send(`up ${req.body.length}`).then(() => conn.close());
      });
      const srv = await serve({ maxBody: MAX }, [stream]);
      expect(await postChunked(`${srv.url}/up`, 4 * MAX)).to.equal(413);
      expect(opened).to.equal(0);
      expect((await ncurl(`${srv.url}/up`, { method: "POST", data: Buffer.alloc(MAX) })).data).to.equal(`up ${MAX}`);
    });
  });

  describe("afterwards", () => {
    it("the server keeps serving, other keep-alive connections included", async () => {
      const srv = await serve();
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const get = (data: string) =>
        new Promise<string>((resolve, reject) => {
          const req = http.request(`${srv.url}/echo`, { method: "POST", agent }, (res) => {
            let t = "";
            res.on("data", (d: Buffer) => (t += d.toString()));
            res.on("end", () => resolve(t));
          });
          req.on("error", reject);
          req.end(data);
        });
      try {
        expect(await get("abc")).to.equal("got 3");
        for (let i = 0; i < 3; i++) {
          expect(statusOf((await raw(portOf(srv), `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${MAX * 10}\r\n\r\n`)).text)).to.equal(413);
          expect(await postChunked(`${srv.url}/echo`, 2 * MAX)).to.equal(413);
        }
        expect(await get("abcd")).to.equal("got 4"); // the same kept-alive connection
      } finally {
        agent.destroy();
      }
      expect((await ncurl(`${srv.url}/echo`, { method: "POST", data: "hello" })).data).to.equal("got 5");
    });

    it("a client that neither stops sending nor closes is cut off after the drain", async () => {
      const srv = await serve();
      const c = net.connect({ port: portOf(srv), host: "127.0.0.1", allowHalfOpen: true });
      let text = "";
      c.on("data", (d: Buffer) => (text += d.toString("latin1")));
      c.on("error", () => undefined);
      const closed = new Promise<void>((resolve) => c.on("close", () => resolve()));
      c.write(`POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`);
      const timer = setInterval(() => c.writable && c.write(chunk(500)), 20);
      try {
        await closed;
      } finally {
        clearInterval(timer);
      }
      expect(statusOf(text)).to.equal(413); // and the drain (LINGER_MS), not the client, ended it
      await until(() => openConnections(srv) === 0, 5_000, "no connection left");
    });

    it("close() during the drain ends it at once", async () => {
      const srv = await serve();
      const c = net.connect({ port: portOf(srv), host: "127.0.0.1", allowHalfOpen: true });
      c.on("error", () => undefined);
      const got413 = new Promise<void>((resolve) => c.on("data", (d: Buffer) => d.toString().startsWith("HTTP/1.1 413") && resolve()));
      c.write(`POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${MAX * 100}\r\n\r\n`);
      await got413;
      expect(openConnections(srv)).to.equal(1); // lingering: the client has not closed
      await srv.close();
      expect(openConnections(srv)).to.equal(0);
      c.destroy(); // half-open on purpose: it never closes by itself
    });

    it("https: the same 413 and close", async () => {
      const cert = await writeCert();
      const srv = await serve({ maxBody: MAX, tls: tlsConfig({ server: cert.server }) });
      const res = await ncurl(`${srv.url}/echo`, { method: "POST", data: Buffer.alloc(MAX + 1), tls: tlsConfig({ client: cert.client }) });
      expect(res.status).to.equal(413);
      const ok = await ncurl(`${srv.url}/echo`, { method: "POST", data: Buffer.alloc(MAX), tls: tlsConfig({ client: cert.client }) });
      expect(ok.data).to.equal(`got ${MAX}`);
    });
  });
});
