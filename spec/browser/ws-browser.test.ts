// The platform-WebSocket transport (what the browser entry dials with), run in
// Node with the `ws` package's WHATWG-style client standing in for the
// browser's WebSocket, against a `ws` server we control.
import http from "node:http";
import type net from "node:net";
import { expect } from "chai";
import WebSocket, { WebSocketServer } from "ws";
import { isNngError, type NngError } from "../../src/index.js";
import type { Message } from "../../src/core/message.js";
import { parseUrl } from "../../src/core/url.js";
import { PROTO } from "../../src/protocol/ids.js";
import type { TransportPipe } from "../../src/transport/transport.js";
import { browserWsTransport } from "../../src/transport/ws-browser.js";

interface Server {
  port: number;
  wss: WebSocketServer;
  /** Upgrade requests seen: path and offered subprotocols. */
  seen: { path: string; protocols: string }[];
  close(): Promise<void>;
}

/** A ws server accepting `rep.sp.nanomsg.org` on any path but /missing (404). */
async function server(onConnection?: (ws: WebSocket) => void): Promise<Server> {
  const httpServer = http.createServer();
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (ps) => (ps.has("rep.sp.nanomsg.org") ? "rep.sp.nanomsg.org" : false) });
  const seen: Server["seen"] = [];
  const hung: net.Socket[] = [];
  httpServer.on("upgrade", (req, sock: net.Socket, head) => {
    seen.push({ path: req.url ?? "", protocols: String(req.headers["sec-websocket-protocol"]) });
    if (req.url === "/hang") {
      hung.push(sock); // never answers the upgrade
      return;
    }
    if (req.url === "/missing") {
      sock.end("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, sock, head, (ws) => onConnection?.(ws));
  });
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  return {
    port: (httpServer.address() as net.AddressInfo).port,
    wss,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        for (const h of hung) h.destroy();
        httpServer.closeAllConnections();
        httpServer.close(() => resolve());
      }),
  };
}

function dialer(url: string, recvSizeMax = 0) {
  return browserWsTransport.dialer({
    url: parseUrl(url),
    self: PROTO.req0.self,
    info: PROTO.req0,
    config: { recvSizeMax, tcpNoDelay: true, tcpKeepAlive: false, ipcPermissions: undefined },
  });
}

/** Starts a pipe and collects what it delivers. */
function collect(p: TransportPipe) {
  const got: Message[] = [];
  let resolveClosed!: (e: NngError | undefined) => void;
  const closed = new Promise<NngError | undefined>((r) => (resolveClosed = r));
  const waiters: (() => void)[] = [];
  p.start({
    message: (m) => {
      got.push(m);
      waiters.splice(0).forEach((w) => w());
    },
    drain: () => undefined,
    closed: (e) => resolveClosed(e),
  });
  return {
    got,
    closed,
    async count(n: number) {
      while (got.length < n) await new Promise<void>((r) => waiters.push(r));
    },
  };
}

describe("platform WebSocket transport (ws-browser.ts)", function () {
  this.timeout(10_000);
  const saved = (globalThis as { WebSocket?: unknown }).WebSocket;
  let srv: Server | undefined;
  const pipes: TransportPipe[] = [];

  before(() => {
    (globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;
  });
  after(() => {
    (globalThis as { WebSocket?: unknown }).WebSocket = saved;
  });
  afterEach(async () => {
    pipes.splice(0).forEach((p) => p.close());
    await srv?.close();
    srv = undefined;
  });

  async function connect(url: string, recvSizeMax = 0): Promise<TransportPipe> {
    const p = await dialer(url, recvSizeMax).connect(new AbortController().signal);
    pipes.push(p);
    return p;
  }

  it("asks for the peer's subprotocol on path / and sends one binary message per SP message", async () => {
    const received: Buffer[] = [];
    let serverSide!: WebSocket;
    let onConnection!: () => void;
    const connected = new Promise<void>((resolve) => (onConnection = resolve));
    srv = await server((ws) => {
      serverSide = ws;
      ws.on("message", (d: Buffer) => received.push(d));
      onConnection();
    });
    const p = await connect(`ws://127.0.0.1:${srv.port}`);
    await connected;
    expect(srv.seen).to.deep.equal([{ path: "/", protocols: "rep.sp.nanomsg.org" }]);
    expect(p.transport).to.equal("ws");
    expect(p.peer).to.equal(PROTO.rep0.self);
    expect(p.remoteAddress).to.equal(`127.0.0.1:${srv.port}`);
    const c = collect(p);

    expect(p.send(Uint8Array.of(0x80, 0, 0, 1), new TextEncoder().encode("ping"))).to.equal(true);
    while (received.length < 1) await new Promise((r) => setTimeout(r, 5));
    expect([...received[0]!]).to.deep.equal([0x80, 0, 0, 1, ...new TextEncoder().encode("ping")]);

    p.pause();
    serverSide.send(Buffer.from("one"));
    serverSide.send(Buffer.from("two"));
    await new Promise((r) => setTimeout(r, 50)); // a negative check: nothing may arrive while paused
    expect(c.got.length, "held while paused").to.equal(0);
    p.resume();
    await c.count(2);
    expect(c.got.map((m) => new TextDecoder().decode(m.body))).to.deep.equal(["one", "two"]);
    expect(c.got[0]!.body).to.be.instanceOf(Uint8Array);

    serverSide.close(1000);
    expect((await c.closed)?.code).to.equal("ECONNSHUT");
  });

  it("a text frame closes the pipe with EPROTO", async () => {
    srv = await server((ws) => ws.send("text"));
    const c = collect(await connect(`ws://127.0.0.1:${srv.port}/sp`));
    expect((await c.closed)?.code).to.equal("EPROTO");
  });

  it("a message over recv-size-max closes the pipe with EMSGSIZE", async () => {
    srv = await server((ws) => ws.send(Buffer.alloc(101)));
    const c = collect(await connect(`ws://127.0.0.1:${srv.port}/sp`, 100));
    expect((await c.closed)?.code).to.equal("EMSGSIZE");
    expect(c.got).to.deep.equal([]);
  });

  it("a refused upgrade (404) or a closed port is ECONNREFUSED; an aborted dial ECLOSED", async () => {
    srv = await server();
    const refused = await dialer(`ws://127.0.0.1:${srv.port}/missing`).connect(new AbortController().signal).catch((e: unknown) => e);
    expect(isNngError(refused, "ECONNREFUSED"), String(refused)).to.equal(true);
    const port = srv.port;
    await srv.close();
    srv = undefined;
    const closed = await dialer(`ws://127.0.0.1:${port}/`).connect(new AbortController().signal).catch((e: unknown) => e);
    expect(isNngError(closed, "ECONNREFUSED"), String(closed)).to.equal(true);

    const ac = new AbortController();
    ac.abort();
    const aborted = await dialer(`ws://127.0.0.1:${port}/`).connect(ac.signal).catch((e: unknown) => e);
    expect(isNngError(aborted, "ECLOSED"), String(aborted)).to.equal(true);
  });

  it("aborting a dial stuck in the upgrade rejects ECLOSED at once", async () => {
    srv = await server();
    const ac = new AbortController();
    const pending = dialer(`ws://127.0.0.1:${srv.port}/hang`).connect(ac.signal).catch((e: unknown) => e);
    while (srv.seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    const err = await pending;
    expect(isNngError(err, "ECLOSED"), String(err)).to.equal(true);
  });

  it("cannot listen (ENOTSUP) and needs a host to dial (EADDRINVAL)", () => {
    const init = { url: parseUrl("ws://127.0.0.1:0/x"), self: 0x31, info: PROTO.rep0, config: { recvSizeMax: 0, tcpNoDelay: true, tcpKeepAlive: false, ipcPermissions: undefined } };
    expect(() => browserWsTransport.listener(init)).to.throw().that.satisfies((e: unknown) => isNngError(e, "ENOTSUP"));
    expect(() => browserWsTransport.dialer({ ...init, url: parseUrl("ws://:5555/x") })).to.throw().that.satisfies((e: unknown) => isNngError(e, "EADDRINVAL"));
  });
});
