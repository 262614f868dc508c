// stream() over ws:// and wss://: a WebSocket client against the `ws`
// package's server (binary and text frames, extra upgrade headers, large
// messages), our listener against our dialer, refusals, and wss verified and
// unverified (a wss dial without tls verifies against Node's CAs, like our
// sockets; nanonext would not verify).
import type http from "node:http";
import https from "node:https";
import type tls from "node:tls";
import { expect } from "chai";
import WebSocket, { WebSocketServer } from "ws";
import { type CertPair, tlsConfig, writeCert } from "../../src/index.js";
import { recv$ } from "../../src/rx/index.js";
import { type Stream, stream } from "../../src/stream/stream.js";
import { rejects } from "../helpers/nng-expect.js";
import { listening, Opened, pattern } from "./peers.js";

const MiB = 1024 * 1024;

/** A `ws` server on 127.0.0.1:0 whose connections (and upgrade requests) arrive through `next()`. */
async function wsServer(opts: { server?: https.Server } = {}) {
  const wss = opts.server ? new WebSocketServer({ server: opts.server }) : new WebSocketServer({ host: "127.0.0.1", port: 0 });
  const waiting: ((c: [WebSocket, http.IncomingMessage]) => void)[] = [];
  const ready: [WebSocket, http.IncomingMessage][] = [];
  wss.on("connection", (ws, req) => {
    const w = waiting.shift();
    if (w) w([ws, req]);
    else ready.push([ws, req]);
  });
  const server = opts.server;
  if (server) await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  else await new Promise<void>((resolve) => (wss.address() ? resolve() : wss.once("listening", () => resolve())));
  const port = (server ? server.address() : wss.address()) as { port: number };
  return {
    port: port.port,
    next: (): Promise<[WebSocket, http.IncomingMessage]> => {
      const c = ready.shift();
      return c ? Promise.resolve(c) : new Promise((resolve) => waiting.push(resolve));
    },
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The next message a `ws` socket receives. */
function nextMessage(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => ws.once("message", (data: Buffer, isBinary: boolean) => resolve({ data, isBinary })));
}

describe("stream(): WebSocket (ws, wss)", function () {
  this.timeout(20_000);
  const opened = new Opened();
  const servers: { close(): Promise<void> }[] = [];
  let cert: CertPair;

  before(async () => {
    cert = await writeCert({ cn: "localhost" });
  });
  afterEach(async () => {
    await opened.closeAll();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function server(opts: { server?: https.Server } = {}) {
    const s = await wsServer(opts);
    servers.push(s);
    return s;
  }

  describe("client against a ws WebSocketServer", () => {
    it("binary messages both ways, one message per send and per recv", async () => {
      const srv = await server();
      const s = opened.stream(await stream({ dial: `ws://127.0.0.1:${srv.port}/feed` }));
      const [peer, req] = await srv.next();
      expect(req.url).to.equal("/feed");
      expect(req.headers["sec-websocket-protocol"]).to.equal(undefined);
      expect(s.mode).to.equal("dialer");
      expect(s.textframes).to.equal(false);
      const got = nextMessage(peer);
      await s.send(new Uint8Array([1, 2, 3]));
      const m = await got;
      expect(m.isBinary).to.equal(true);
      expect([...m.data]).to.deep.equal([1, 2, 3]);
      peer.send(Buffer.from("ab"), { binary: true });
      peer.send(Buffer.from("cd"), { binary: true });
      peer.send(Buffer.alloc(0), { binary: true });
      expect(await s.recv({ mode: "string" })).to.equal("ab");
      expect(await s.recv({ mode: "serial" })).to.equal("cd"); // serial reads as string on a stream
      expect((await s.recv()).length).to.equal(0); // an empty message is a message
      expect(s.opt("ws:request-uri")).to.equal("/feed");
      expect(s.opt("ws:response-headers")).to.match(/^Upgrade: websocket\r\n/im);
    });

    it("textframes: TEXT frames both ways", async () => {
      const srv = await server();
      const s = opened.stream(await stream({ dial: `ws://127.0.0.1:${srv.port}/`, textframes: true }));
      expect(s.textframes).to.equal(true);
      expect(s.opt("ws:send-text")).to.equal(true);
      const [peer] = await srv.next();
      const got = nextMessage(peer);
      await s.send("héllo");
      const m = await got;
      expect(m.isBinary).to.equal(false);
      expect(m.data.toString()).to.equal("héllo");
      peer.send("wörld");
      expect(await s.recv({ mode: "string" })).to.equal("wörld");
      peer.send(JSON.stringify({ a: 1 }));
      expect(await s.recv({ mode: "json" })).to.deep.equal({ a: 1 });
    });

    it("a text frame on a binary stream closes it with 1003 (as nng): ECLOSED", async () => {
      const srv = await server();
      const s = opened.stream(await stream({ dial: `ws://127.0.0.1:${srv.port}/` }));
      const [peer] = await srv.next();
      const code = new Promise<number>((resolve) => peer.once("close", (c: number) => resolve(c)));
      peer.send(Buffer.from("binary first"), { binary: true });
      peer.send("text");
      expect(await s.recv({ mode: "string" })).to.equal("binary first");
      await rejects(s.recv({ timeout: 5000 }), "ECLOSED");
      expect(await code).to.equal(1003);
    });

    it("headers are added to the upgrade request and reported by opt()", async () => {
      const srv = await server();
      const s = opened.stream(await stream({ dial: `ws://127.0.0.1:${srv.port}/x?y=1`, headers: { Authorization: "Bearer t0k3n", "X-Custom": "yes" } }));
      const [, req] = await srv.next();
      expect(req.headers.authorization).to.equal("Bearer t0k3n");
      expect(req.headers["x-custom"]).to.equal("yes");
      expect(req.url).to.equal("/x?y=1");
      const sent = s.opt("ws:request-headers") as string;
      expect(sent).to.include("Authorization: Bearer t0k3n\r\n");
      expect(sent).to.match(/^Host: 127\.0\.0\.1:\d+\r\n/im);
      expect(s.opt("ws:request-uri")).to.equal("/x?y=1");
    });

    it("large messages (8 MiB) both ways", async () => {
      const srv = await server();
      const s = opened.stream(await stream({ dial: `ws://127.0.0.1:${srv.port}/` }));
      const [peer] = await srv.next();
      const big = pattern(8 * MiB);
      const got = nextMessage(peer);
      await s.send(big);
      expect((await got).data.equals(Buffer.from(big))).to.equal(true);
      peer.send(Buffer.from(big).reverse(), { binary: true });
      const back = await s.recv({ timeout: 10_000 });
      expect(back.length).to.equal(big.length);
      expect(Buffer.from(back).equals(Buffer.from(big).reverse())).to.equal(true);
    });

    it("the peer closing: queued messages are still received, then ECLOSED; recv$ completes", async () => {
      const srv = await server();
      const s = opened.stream(await stream({ dial: `ws://127.0.0.1:${srv.port}/` }));
      const [peer] = await srv.next();
      const seen: string[] = [];
      const done = new Promise<void>((resolve, reject) => recv$(s, { mode: "string" }).subscribe({ next: (v) => seen.push(v as string), error: reject, complete: resolve }));
      peer.send(Buffer.from("one"), { binary: true });
      peer.send(Buffer.from("two"), { binary: true });
      peer.close(1000, "bye");
      await done;
      expect(seen).to.deep.equal(["one", "two"]);
      await rejects(s.recv(), "ECLOSED");
      await rejects(s.send("late"), "ECLOSED");
    });

    it("a refused upgrade: 404 → ECONNREFUSED, 401 → EPERM, other → EPROTO", async () => {
      const http = await import("node:http");
      for (const [status, code] of [[404, "ECONNREFUSED"], [401, "EPERM"], [500, "EPROTO"]] as const) {
        const srv = opened.server(http.createServer((_req, res) => res.writeHead(status).end()));
        srv.on("upgrade", (_req, sock) => sock.end(`HTTP/1.1 ${status} No\r\nContent-Length: 0\r\n\r\n`));
        await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", () => resolve()));
        const port = (srv.address() as { port: number }).port;
        await rejects(stream({ dial: `ws://127.0.0.1:${port}/` }), code);
      }
    });
  });

  describe("our listener and our dialer", () => {
    it("message boundaries both ways; the listener reports its bound URL and takes one client only", async () => {
      const { url, accepted } = await listening((onListening) => stream({ listen: "ws://127.0.0.1:0/chat", onListening }));
      expect(url).to.match(/^ws:\/\/127\.0\.0\.1:[1-9]\d*\/chat$/);
      // A wrong path is refused (404) and the listener keeps waiting.
      await rejects(stream({ dial: url.replace("/chat", "/other") }), "ECONNREFUSED");
      const client = opened.stream(await stream({ dial: url }));
      const srv = opened.stream(await accepted);
      expect(srv.mode).to.equal("listener");
      expect(srv.url).to.equal(url);
      expect(srv.opt("ws:request-uri")).to.equal("/chat");
      expect(srv.opt("ws:request-headers")).to.match(/^sec-websocket-key: /m);
      expect(srv.opt("ws:response-headers")).to.match(/^Sec-WebSocket-Accept: /m);
      for (const m of ["a", "bb", "ccc"]) await client.send(m);
      expect([await srv.recv({ mode: "string" }), await srv.recv({ mode: "string" }), await srv.recv({ mode: "string" })]).to.deep.equal(["a", "bb", "ccc"]);
      await srv.send(new Float64Array([1.5, -2]));
      expect([...(await client.recv({ mode: "float64" }))]).to.deep.equal([1.5, -2]);
      // The listening socket is closed now.
      await rejects(stream({ dial: url }), "ECONNREFUSED");
      // Closing one side ends the other (ECLOSED on ws).
      await client.close();
      await rejects(srv.recv({ timeout: 5000 }), "ECLOSED");
    });

    it("textframes on both sides", async () => {
      const { url, accepted } = await listening((onListening) => stream({ listen: "ws://127.0.0.1:0", textframes: true, onListening }));
      const client = opened.stream(await stream({ dial: url, textframes: true }));
      const srv = opened.stream(await accepted);
      expect(srv.textframes).to.equal(true);
      await client.send("über");
      expect(await srv.recv({ mode: "string" })).to.equal("über");
    });
  });

  describe("wss", () => {
    it("our wss listener with a writeCert() certificate: verified and unverified dials", async () => {
      for (const verify of [true, false]) {
        const { url, accepted } = await listening((onListening) => stream({ listen: "wss://127.0.0.1:0/s", tls: tlsConfig({ server: cert.server }), onListening }));
        const client = opened.stream(await stream({ dial: url, tls: verify ? tlsConfig({ client: cert.client[0] }) : tlsConfig({ auth: "none" }) }));
        const srv = opened.stream(await accepted);
        expect(client.opt("tls-verified")).to.equal(verify);
        expect(client.opt("tls-peer-cn")).to.equal("localhost");
        await client.send("secret");
        expect(await srv.recv({ mode: "string" })).to.equal("secret");
        await srv.send("reply");
        expect(await client.recv({ mode: "string" })).to.equal("reply");
      }
    });

    it("a wss dial against a `ws` server on https (SNI sent); a config that does not trust it is EPEERAUTH", async () => {
      const httpsServer = https.createServer({ cert: cert.server[0], key: cert.server[1] });
      const names: unknown[] = [];
      httpsServer.on("secureConnection", (sock: tls.TLSSocket) => names.push(sock.servername));
      const srv = await server({ server: httpsServer });
      const url = `wss://localhost:${srv.port}/`;
      await rejects(stream({ dial: url }), "EPEERAUTH"); // no tls: Node's CAs, which do not know it
      const s = opened.stream(await stream({ dial: url, tls: tlsConfig({ auth: "none" }) }));
      expect(names).to.not.be.empty;
      expect(names.every((n) => n === "localhost"), "SNI").to.equal(true);
      expect(s.opt("tls-verified")).to.equal(false);
      const [peer] = await srv.next();
      peer.send(Buffer.from("hi"), { binary: true });
      expect(await s.recv({ mode: "string" })).to.equal("hi");
      await rejects(stream({ dial: url, tls: tlsConfig() }), "EPEERAUTH"); // Node's CAs do not know it
      const verified = opened.stream(await stream({ dial: url, tls: tlsConfig({ client: cert.client[0] }) }));
      expect(verified.opt("tls-verified")).to.equal(true);
    });

    it("our wss listener keeps waiting after a client fails the TLS handshake", async () => {
      const { url, accepted } = await listening((onListening) => stream({ listen: "wss://127.0.0.1:0/", tls: tlsConfig({ server: cert.server }), onListening }));
      await rejects(stream({ dial: url, tls: tlsConfig() }), "EPEERAUTH"); // the client refuses the certificate
      const client = opened.stream(await stream({ dial: url, tls: tlsConfig({ client: cert.client[0] }) }));
      const srv = opened.stream(await accepted);
      await srv.send("made it");
      expect(await client.recv({ mode: "string" })).to.equal("made it");
    });

    it("a wss listener without a certificate is EINVAL", async () => {
      await rejects(stream({ listen: "wss://127.0.0.1:0/" }), "EINVAL");
    });
  });

  it("Stream is closed by `await using`", async () => {
    const srv = await server();
    let kept: Stream;
    {
      await using s = await stream({ dial: `ws://127.0.0.1:${srv.port}/` });
      kept = s;
      expect(s.state).to.equal("opened");
    }
    expect(kept.state).to.equal("closed");
    await rejects(kept.recv(), "ECLOSED");
  });
});
