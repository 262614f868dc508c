// The ws pipe on the raw connection (our own handshake and frame decoder):
// every scenario runs with direct reads (Node's onread, the default for ws://)
// and with "data" events (what wss:// uses), plus the dialer's side of the
// handshake against scripted servers.
import net from "node:net";
import { expect } from "chai";
import { type ProtocolName, type Socket, socket } from "../../src/index.js";
import { setHandshakeTimeout } from "../../src/transport/stream-pipe.js";
import { wsAccept } from "../../src/transport/ws-handshake.js";
import { setWsDirectRead } from "../../src/transport/ws-reader.js";
import { parseUpgradeHead, type UpgradeRequest } from "../../src/transport/ws-upgrade.js";
import { rejects } from "../helpers/nng-expect.js";
import { nextPipe, pipeRemoved } from "../helpers/wait.js";
import { destroyAllRawWs, RawWs, upgradeRequest, wsFrame } from "./raw-ws.js";

const WS_ANY = "ws://127.0.0.1:0";

function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed) & 0xff;
  return b;
}

describe("ws pipe on the raw connection", function () {
  this.timeout(20_000);
  const opened: Socket[] = [];
  const servers: net.Server[] = [];

  async function open(proto: ProtocolName, opts: Record<string, unknown> = {}): Promise<Socket> {
    const s = await socket(proto, opts);
    opened.push(s);
    return s;
  }

  afterEach(async () => {
    destroyAllRawWs();
    await Promise.all(opened.splice(0).map((s) => s.close()));
    for (const srv of servers.splice(0)) {
      srv.close();
    }
  });

  for (const direct of [true, false]) {
    describe(direct ? "direct reads (onread)" : "data events", () => {
      let prev: boolean;
      before(() => (prev = setWsDirectRead(direct)));
      after(() => setWsDirectRead(prev));

      it("messages of every size, in order, both ways (fragmented above 64 KiB)", async () => {
        const a = await open("pair", { listen: `${WS_ANY}/sizes` });
        const b = await open("pair", { dial: a.listeners[0]!.url, autostart: "sync" });
        const sizes = [0, 1, 125, 126, 65535, 65536, 65537, 4096, 300_000, 3, 1024 * 1024 + 5, 70_000];
        for (const [from, to] of [
          [b, a],
          [a, b],
        ] as const) {
          for (const [i, n] of sizes.entries()) await from.send(pattern(n, i));
          for (const [i, n] of sizes.entries()) {
            const m = await to.recv({ timeout: 10_000 });
            expect(m.length, `message ${i}`).to.equal(n);
            expect(Buffer.from(m).equals(Buffer.from(pattern(n, i))), `message ${i} bytes`).to.equal(true);
          }
        }
      });

      it("a slow reader: nothing is lost while reads are paused", async () => {
        const pull = await open("pull", { listen: `${WS_ANY}/slow`, "recv-buffer": 1 });
        const push = await open("push", { dial: pull.listeners[0]!.url, autostart: "sync" });
        const sent = (async () => {
          for (let i = 0; i < 60; i++) await push.send(pattern(50_000 + i, i));
        })();
        for (let i = 0; i < 60; i++) {
          const m = await pull.recv({ timeout: 10_000 });
          expect(Buffer.from(m).equals(Buffer.from(pattern(50_000 + i, i))), `message ${i}`).to.equal(true);
          if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5));
        }
        await sent;
      });

      it("a byte-level client: frames split into single bytes, a ping answered mid-message, a close echoed", async () => {
        const s = await open("pair", { listen: `${WS_ANY}/bytes` });
        const added = nextPipe(s);
        const raw = await RawWs.connect(s.listeners[0]!.opt("tcp-bound-port") as number, upgradeRequest({ target: "/bytes", protocol: "pair.sp.nanomsg.org" }));
        expect((await raw.response()).status).to.equal(101);
        await added;
        const body = pattern(9000, 3);
        const bytes = Buffer.concat([wsFrame(2, body.subarray(0, 5000), { fin: false }), wsFrame(9, "hi"), wsFrame(0, body.subarray(5000))]);
        for (let i = 0; i < bytes.length; i += i < 40 ? 1 : 997) raw.send(bytes.subarray(i, i < 40 ? i + 1 : i + 997));
        const pong = await raw.frame();
        expect([pong.opcode, pong.payload.toString()]).to.deep.equal([10, "hi"]);
        expect(Buffer.from(await s.recv({ timeout: 5000 })).equals(Buffer.from(body))).to.equal(true);
        const removed = pipeRemoved(s);
        raw.send(wsFrame(8, Buffer.from([0x0f, 0xa0])));
        expect(await raw.closeCode()).to.equal(4000);
        await raw.closed;
        await removed;
      });

      it("closing our side sends close 1000 and ends the connection", async () => {
        const s = await open("pair", { listen: `${WS_ANY}/bye` });
        const added = nextPipe(s);
        const raw = await RawWs.connect(s.listeners[0]!.opt("tcp-bound-port") as number, upgradeRequest({ target: "/bye", protocol: "pair.sp.nanomsg.org" }));
        expect((await raw.response()).status).to.equal(101);
        await added;
        await s.close();
        expect(await raw.closeCode()).to.equal(1000);
        await raw.closed;
      });

      it("frames sent right behind the 101 reach a dialer", async () => {
        const port = await scriptedServer((req, sock) => {
          sock.write(accept(req, "pair.sp.nanomsg.org"));
          sock.write(Buffer.concat([wsFrame(2, "first", { mask: false }), wsFrame(2, pattern(70_000, 9), { mask: false })]));
        });
        const s = await open("pair", { dial: `ws://127.0.0.1:${port}/x`, autostart: "sync" });
        expect(await s.recv({ mode: "string", timeout: 5000 })).to.equal("first");
        expect(Buffer.from(await s.recv({ timeout: 5000 })).equals(Buffer.from(pattern(70_000, 9)))).to.equal(true);
      });

      it("a masked frame from a server → the dialer closes with 1002", async () => {
        let closeCode: Promise<number> | undefined;
        const port = await scriptedServer((req, sock) => {
          sock.write(accept(req, "pair.sp.nanomsg.org"));
          closeCode = readCloseCode(sock);
          sock.write(wsFrame(2, "masked", { mask: true }));
        });
        const s = await open("pair");
        const removed = pipeRemoved(s);
        await s.dial(`ws://127.0.0.1:${port}/`, { autostart: "sync" });
        await removed;
        expect(await closeCode).to.equal(1002);
      });
    });
  }

  describe("our dialer's handshake checks", () => {
    const cases: [string, (req: UpgradeRequest) => string, string][] = [
      ["a wrong Sec-WebSocket-Accept", (req) => accept(req, "pair.sp.nanomsg.org").replace(/Accept: .*/, "Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA="), "EPROTO"],
      ["an extension nobody asked for", (req) => accept(req, "pair.sp.nanomsg.org").replace("\r\n\r\n", "\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n"), "EPROTO"],
      ["no Upgrade header", (req) => accept(req, "pair.sp.nanomsg.org").replace("Upgrade: websocket\r\n", ""), "EPROTO"],
      ["not HTTP at all", () => "SSH-2.0-OpenSSH_9\r\n\r\n", "EPROTO"],
      ["a redirect", () => "HTTP/1.1 301 Moved\r\nLocation: /y\r\nContent-Length: 0\r\n\r\n", "EPROTO"],
    ];
    for (const [what, answer, code] of cases) {
      it(`${what} → ${code}`, async () => {
        const port = await scriptedServer((req, sock) => sock.write(answer(req)));
        const s = await open("pair");
        await rejects(s.dial(`ws://127.0.0.1:${port}/`, { autostart: "sync" }), code as "EPROTO");
      });
    }

    it("the request: GET, Host with port, our key and version, the peer's subprotocol", async () => {
      let seen: UpgradeRequest | undefined;
      const port = await scriptedServer((req, sock) => {
        seen = req;
        sock.write(accept(req, "pull.sp.nanomsg.org"));
      });
      await open("push", { dial: `ws://127.0.0.1:${port}/a/b?c=d`, autostart: "sync" });
      expect(seen).to.deep.include({ method: "GET", target: "/a/b?c=d", version: "HTTP/1.1" });
      expect(seen!.headers).to.deep.include({ host: `127.0.0.1:${port}`, upgrade: "websocket", connection: "Upgrade", "sec-websocket-version": "13", "sec-websocket-protocol": "pull.sp.nanomsg.org" });
      expect(seen!.headers["sec-websocket-key"]).to.match(/^[+/0-9A-Za-z]{22}==$/);
      await open("push", { dial: `ws://127.0.0.1:${port}/caf\u00e9/\u{1f600}`, autostart: "sync" });
      expect(seen!.target).to.equal("/caf%C3%A9/%F0%9F%98%80");
    });

    it("a server that never answers → ETIMEDOUT at the handshake timeout", async () => {
      const prev = setHandshakeTimeout(300);
      try {
        const port = await scriptedServer(() => undefined);
        const s = await open("pair");
        await rejects(s.dial(`ws://127.0.0.1:${port}/`, { autostart: "sync" }), "ETIMEDOUT");
      } finally {
        setHandshakeTimeout(prev);
      }
    });

    it("a connection closed before the answer → ECONNSHUT", async () => {
      const port = await scriptedServer((_req, sock) => sock.destroy());
      const s = await open("pair");
      await rejects(s.dial(`ws://127.0.0.1:${port}/`, { autostart: "sync" }), "ECONNSHUT");
    });
  });

  /** A TCP server that parses the upgrade request and hands it to `onRequest`. */
  async function scriptedServer(onRequest: (req: UpgradeRequest, sock: net.Socket) => void): Promise<number> {
    const srv = net.createServer((sock) => {
      sock.on("error", () => undefined);
      let got = Buffer.alloc(0);
      const onData = (d: Buffer) => {
        got = Buffer.concat([got, d]);
        const r = parseUpgradeHead(got);
        if (r.state !== "done") return;
        sock.off("data", onData);
        onRequest(r, sock);
      };
      sock.on("data", onData);
    });
    servers.push(srv);
    await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
    return (srv.address() as net.AddressInfo).port;
  }
});

/** A valid 101 for `req`. */
function accept(req: UpgradeRequest, protocol: string): string {
  return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${wsAccept(req.headers["sec-websocket-key"]!)}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`;
}

/** Resolves with the status code of the first (masked, client) close frame read from `sock`. */
function readCloseCode(sock: net.Socket): Promise<number> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    sock.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 6) {
        const len = buf[1]! & 0x7f;
        if (len >= 126 || buf.length < 6 + len) return;
        const key = buf.subarray(2, 6);
        const payload = Buffer.from(buf.subarray(6, 6 + len)).map((b, i) => b ^ key[i & 3]!);
        if ((buf[0]! & 0x0f) === 8) return resolve(len >= 2 ? (payload[0]! << 8) | payload[1]! : 1005);
        buf = buf.subarray(6 + len);
      }
    });
    sock.once("close", () => reject(new Error("closed without a close frame")));
  });
}
