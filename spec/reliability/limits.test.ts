/**
 * Limits against hostile peers: announced lengths up to 2^64-1 against
 * recv-size-max (tcp, ipc, ws), slow-loris peers that stall in the SP,
 * WebSocket or TLS handshake (dropped at the handshake timeout, shortened
 * here through the internal test hook), and a bounded connection flood while
 * a good peer keeps exchanging.
 */
import net from "node:net";
import { expect } from "chai";
import { type Socket, socket, stat, tlsConfig, writeCert } from "../../src/index.js";
import { setHandshakeTimeout } from "../../src/transport/stream-pipe.js";
import { ipcUrl, TCP_ANY } from "../helpers/addr.js";
import { connectOptions, destroyAllRaw, frame, rawConnect, spHeader } from "../helpers/raw-stream.js";
import { pipeRemoved, pipes } from "../helpers/wait.js";
import { destroyAllRawWs, RawWs, upgradeRequest, wsFrame } from "../ws/raw-ws.js";

const REQ = 0x30;
const LIMIT = 1024;

/** A real req peer gets a reply from `rep`: the listener still works. */
async function served(rep: Socket, url: string, opts: Record<string, unknown> = {}): Promise<void> {
  const req = await socket("req", { dial: url, autostart: "sync", ...opts });
  try {
    await req.send("still there?");
    expect(await rep.recv({ mode: "string", timeout: 5000 })).to.equal("still there?");
    await rep.send("yes");
    expect(await req.recv({ mode: "string", timeout: 5000 })).to.equal("yes");
  } finally {
    await req.close();
  }
}

/** Resolves with how long the connection stayed open; rejects after `ms`. */
async function closedWithin(closed: Promise<void>, ms: number): Promise<number> {
  const t0 = Date.now();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closed, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
  return Date.now() - t0;
}

/**
 * Connects; a full accept queue (EAGAIN on a Unix socket, as any client of a
 * busy server sees) is retried shortly after, as a real client would.
 */
async function connectRetrying(opts: net.NetConnectOpts): Promise<net.Socket> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const c = net.connect(opts);
        c.once("error", reject);
        c.once("connect", () => {
          c.off("error", reject);
          c.on("error", () => undefined);
          resolve(c);
        });
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN" || attempt > 50) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

describe("reliability: limits", function () {
  this.timeout(20_000);
  const opened: Socket[] = [];
  afterEach(async () => {
    destroyAllRaw();
    destroyAllRawWs();
    for (const s of opened.splice(0)) await s.close();
  });
  async function rep(url: string, opts: Record<string, unknown> = {}): Promise<Socket> {
    const s = await socket("rep", { listen: url, ...opts });
    opened.push(s);
    return s;
  }

  describe("announced lengths up to 2^64-1 against recv-size-max", () => {
    const lengths = [BigInt(LIMIT + 1), 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n];
    for (const t of ["tcp", "ipc"] as const) {
      const ipc = t === "ipc";
      it(`${t}: each oversized prefix closes only its pipe, before any allocation; == limit passes`, async () => {
        const s = await rep(ipc ? ipcUrl("big") : TCP_ANY, { "recv-size-max": LIMIT });
        const url = s.listeners[0]!.url;
        const before = process.memoryUsage().arrayBuffers;
        for (const len of lengths) {
          const c = await rawConnect(url);
          c.write(spHeader(REQ));
          await c.read(8);
          await pipes(s, 1);
          const removed = pipeRemoved(s);
          const pre = Buffer.alloc(ipc ? 9 : 8);
          if (ipc) pre[0] = 1;
          pre.writeBigUInt64BE(len, ipc ? 1 : 0);
          c.write(Buffer.concat([pre, Buffer.from("80000001", "hex")]));
          await c.waitClosed();
          await removed;
        }
        expect(process.memoryUsage().arrayBuffers - before).to.be.lessThan(64 * 1024 * 1024);
        // Exactly the limit is a message.
        const ok = await rawConnect(url);
        ok.write(Buffer.concat([spHeader(REQ), frame(Buffer.concat([Buffer.from("80000002", "hex"), Buffer.alloc(LIMIT - 4, 0x61)]), ipc)]));
        expect((await s.recv({ timeout: 5000 })) as Uint8Array).to.have.length(LIMIT - 4);
        await served(s, url);
      });
    }

    it("ws: a frame announcing 2^64-1 bytes, or a message over recv-size-max, closes with 1009", async () => {
      const s = await rep("ws://127.0.0.1:0/big", { "recv-size-max": LIMIT });
      const url = s.listeners[0]!.url;
      const port = Number(new URL(url).port);
      for (const bytes of [
        Buffer.from("82ffffffffffffffff11223344", "hex"),
        wsFrame(0x2, Buffer.alloc(16), { length: 2 ** 53 - 1 }),
        wsFrame(0x2, Buffer.alloc(LIMIT + 1)),
        // Two fragments that are each small but together over the limit.
        Buffer.concat([wsFrame(0x2, Buffer.alloc(LIMIT), { fin: false }), wsFrame(0x0, Buffer.alloc(8))]),
      ]) {
        const c = await RawWs.connect(port, upgradeRequest({ target: "/big", protocol: "rep.sp.nanomsg.org" }));
        expect((await c.response()).status).to.equal(101);
        c.send(bytes);
        expect(await c.closeCode()).to.equal(1009);
        await c.closed;
      }
      await served(s, url);
    });
  });

  describe("slow-loris peers (handshake timeout shortened to 300 ms)", () => {
    let prev: number;
    before(() => (prev = setHandshakeTimeout(300)));
    after(() => setHandshakeTimeout(prev));

    for (const t of ["tcp", "ipc"] as const) {
      it(`${t}: half an SP header is dropped at the timeout; a good peer is served meanwhile`, async () => {
        const s = await rep(t === "ipc" ? ipcUrl("loris") : TCP_ANY);
        const url = s.listeners[0]!.url;
        const slow = await Promise.all([0, 1, 2, 3].map(() => rawConnect(url)));
        for (const c of slow) c.write(Buffer.from("005350", "hex"));
        await served(s, url);
        for (const c of slow) {
          const ms = await closedWithin(c.closed, 5000);
          expect(ms).to.be.lessThan(5000);
        }
        expect(s.pipeIds).to.deep.equal([]);
        await served(s, url);
      });
    }

    it("our dialer drops a server that never sends its header, and retries", async () => {
      const conns: net.Socket[] = [];
      let dropped = 0;
      const srv = net.createServer((c) => {
        conns.push(c.on("error", () => undefined).on("close", () => dropped++));
        c.resume();
      });
      await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
      try {
        const port = (srv.address() as net.AddressInfo).port;
        const s = await socket("req", { "reconnect-time-min": 20, "reconnect-time-max": 40 });
        opened.push(s);
        await s.dial(`tcp://127.0.0.1:${port}`);
        const deadline = Date.now() + 5000;
        // Each connection is dropped by our dialer at the timeout, then it dials again.
        while ((dropped < 2 || conns.length < 3) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        expect(dropped).to.be.at.least(2);
        expect(conns.length).to.be.at.least(3);
      } finally {
        for (const c of conns) c.destroy();
        await new Promise((r) => srv.close(r));
      }
    });

    it("ws: a request head that never ends is answered 408 at the timeout; a good peer is served meanwhile", async () => {
      const s = await rep("ws://127.0.0.1:0/loris");
      const url = s.listeners[0]!.url;
      const c = await RawWs.connect(Number(new URL(url).port), "GET /loris HTTP/1.1\r\nHost: x\r\n");
      await served(s, url);
      expect((await c.response()).status).to.equal(408);
      await closedWithin(c.closed, 5000);
    });

    for (const listen of ["tls+tcp://127.0.0.1:0", "wss://127.0.0.1:0/loris"]) {
      it(`${listen.slice(0, listen.indexOf(":"))}: a peer that never finishes its ClientHello is dropped; a good peer is served meanwhile`, async () => {
        const cert = await writeCert();
        const s = await rep(listen, { tls: tlsConfig({ server: cert.server }) });
        const url = s.listeners[0]!.url;
        const port = Number(new URL(url.replace(/^tls\+tcp/, "tcp")).port);
        const c = net.connect({ host: "127.0.0.1", port }).on("error", () => undefined);
        const closed = new Promise<void>((r) => c.once("close", () => r()));
        await new Promise((r) => c.once("connect", r));
        c.write(Buffer.from([0x16, 0x03, 0x01]));
        await served(s, url, { tls: tlsConfig({ client: cert.client }) });
        await closedWithin(closed, 5000);
      });
    }
  });

  describe("connection floods", () => {
    for (const t of ["tcp", "ipc"] as const) {
      it(`${t}: 200 connections opened and dropped while a good peer keeps exchanging; accept continues`, async () => {
        const s = await rep(t === "ipc" ? ipcUrl("flood") : TCP_ANY);
        const url = s.listeners[0]!.url;
        const req = await socket("req", { dial: url, autostart: "sync" });
        opened.push(req);
        let stop = false;
        let exchanges = 0;
        const ac = new AbortController();
        const server = (async () => {
          for (;;) {
            const m = await s.recv({ mode: "string", timeout: 10_000, signal: ac.signal });
            await s.send(m);
          }
        })().catch((e: unknown) => e);
        const client = (async () => {
          while (!stop) {
            await req.send(`n${exchanges}`);
            expect(await req.recv({ mode: "string", timeout: 10_000 })).to.equal(`n${exchanges}`);
            exchanges++;
          }
        })();
        const opts = connectOptions(url);
        // In waves of 50: half send a full header, half a partial one or nothing; all are dropped.
        for (let wave = 0; wave < 4; wave++) {
          const socks = await Promise.all(
            Array.from({ length: 50 }, (_, i) =>
              connectRetrying(opts).then((c) => {
                if (i % 3 === 0) c.write(spHeader(REQ));
                else if (i % 3 === 1) c.write(Buffer.from("0053", "hex"));
                return c;
              }),
            ),
          );
          for (const c of socks) c.destroy();
        }
        const start = exchanges;
        while (exchanges < start + 20) await new Promise((r) => setTimeout(r, 5));
        stop = true;
        await client;
        await req.close();
        ac.abort();
        expect(await server).to.have.property("code", "ECANCELED");
        expect(Number(stat(s.listeners[0]!, "accept"))).to.be.at.least(1);
        // Dropped connections leave nothing behind, and a new peer is accepted.
        const deadline = Date.now() + 5000;
        while (s.pipeIds.length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        expect(s.pipeIds).to.deep.equal([]);
        await served(s, url);
      });
    }
  });
});
