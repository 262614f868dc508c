// SP over WebSocket (wire-protocol.md §4, §12 item 12): our sockets with each
// other, with a byte-level client (subprotocol rules, refusals, framing limits)
// and with scripted servers (dialer error mapping).
import http from "node:http";
import net from "node:net";
import { expect } from "chai";
import WebSocket, { WebSocketServer } from "ws";
import { type ProtocolName, type Socket, socket } from "../../src/index.js";
import { rejects } from "../helpers/nng-expect.js";
import { nextPipe, pipeRemoved } from "../helpers/wait.js";
import { destroyAllRawWs, RawWs, upgradeRequest, wsFrame } from "./raw-ws.js";

const WS_ANY = "ws://127.0.0.1:0";
const MiB = 1024 * 1024;

describe("ws:// transport", function () {
  this.timeout(15_000);
  const opened: Socket[] = [];
  const servers: { close(): void }[] = [];

  async function open(proto: ProtocolName, opts: Record<string, unknown> = {}): Promise<Socket> {
    const s = await socket(proto, opts);
    opened.push(s);
    return s;
  }

  function portOf(s: Socket): number {
    return s.listeners[0]!.opt("tcp-bound-port") as number;
  }

  afterEach(async () => {
    destroyAllRawWs();
    for (const s of servers.splice(0)) s.close();
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  describe("between our sockets", () => {
    it("req/rep on a path; the listener reports the real port", async () => {
      const rep = await open("rep", { listen: `${WS_ANY}/rpc` });
      const url = rep.listeners[0]!.url;
      expect(url).to.match(/^ws:\/\/127\.0\.0\.1:\d+\/rpc$/);
      expect(portOf(rep)).to.be.greaterThan(0);
      expect(url).to.equal(`ws://127.0.0.1:${portOf(rep)}/rpc`);
      const added = nextPipe(rep);
      const req = await open("req", { dial: url, autostart: "sync" });
      expect((await added).transport).to.equal("ws");
      await req.send("ping");
      expect(await rep.recv({ mode: "string", timeout: 5000 })).to.equal("ping");
      await rep.send("pong");
      expect(await req.recv({ mode: "string", timeout: 5000 })).to.equal("pong");
    });

    it("no path: the listener serves / and the dialer asks for /", async () => {
      const pull = await open("pull", { listen: WS_ANY });
      const push = await open("push", { dial: pull.listeners[0]!.url, autostart: "sync" });
      await push.send("x");
      expect(await pull.recv({ mode: "string", timeout: 5000 })).to.equal("x");
    });

    it("large messages (3 MiB) both ways, sent in 64 KiB fragments and reassembled", async () => {
      const a = await open("pair", { listen: `${WS_ANY}/big` });
      const b = await open("pair", { dial: a.listeners[0]!.url, autostart: "sync" });
      const big = new Uint8Array(3 * MiB).map((_, i) => i % 251);
      await a.send(big);
      expect(Buffer.compare(await b.recv({ timeout: 5000 }), big)).to.equal(0);
      await b.send(big);
      expect(Buffer.compare(await a.recv({ timeout: 5000 }), big)).to.equal(0);
    });

    it("two SP listeners share one port on different paths", async () => {
      const rep = await open("rep", { listen: `${WS_ANY}/a` });
      const port = portOf(rep);
      const pull = await open("pull", { listen: `ws://127.0.0.1:${port}/b` });
      expect(pull.listeners[0]!.url).to.equal(`ws://127.0.0.1:${port}/b`);
      // The same path twice is taken, by another socket or the same one.
      const other = await open("rep");
      await rejects(other.listen(`ws://127.0.0.1:${port}/a`), "EADDRINUSE");
      await rejects(other.listen(`ws://127.0.0.1:${port}/a/`), "EADDRINUSE");

      const req = await open("req", { dial: `ws://127.0.0.1:${port}/a`, autostart: "sync" });
      const push = await open("push", { dial: `ws://127.0.0.1:${port}/b`, autostart: "sync" });
      await req.send("to a");
      await push.send("to b");
      expect(await rep.recv({ mode: "string", timeout: 5000 })).to.equal("to a");
      expect(await pull.recv({ mode: "string", timeout: 5000 })).to.equal("to b");

      // An unknown path is 404, which a dialer reports as ECONNREFUSED.
      const raw = await RawWs.connect(port, upgradeRequest({ target: "/c", protocol: "rep.sp.nanomsg.org" }));
      expect((await raw.response()).status).to.equal(404);
      const lost = await open("req");
      await rejects(lost.dial(`ws://127.0.0.1:${port}/c`, { autostart: "sync" }), "ECONNREFUSED");

      // Closing one listener leaves the other serving; closing both frees the port.
      await rep.close();
      await push.send("still b");
      expect(await pull.recv({ mode: "string", timeout: 5000 })).to.equal("still b");
      await pull.close();
      const again = await open("pair", { listen: `ws://127.0.0.1:${port}/a` });
      expect(again.listeners[0]!.url).to.equal(`ws://127.0.0.1:${port}/a`);
    });
  });

  describe("our listener against a byte-level client", () => {
    async function upgraded(proto: ProtocolName, path: string, req: Parameters<typeof upgradeRequest>[0], opts: Record<string, unknown> = {}) {
      const s = await open(proto, { ...opts, listen: `${WS_ANY}${path}` });
      const added = nextPipe(s);
      const raw = await RawWs.connect(portOf(s), upgradeRequest(req));
      const res = await raw.response();
      expect(res.status, JSON.stringify(res)).to.equal(101);
      await added;
      return { s, raw, res };
    }

    it("accepts nng's empty request target (`GET  HTTP/1.1`) and echoes the SP subprotocol", async () => {
      const { s, raw, res } = await upgraded("pair", "", { target: "", protocol: "pair.sp.nanomsg.org" });
      expect(res.headers["sec-websocket-protocol"]).to.equal("pair.sp.nanomsg.org");
      expect(res.headers["sec-websocket-extensions"]).to.equal(undefined);
      raw.send(wsFrame(2, "hello"));
      expect(await s.recv({ mode: "string", timeout: 5000 })).to.equal("hello");
      await s.send("world");
      const f = await raw.frame();
      expect(f).to.deep.include({ fin: true, opcode: 2 });
      expect(f.payload.toString()).to.equal("world");
    });

    it("one SP message per binary message: header then body, no length prefix (§4.3)", async () => {
      const { s, raw } = await upgraded("rep", "/sp", { target: "/sp/", protocol: "rep.sp.nanomsg.org" });
      // nng's captured request frame: req id a7 82 b2 87 + "ping".
      raw.send(wsFrame(2, Buffer.from("a782b28770696e67", "hex")));
      expect(await s.recv({ mode: "string", timeout: 5000 })).to.equal("ping");
      await s.send("world");
      expect((await raw.frame()).payload.toString("hex")).to.equal(`a782b287${Buffer.from("world").toString("hex")}`);
    });

    it("reassembles fragmented messages, answering a ping in between", async () => {
      const { s, raw } = await upgraded("pair", "/f", { target: "/f", protocol: "pair.sp.nanomsg.org" });
      raw.send(Buffer.concat([wsFrame(2, "hel", { fin: false }), wsFrame(9, "pi"), wsFrame(0, "l", { fin: false }), wsFrame(0, "lo")]));
      const pong = await raw.frame();
      expect(pong.opcode).to.equal(10);
      expect(pong.payload.toString()).to.equal("pi");
      expect(await s.recv({ mode: "string", timeout: 5000 })).to.equal("helllo");
    });

    it("sends messages over 64 KiB as 64 KiB fragments (nng listeners do the same)", async () => {
      const { s, raw } = await upgraded("pair", "/out", { target: "/out", protocol: "pair.sp.nanomsg.org" });
      await s.send(new Uint8Array(150_000).fill(7));
      const frames = [await raw.frame(), await raw.frame(), await raw.frame()];
      expect(frames.map((f) => [f.opcode, f.fin, f.payload.length])).to.deep.equal([[2, false, 65536], [0, false, 65536], [0, true, 18928]]);
    });

    it("a frame of exactly 1 MiB passes, and a 2 MiB message in two such fragments arrives whole", async () => {
      const { s, raw } = await upgraded("pair", "/mib", { target: "/mib", protocol: "pair.sp.nanomsg.org" });
      raw.send(wsFrame(2, Buffer.alloc(MiB, 1)));
      expect((await s.recv({ timeout: 5000 })).length).to.equal(MiB);
      raw.send(Buffer.concat([wsFrame(2, Buffer.alloc(MiB, 2), { fin: false }), wsFrame(0, Buffer.alloc(MiB, 3))]));
      const m = await s.recv({ timeout: 5000 });
      expect(m.length).to.equal(2 * MiB);
      expect([m[0], m[2 * MiB - 1]]).to.deep.equal([2, 3]);
    });

    it("a frame over 1 MiB (ws:rxframe-max) → close 1009 before its payload is read; the socket stays usable", async () => {
      const { s, raw } = await upgraded("pair", "/big", { target: "/big", protocol: "pair.sp.nanomsg.org" });
      const removed = pipeRemoved(s);
      raw.send(wsFrame(2, Buffer.alloc(0), { length: MiB + 1 }));
      expect(await raw.closeCode()).to.equal(1009);
      await raw.closed;
      await removed;
      const peer = await open("pair", { dial: s.listeners[0]!.url, autostart: "sync" });
      await peer.send("after");
      expect(await s.recv({ mode: "string", timeout: 5000 })).to.equal("after");
    });

    it("recv-size-max bounds the whole message → close 1009", async () => {
      const { raw } = await upgraded("pair", "/max", { target: "/max", protocol: "pair.sp.nanomsg.org" }, { "recv-size-max": 1000 });
      raw.send(Buffer.concat([wsFrame(2, Buffer.alloc(600), { fin: false }), wsFrame(0, Buffer.alloc(600))]));
      expect(await raw.closeCode()).to.equal(1009);
    });

    it("a text frame → close 1003", async () => {
      const { s, raw } = await upgraded("pair", "/t", { target: "/t", protocol: "pair.sp.nanomsg.org" });
      const removed = pipeRemoved(s);
      raw.send(wsFrame(1, "text"));
      expect(await raw.closeCode()).to.equal(1003);
      await removed;
    });

    it("an unmasked client frame → close 1002", async () => {
      const { raw } = await upgraded("pair", "/u", { target: "/u", protocol: "pair.sp.nanomsg.org" });
      raw.send(wsFrame(2, "x", { mask: false }));
      expect(await raw.closeCode()).to.equal(1002);
    });

    const refusals: [string, Parameters<typeof upgradeRequest>[0], number][] = [
      ["a subprotocol other than the listener's own", { target: "/r", protocol: "req.sp.nanomsg.org" }, 400],
      ["several subprotocols", { target: "/r", protocol: "rep.sp.nanomsg.org, pair.sp.nanomsg.org" }, 400],
      ["no subprotocol", { target: "/r" }, 400],
      ["an unknown path", { target: "/nope", protocol: "rep.sp.nanomsg.org" }, 404],
      ["a request with a body", { target: "/r", protocol: "rep.sp.nanomsg.org", extra: ["Content-Length: 3"] }, 400],
    ];
    for (const [what, req, status] of refusals) {
      it(`${what} → HTTP ${status}`, async () => {
        const rep = await open("rep", { listen: `${WS_ANY}/r` });
        const raw = await RawWs.connect(portOf(rep), upgradeRequest(req));
        expect((await raw.response()).status).to.equal(status);
        await raw.closed;
        expect(rep.pipeIds).to.have.length(0);
      });
    }

    it("another method → 405, garbage → 400", async () => {
      const rep = await open("rep", { listen: `${WS_ANY}/r` });
      const post = await RawWs.connect(portOf(rep), upgradeRequest({ target: "/r", protocol: "rep.sp.nanomsg.org" }).replace("GET", "POST"));
      expect((await post.response()).status).to.equal(405);
      const junk = await RawWs.connect(portOf(rep), "\x16\x03\x01 hello\r\n\r\n");
      expect((await junk.response()).status).to.equal(400);
    });
  });

  describe("our dialer", () => {
    /** A ws server scripted by the test; resolves once it listens. */
    async function wsServer(opts: WebSocket.ServerOptions): Promise<{ port: number; seen: http.IncomingMessage[] }> {
      const seen: http.IncomingMessage[] = [];
      const wss = new WebSocketServer({ ...opts, port: 0, host: "127.0.0.1" });
      wss.on("connection", (ws, req) => {
        seen.push(req);
        ws.close();
      });
      wss.on("headers", (_h, req) => seen.push(req));
      servers.push({
        close: () => {
          for (const c of wss.clients) c.terminate();
          wss.close();
        },
      });
      await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
      return { port: (wss.address() as net.AddressInfo).port, seen };
    }

    it("sends the peer's name as subprotocol and at least /", async () => {
      const srv = await wsServer({});
      const req = await open("req", { dial: `ws://127.0.0.1:${srv.port}`, autostart: "sync" });
      const push = await open("push", { dial: `ws://127.0.0.1:${srv.port}/q?a=1`, autostart: "sync" });
      expect(srv.seen.map((r) => [r.url, r.headers["sec-websocket-protocol"], r.headers["sec-websocket-extensions"]])).to.deep.include.members([
        ["/", "rep.sp.nanomsg.org", undefined],
        ["/q?a=1", "pull.sp.nanomsg.org", undefined],
      ]);
      await req.close();
      await push.close();
    });

    it("a wrong or missing subprotocol in the 101 → EPROTO", async () => {
      const wrong = await wsServer({ handleProtocols: () => "bus.sp.nanomsg.org" });
      const none = await wsServer({ handleProtocols: () => false });
      const s = await open("req");
      await rejects(s.dial(`ws://127.0.0.1:${wrong.port}/`, { autostart: "sync" }), "EPROTO");
      await rejects(s.dial(`ws://127.0.0.1:${none.port}/`, { autostart: "sync" }), "EPROTO");
    });

    it("a listener of the wrong protocol answers 400 → EPROTO", async () => {
      const rep = await open("rep", { listen: `${WS_ANY}/x` });
      const push = await open("push");
      await rejects(push.dial(rep.listeners[0]!.url, { autostart: "sync" }), "EPROTO");
    });

    const statuses: [number, string][] = [[404, "ECONNREFUSED"], [405, "ECONNREFUSED"], [401, "EPERM"], [403, "EPERM"], [500, "EPROTO"], [200, "EPROTO"]];
    for (const [status, code] of statuses) {
      it(`HTTP ${status} → ${code}`, async () => {
        const srv = http.createServer((_req, res) => res.writeHead(status).end());
        srv.on("upgrade", (_req, sock: net.Socket) => sock.end(`HTTP/1.1 ${status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`));
        await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
        servers.push({ close: () => srv.close() });
        const s = await open("req");
        await rejects(s.dial(`ws://127.0.0.1:${(srv.address() as net.AddressInfo).port}/`, { autostart: "sync" }), code as "EPROTO");
        srv.closeAllConnections();
      });
    }

    it("nobody listening → ECONNREFUSED; background dialing connects once a listener appears", async () => {
      const probe = net.createServer();
      await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
      const port = (probe.address() as net.AddressInfo).port;
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      const s = await open("pair", { "reconnect-time-min": 20, "reconnect-time-max": 50 });
      await rejects(s.dial(`ws://127.0.0.1:${port}/p`, { autostart: "sync" }), "ECONNREFUSED");
      const added = nextPipe(s);
      await s.dial(`ws://127.0.0.1:${port}/p`);
      const l = await open("pair", { listen: `ws://127.0.0.1:${port}/p` });
      await added;
      await l.send("late");
      expect(await s.recv({ mode: "string", timeout: 5000 })).to.equal("late");
    });
  });
});
