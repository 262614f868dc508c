import fs from "node:fs";
import net from "node:net";
import { expect } from "chai";
import {
  close,
  context,
  dial,
  listen,
  Message,
  type Nano,
  nano,
  NngError,
  PROTOCOL_NAMES,
  type ProtocolName,
  recv,
  send,
  serialConfig,
  type Socket,
  socket,
  subscribe,
  surveyTime,
  unsubscribe,
} from "../../src/index.js";
import { inprocUrl, ipcUrl } from "../helpers/addr.js";
import { fails, rejects, settle, throws } from "../helpers/nng-expect.js";
import { freePort } from "../helpers/raw-stream.js";
import { nextPipe, pipes } from "../helpers/wait.js";

const ipcPath = (url: string): string => url.slice("ipc://".length);

describe("API behaviour", () => {
  const opened: { close(): Promise<void> }[] = [];
  async function open(p: ProtocolName, o: Parameters<typeof socket>[1] = {}): Promise<Socket> {
    const s = await socket(p, o);
    opened.push(s);
    return s;
  }
  async function openNano(p: ProtocolName, o: Parameters<typeof nano>[1] = {}): Promise<Nano> {
    const n = await nano(p, o);
    opened.push(n);
    return n;
  }
  const servers: net.Server[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  });

  /** A connected inproc pair. */
  async function pair(): Promise<[Socket, Socket]> {
    const url = inprocUrl("api");
    const a = await open("pair", { listen: url });
    const b = await open("pair", { dial: url, autostart: "sync" });
    return [a, b];
  }

  describe("socket()", () => {
    for (const name of PROTOCOL_NAMES) {
      it(`opens ${name}`, async () => {
        const s = await open(name);
        expect(s.protocol).to.equal(name);
        expect(s.state).to.equal("opened");
        expect(s.closed).to.equal(false);
        expect(s.dialers).to.deep.equal([]);
        expect(s.listeners).to.deep.equal([]);
        expect(String(s)).to.include(name);
      });
    }

    it("knows the nanonext and the versioned nng names", () => {
      for (const n of ["bus", "pair", "poly", "push", "pull", "pub", "sub", "req", "rep", "surveyor", "respondent"]) {
        expect(PROTOCOL_NAMES, n).to.include(n);
      }
      for (const n of ["bus0", "pair0", "pair1", "push0", "pull0", "pub0", "sub0", "req0", "rep0", "surveyor0", "respondent0"]) {
        expect(PROTOCOL_NAMES, n).to.include(n);
      }
    });

    for (const bad of ["foo", "", "REQ", "pair2", "req1", "star", "__proto__", "constructor", "toString", 42, null, undefined]) {
      it(`rejects protocol ${JSON.stringify(bad) ?? "undefined"} with ENOTSUP`, async () => {
        await rejects(socket(bad as ProtocolName), "ENOTSUP");
      });
    }
  });

  describe("listen", () => {
    it("tcp: a port in use → EADDRINUSE, and the failed listener is not kept", async () => {
      const a = await open("rep", { listen: "tcp://127.0.0.1:0" });
      const b = await open("rep");
      await rejects(b.listen(a.listeners[0]!.url), "EADDRINUSE");
      expect(b.listeners).to.have.length(0);
      await rejects(socket("rep", { listen: a.listeners[0]!.url }), "EADDRINUSE");
    });

    it("ipc: a live SP listener → EADDRINUSE and its file is left alone", async () => {
      const url = ipcUrl("inuse");
      const a = await open("pull", { listen: url });
      const b = await open("pull");
      await rejects(b.listen(url), "EADDRINUSE");
      expect(b.listeners).to.have.length(0);
      // The first listener still works.
      const push = await open("push", { dial: url, autostart: "sync" });
      await push.send("still here");
      expect(await a.recv({ mode: "string", timeout: 5000 })).to.equal("still here");
    });

    it("ipc: a live non-SP server on the path → EADDRINUSE", async () => {
      const url = ipcUrl("live");
      const srv = net.createServer((c) => c.destroy());
      servers.push(srv);
      await new Promise<void>((r) => srv.listen(ipcPath(url), r));
      await rejects(socket("pull", { listen: url }), "EADDRINUSE");
      expect(fs.lstatSync(ipcPath(url)).isSocket()).to.equal(true);
    });

    it("ipc: a stale socket file (nobody accepting) is replaced", async () => {
      const url = ipcUrl("stale");
      const tmp = `${ipcPath(url)}.orig`;
      const srv = net.createServer();
      await new Promise<void>((r) => srv.listen(tmp, r));
      // A second name for the socket inode: it stays behind, dead, once the server closes.
      fs.linkSync(tmp, ipcPath(url));
      await new Promise((r) => srv.close(r));
      expect(fs.lstatSync(ipcPath(url)).isSocket()).to.equal(true);
      const pull = await open("pull", { listen: url });
      const push = await open("push", { dial: url, autostart: "sync" });
      await push.send("fresh");
      expect(await pull.recv({ mode: "string", timeout: 5000 })).to.equal("fresh");
    });

    it("ipc: a regular file at the path is not deleted (EADDRINUSE)", async () => {
      const url = ipcUrl("regular");
      fs.writeFileSync(ipcPath(url), "precious");
      try {
        await rejects(socket("pull", { listen: url }), "EADDRINUSE");
        expect(fs.readFileSync(ipcPath(url), "utf8")).to.equal("precious");
      } finally {
        fs.rmSync(ipcPath(url), { force: true });
      }
    });

    it("inproc: a name in use → EADDRINUSE", async () => {
      const url = inprocUrl("inuse");
      await open("pair", { listen: url });
      const b = await open("pair");
      await rejects(b.listen(url), "EADDRINUSE");
      expect(b.listeners).to.have.length(0);
    });

    it("socket() closes what it opened when a later listen fails", async () => {
      const good = ipcUrl("rollback");
      const busy = inprocUrl("rollback");
      await open("pull", { listen: busy });
      await rejects(socket("pull", { listen: [good, busy] }), "EADDRINUSE");
      // The first listener was bound, then released with the socket.
      expect(fs.existsSync(ipcPath(good))).to.equal(false);
    });

    it("bad URLs: EADDRINVAL or ENOTSUP, nothing added", async () => {
      const s = await open("rep");
      await rejects(s.listen("tcp://127.0.0.1:1/path"), "EADDRINVAL");
      await rejects(s.listen("zt://127.0.0.1:0/x"), "ENOTSUP");
      await rejects(s.listen("nope://x"), "ENOTSUP");
      await rejects(s.dial("tcp://127.0.0.1:1?q"), "EADDRINVAL");
      await rejects(s.dial("tcp://127.0.0.1"), "EADDRINVAL");
      await rejects(s.dial("foo://x"), "ENOTSUP");
      expect(s.listeners).to.have.length(0);
      expect(s.dialers).to.have.length(0);
    });

    it("autostart: false creates a listener that binds on start()", async () => {
      const url = ipcUrl("later");
      const s = await open("pull");
      const l = await s.listen(url, { autostart: false });
      expect(l.state).to.equal("not started");
      expect(fs.existsSync(ipcPath(url))).to.equal(false);
      await l.start();
      expect(l.state).to.equal("started");
      expect(fs.lstatSync(ipcPath(url)).isSocket()).to.equal(true);
    });
  });

  describe("dial", () => {
    it("sync dial to a closed tcp port → ECONNREFUSED and the dialer is removed", async () => {
      const port = await freePort();
      const s = await open("req");
      await rejects(s.dial(`tcp://127.0.0.1:${port}`, { autostart: "sync" }), "ECONNREFUSED");
      expect(s.dialers).to.have.length(0);
    });

    it("sync dial to tcp port 0 → ECONNREFUSED", async () => {
      const s = await open("req");
      await rejects(s.dial("tcp://127.0.0.1:0", { autostart: "sync" }), "ECONNREFUSED");
      expect(s.dialers).to.have.length(0);
    });

    it("autostart null is sync too (nanonext's NA)", async () => {
      const s = await open("req");
      await rejects(s.dial(inprocUrl("na"), { autostart: null }), "ECONNREFUSED");
      expect(s.dialers).to.have.length(0);
      await rejects(socket("req", { dial: inprocUrl("na"), autostart: null }), "ECONNREFUSED");
    });

    it("sync dial to a missing ipc path → ECONNREFUSED", async () => {
      const s = await open("req");
      await rejects(s.dial(ipcUrl("missing"), { autostart: "sync" }), "ECONNREFUSED");
      expect(s.dialers).to.have.length(0);
    });

    it("sync inproc dial with no listener → ECONNREFUSED", async () => {
      const s = await open("req");
      await rejects(s.dial(inprocUrl("none"), { autostart: "sync" }), "ECONNREFUSED");
      expect(s.dialers).to.have.length(0);
    });

    it("socket({ dial, autostart: 'sync' }) to nobody rejects ECONNREFUSED", async () => {
      await rejects(socket("req", { dial: inprocUrl("none"), autostart: "sync" }), "ECONNREFUSED");
    });

    it("a background dial resolves at once and keeps its dialer", async () => {
      const s = await open("req", { "reconnect-time-min": 50 });
      const d = await s.dial(inprocUrl("bg"));
      expect(d.state).to.equal("started");
      expect(s.dialers).to.deep.equal([d]);
      await rejects(d.start(), "ESTATE");
    });

    for (const t of ["inproc", "ipc", "tcp"] as const) {
      it(`${t}: a background dialer connects once the listener appears`, async () => {
        const url = t === "inproc" ? inprocUrl("late") : t === "ipc" ? ipcUrl("late") : `tcp://127.0.0.1:${await freePort()}`;
        const req = await open("req", { "reconnect-time-min": 20, "reconnect-time-max": 100, "recv-timeout": 5000 });
        const connected = nextPipe(req);
        await req.dial(url);
        expect(req.pipeIds).to.deep.equal([]);
        const rep = await open("rep", { listen: url });
        await connected;
        await req.send("late");
        expect(await rep.recv({ mode: "string", timeout: 5000 })).to.equal("late");
        await rep.send("ok");
        expect(await req.recv({ mode: "string" })).to.equal("ok");
      });
    }

    it("a send queued before the connection goes out once it is up", async () => {
      const url = inprocUrl("queued");
      const push = await open("push", { dial: url, "reconnect-time-min": 20 });
      const sent = push.send("early");
      const pull = await open("pull", { listen: url });
      await sent;
      expect(await pull.recv({ mode: "string", timeout: 5000 })).to.equal("early");
    });

    it("autostart: false, then start({ async: false })", async () => {
      const url = inprocUrl("manual");
      const rep = await open("rep", { listen: url });
      const req = await open("req");
      const d = await req.dial(url, { autostart: false });
      expect(d.state).to.equal("not started");
      expect(req.pipeIds).to.deep.equal([]);
      await d.start({ async: false });
      expect(d.state).to.equal("started");
      await pipes(req, 1);
      await pipes(rep, 1);
    });

    it("the dialer reconnects after the listener goes away and comes back", async () => {
      const url = ipcUrl("again");
      const rep1 = await socket("rep", { listen: url });
      const req = await open("req", { "reconnect-time-min": 20, "recv-timeout": 5000 });
      await req.dial(url, { autostart: "sync" });
      const back = new Promise<void>((resolve) => {
        let n = 0;
        req.on("pipe:add", () => {
          if (++n === 1) resolve();
        });
      });
      await rep1.close();
      const rep2 = await open("rep", { listen: url });
      await back;
      await req.send("again");
      expect(await rep2.recv({ mode: "string", timeout: 5000 })).to.equal("again");
    });
  });

  describe("timeouts, non-blocking calls and cancellation", () => {
    it("recv timeout → ETIMEDOUT (per call and through recv-timeout)", async () => {
      const [a] = await pair();
      const t0 = Date.now();
      await rejects(a.recv({ timeout: 30 }), "ETIMEDOUT");
      expect(Date.now() - t0).to.be.greaterThanOrEqual(25);
      a.setOpt("recv-timeout", 30);
      await rejects(a.recv(), "ETIMEDOUT");
      // A per-call timeout beats the option.
      await rejects(a.recv({ timeout: 0 }), "EAGAIN");
    });

    it("send timeout → ETIMEDOUT when nobody can take the message", async () => {
      const push = await open("push");
      await rejects(push.send("x", { timeout: 30 }), "ETIMEDOUT");
      push.setOpt("send-timeout", 20);
      await rejects(push.send("x"), "ETIMEDOUT");
    });

    it("timeout 0, tryRecv and trySend → EAGAIN when they would wait", async () => {
      const [a] = await pair();
      await rejects(a.recv({ timeout: 0 }), "EAGAIN");
      await rejects(a.tryRecv(), "EAGAIN");
      const push = await open("push");
      await rejects(push.trySend("x"), "EAGAIN");
      await rejects(push.send("x", { timeout: 0 }), "EAGAIN");
    });

    it("tryRecv returns a queued message at once", async () => {
      const [a, b] = await pair();
      const first = a.recv({ mode: "string", timeout: 5000 });
      await b.send("1");
      await b.send("2");
      expect(await first).to.equal("1");
      expect(await a.tryRecv({ mode: "string" })).to.equal("2");
      await rejects(a.tryRecv(), "EAGAIN");
    });

    it("a timed-out recv loses no message: the next recv gets it", async () => {
      const [a, b] = await pair();
      await rejects(a.recv({ timeout: 10 }), "ETIMEDOUT");
      await b.send("after timeout");
      expect(await a.recv({ mode: "string", timeout: 5000 })).to.equal("after timeout");
    });

    it("AbortSignal → ECANCELED; the message is not lost, the next recv gets it", async () => {
      const [a, b] = await pair();
      const ac = new AbortController();
      const r = a.recv({ signal: ac.signal });
      const reason = new Error("stop");
      ac.abort(reason);
      const err = await rejects(r, "ECANCELED");
      expect(err.cause).to.equal(reason);
      await b.send("kept");
      expect(await a.recv({ mode: "string", timeout: 5000 })).to.equal("kept");
    });

    it("an already aborted signal never consumes a queued message", async () => {
      const [a, b] = await pair();
      const first = a.recv({ mode: "string", timeout: 5000 });
      await b.send("1");
      await b.send("2");
      expect(await first).to.equal("1");
      const r = await settle(a.recv({ mode: "string", signal: AbortSignal.abort() }));
      if (r.ok) {
        expect(r.value).to.equal("2");
      } else {
        expect((r.error as NngError).code).to.equal("ECANCELED");
        expect(await a.recv({ mode: "string", timeout: 5000 })).to.equal("2");
      }
    });

    it("many cancelled recvs, then one message: delivered to the live recv", async () => {
      const [a, b] = await pair();
      const acs = Array.from({ length: 5 }, () => new AbortController());
      const dead = acs.map((ac) => a.recv({ signal: ac.signal }));
      const live = a.recv({ mode: "string", timeout: 5000 });
      for (const ac of acs) ac.abort();
      for (const d of dead) await rejects(d, "ECANCELED");
      await b.send("only");
      expect(await live).to.equal("only");
    });

    it("an aborted send is withdrawn: the peer never sees it", async () => {
      const url = inprocUrl("abort-send");
      const push = await open("push", { dial: url, "reconnect-time-min": 20 });
      const ac = new AbortController();
      const s1 = push.send("withdrawn", { signal: ac.signal });
      ac.abort();
      await rejects(s1, "ECANCELED");
      const pull = await open("pull", { listen: url });
      await push.send("real");
      expect(await pull.recv({ mode: "string", timeout: 5000 })).to.equal("real");
      await rejects(pull.recv({ timeout: 50 }), "ETIMEDOUT");
    });

    it("aborting after completion does nothing", async () => {
      const [a, b] = await pair();
      const ac = new AbortController();
      const r = a.recv({ mode: "string", signal: ac.signal, timeout: 5000 });
      await b.send("done");
      expect(await r).to.equal("done");
      ac.abort();
      await b.send("next");
      expect(await a.recv({ mode: "string", timeout: 5000 })).to.equal("next");
    });
  });

  describe("send and receive modes", () => {
    it("string: UTF-8 both ways; one trailing NUL (nanonext strings) is dropped", async () => {
      const [a, b] = await pair();
      await b.send("héllo wörld ✓");
      expect(await a.recv({ mode: "string", timeout: 5000 })).to.equal("héllo wörld ✓");
      await b.send(Uint8Array.of(0x61, 0x62, 0x63, 0x00));
      expect(await a.recv({ mode: "string", timeout: 5000 })).to.equal("abc");
      await b.send("");
      expect(await a.recv({ mode: "string", timeout: 5000 })).to.equal("");
    });

    it("string: invalid UTF-8 → EINVAL with the bytes in err.data", async () => {
      const [a, b] = await pair();
      await b.send(Uint8Array.of(0xff, 0xfe, 0x41));
      const err = await rejects(a.recv({ mode: "string", timeout: 5000 }), "EINVAL");
      expect(Array.from(err.data!)).to.deep.equal([0xff, 0xfe, 0x41]);
    });

    it("raw (default): bytes as sent", async () => {
      const [a, b] = await pair();
      await b.send(Uint8Array.of(1, 2, 3));
      const m = await a.recv({ timeout: 5000 });
      expect(m).to.be.instanceOf(Uint8Array);
      expect(Array.from(m)).to.deep.equal([1, 2, 3]);
      await b.send(new Uint8Array([9, 8]).buffer);
      expect(Array.from(await a.recv({ timeout: 5000 }))).to.deep.equal([9, 8]);
      await b.send(new DataView(Uint8Array.of(0, 7, 6, 0).buffer, 1, 2));
      expect(Array.from(await a.recv({ timeout: 5000 }))).to.deep.equal([7, 6]);
      await b.send(null, { mode: "raw" });
      expect((await a.recv({ timeout: 5000 })).length).to.equal(0);
    });

    it("json", async () => {
      const [a, b] = await pair();
      const v = { a: 1, b: [true, null, "x"], c: { d: 2.5 } };
      await b.send(JSON.stringify(v));
      expect(await a.recv({ mode: "json", timeout: 5000 })).to.deep.equal(v);
      await b.send("{not json");
      const err = await rejects(a.recv({ mode: "json", timeout: 5000 }), "EINVAL");
      expect(Buffer.from(err.data!).toString()).to.equal("{not json");
    });

    it("serial: objects round-trip (default mode for non-byte values)", async () => {
      const [a, b] = await pair();
      const values: unknown[] = [
        { a: 1, b: [1, "two", null, true], c: { nested: { deep: [1.5, -2] } } },
        [1, 2, 3],
        42,
        -1.25,
        "a string sent as serial",
        true,
        null,
        2n ** 70n,
        new Map<unknown, unknown>([["k", 1], [2, "v"]]),
        new Set([1, "x"]),
        new Date(1_700_000_000_000),
        { bytes: Uint8Array.of(1, 2, 3), floats: new Float64Array([0.5, 1e300]) },
      ];
      for (const v of values) {
        await b.send(v, { mode: "serial" });
        expect(await a.recv({ mode: "serial", timeout: 5000 })).to.deep.equal(v);
      }
      await b.send({ implicit: "serial" });
      expect(await a.recv({ mode: "serial", timeout: 5000 })).to.deep.equal({ implicit: "serial" });
      await b.send(7);
      expect(await a.recv({ mode: "serial", timeout: 5000 })).to.equal(7);
    });

    it("serial: bytes that are not CBOR → EINVAL with err.data", async () => {
      const [a, b] = await pair();
      await b.send(Uint8Array.of(0xff, 0xff, 0xff));
      const err = await rejects(a.recv({ mode: "serial", timeout: 5000 }), "EINVAL");
      expect(Array.from(err.data!)).to.deep.equal([0xff, 0xff, 0xff]);
    });

    it("serialConfig: an extension round-trips a class", async () => {
      class Point {
        constructor(
          readonly x: number,
          readonly y: number,
        ) {}
        norm(): number {
          return Math.hypot(this.x, this.y);
        }
      }
      const cfg = serialConfig({
        Class: Point,
        tag: 47_111,
        encode: (p: Point) => [p.x, p.y],
        decode: ([x, y]: [number, number]) => new Point(x, y),
      });
      expect(cfg.extensions).to.have.length(1);
      const [a, b] = await pair();
      a.setOpt("serial", cfg);
      b.setOpt("serial", cfg);
      await b.send(new Point(3, 4));
      const p = await a.recv({ mode: "serial", timeout: 5000 });
      expect(p).to.be.instanceOf(Point);
      expect((p as Point).norm()).to.equal(5);
      await b.send({ list: [new Point(1, 0), new Point(0, 2)] }, { mode: "serial" });
      const o = (await a.recv({ mode: "serial", timeout: 5000 })) as { list: Point[] };
      expect(o.list.map((q) => q.norm())).to.deep.equal([1, 2]);
      expect(o.list[0]).to.be.instanceOf(Point);
    });

    it("serialConfig: a malformed extension → EINVAL", () => {
      throws(() => serialConfig({ Class: 5 as never, tag: 1, encode: (v) => v, decode: (v) => v }), "EINVAL");
      throws(() => serialConfig({ Class: class {}, tag: 1.5, encode: (v) => v, decode: (v) => v }), "EINVAL");
    });

    const typed: [string, ArrayBufferView & ArrayLike<number | bigint>][] = [
      ["int8", new Int8Array([-128, 0, 127])],
      ["uint8", new Uint8Array([0, 128, 255])],
      ["int16", new Int16Array([-32768, 1, 32767])],
      ["uint16", new Uint16Array([0, 65535])],
      ["int32", new Int32Array([-(2 ** 31), 7, 2 ** 31 - 1])],
      ["uint32", new Uint32Array([0, 2 ** 32 - 1])],
      ["float32", new Float32Array([1.5, -0.25, Number.POSITIVE_INFINITY])],
      ["float64", new Float64Array([Math.PI, -1e300, Number.NaN])],
      ["bigint64", new BigInt64Array([-(2n ** 63n), 5n, 2n ** 63n - 1n])],
      ["biguint64", new BigUint64Array([0n, 2n ** 64n - 1n])],
    ];
    for (const [mode, arr] of typed) {
      it(`${mode}: a typed array round-trips`, async () => {
        const [a, b] = await pair();
        await b.send(arr);
        const got = await a.recv({ mode: mode as "int8", timeout: 5000 });
        expect(got.constructor).to.equal(arr.constructor);
        expect(Array.from(got as ArrayLike<number>)).to.deep.equal(Array.from(arr as ArrayLike<number>));
      });
    }

    for (const mode of ["int16", "uint16", "int32", "uint32", "float32", "float64", "bigint64", "biguint64"] as const) {
      it(`${mode}: 3 bytes do not fit → EINVAL with the bytes in err.data`, async () => {
        const [a, b] = await pair();
        await b.send(Uint8Array.of(1, 2, 3));
        const err = await rejects(a.recv({ mode, timeout: 5000 }), "EINVAL");
        expect(Array.from(err.data!)).to.deep.equal([1, 2, 3]);
        // The socket is fine afterwards.
        await b.send(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0));
        expect((await a.recv({ mode, timeout: 5000 })).length).to.be.greaterThan(0);
      });
    }

    it("typed arrays over tcp keep their values (a copy with its own buffer)", async () => {
      const rep = await open("pair", { listen: "tcp://127.0.0.1:0" });
      const req = await open("pair", { dial: rep.listeners[0]!.url, autostart: "sync" });
      await req.send(new Float64Array([1, 2, 3]));
      const f = await rep.recv({ mode: "float64", timeout: 5000 });
      expect(Array.from(f)).to.deep.equal([1, 2, 3]);
      expect(f.byteOffset).to.equal(0);
    });

    it("message: the whole Message with the pipe it came on", async () => {
      const [a, b] = await pair();
      await b.send("m");
      const m = await a.recv({ mode: "message", timeout: 5000 });
      expect(m).to.be.instanceOf(Message);
      expect(Buffer.from(m.body).toString()).to.equal("m");
      expect(m.header.length).to.equal(0);
      expect(a.pipeIds).to.include(m.pipe);
      await b.send(new Message(new TextEncoder().encode("as message")));
      expect(await a.recv({ mode: "string", timeout: 5000 })).to.equal("as message");
    });

    it("bad modes and unsendable values → EINVAL", async () => {
      const [a, b] = await pair();
      await rejects(b.send(42, { mode: "raw" }), "EINVAL");
      await rejects(b.send({ x: 1 }, { mode: "raw" }), "EINVAL");
      await rejects(b.send("x", { mode: "cbor" as never }), "EINVAL");
      await rejects(b.send(() => 1, { mode: "serial" }), "EINVAL");
      await rejects(a.recv({ mode: "utf8" as never }), "EINVAL");
      await rejects(a.recv({ timeout: "soon" as never }), "EBADTYPE");
      // None of those sent anything.
      await rejects(a.tryRecv(), "EAGAIN");
    });
  });

  describe("Nano", () => {
    it("send/recv/trySend/tryRecv, dialers, listeners, protocol", async () => {
      const url = inprocUrl("nano");
      const rep = await openNano("rep", { listen: url });
      const req = await openNano("req", { dial: url, autostart: "sync", "recv-timeout": 5000 });
      expect(req.protocol).to.equal("req");
      expect(req.dialers).to.have.length(1);
      expect(rep.listeners).to.have.length(1);
      expect(rep.listeners[0]!.url).to.equal(url);
      await rejects(rep.tryRecv(), "EAGAIN");
      await req.send({ q: 1 });
      expect(await rep.recv({ mode: "serial", timeout: 5000 })).to.deep.equal({ q: 1 });
      await rep.trySend("a");
      expect(await req.recv({ mode: "string" })).to.equal("a");
    });

    it("contextOpen routes send/recv through a context until contextClose", async () => {
      const url = inprocUrl("nano-ctx");
      const rep = await openNano("rep", { listen: url });
      const req = await openNano("req", { dial: url, autostart: "sync", "recv-timeout": 5000 });
      const c1 = req.contextOpen();
      expect(req.context).to.equal(c1);
      const rc = rep.contextOpen();
      await req.send("via ctx");
      expect(await rep.recv({ mode: "string", timeout: 5000 })).to.equal("via ctx");
      await rep.send("back");
      expect(await req.recv({ mode: "string" })).to.equal("back");
      // A second contextOpen replaces (and closes) the first.
      const c2 = req.contextOpen();
      expect(c1.closed).to.equal(true);
      expect(req.context).to.equal(c2);
      await req.contextClose();
      expect(req.context).to.equal(undefined);
      expect(c2.closed).to.equal(true);
      await rep.contextClose();
      expect(rc.closed).to.equal(true);
      await req.send("plain");
      expect(await rep.recv({ mode: "string", timeout: 5000 })).to.equal("plain");
    });

    it("subscribe / unsubscribe", async () => {
      const url = inprocUrl("nano-sub");
      const pub = await openNano("pub", { listen: url });
      const sub = await openNano("sub", { dial: url, autostart: "sync" });
      await pipes(pub.socket, 1);
      sub.subscribe("a");
      await pub.send("a1");
      await pub.send("b1");
      await pub.send("a2");
      expect(await sub.recv({ mode: "string", timeout: 5000 })).to.equal("a1");
      expect(await sub.recv({ mode: "string", timeout: 5000 })).to.equal("a2");
      sub.unsubscribe("a");
      throws(() => sub.unsubscribe("a"), "ENOENT");
      await pub.send("a3");
      await rejects(sub.recv({ timeout: 30 }), "ETIMEDOUT");
    });

    it("surveyTime sets surveyor:survey-time; an unanswered survey times out", async () => {
      const s = await openNano("surveyor");
      s.surveyTime(40);
      expect(s.opt("surveyor:survey-time")).to.equal(40);
      await s.send("anyone?");
      await rejects(s.recv(), "ETIMEDOUT");
      s.surveyTime();
      expect(s.opt("surveyor:survey-time")).to.equal(1000);
    });

    it("close closes the socket; the Nano is then unusable", async () => {
      const n = await nano("pair");
      await n.close();
      expect(n.socket.closed).to.equal(true);
      await fails(() => n.send("x"), "ECLOSED");
      await fails(() => n.recv(), "ECLOSED");
      await fails(() => n.opt("recv-timeout"), "ECLOSED");
      await fails(() => n.dial(inprocUrl("x")), "ECLOSED");
      await fails(() => n.listen(inprocUrl("x")), "ECLOSED");
      await fails(() => n.contextOpen(), "ECLOSED");
    });
  });

  describe("functional API", () => {
    it("listen, dial, send, recv, close on sockets and Nano", async () => {
      const url = inprocUrl("fn");
      const a = await open("pair");
      const l = await listen(a, url);
      expect(l.url).to.equal(url);
      const b = await openNano("pair");
      const d = await dial(b, url, { autostart: "sync" });
      expect(d.state).to.equal("started");
      await send(b, "to a");
      expect(await recv(a, { mode: "string", timeout: 5000 })).to.equal("to a");
      await send(a, new Int32Array([1, -1]));
      expect(Array.from(await recv(b, { mode: "int32", timeout: 5000 }))).to.deep.equal([1, -1]);
      await close(d);
      expect(d.state).to.equal("closed");
      await close(l);
      expect(l.state).to.equal("closed");
      await close(b);
      expect(b.socket.closed).to.equal(true);
      await close(a);
      await close(a);
      expect(a.closed).to.equal(true);
    });

    it("context, subscribe, unsubscribe, surveyTime", async () => {
      const rep = await open("rep");
      const ctx = context(rep);
      expect(ctx.socket).to.equal(rep);
      await close(ctx);
      expect(ctx.closed).to.equal(true);
      const sub = await open("sub");
      subscribe(sub, "t");
      unsubscribe(sub, "t");
      throws(() => unsubscribe(sub, "t"), "ENOENT");
      subscribe(sub);
      const sv = await openNano("surveyor");
      surveyTime(sv, 123);
      expect(sv.opt("surveyor:survey-time")).to.equal(123);
      surveyTime(sv.socket);
      expect(sv.socket.opt("surveyor:survey-time")).to.equal(1000);
    });

    it("rejects things that are not sockets with EINVAL", async () => {
      await rejects(send({} as never, "x"), "EINVAL");
      await rejects(recv(null as never), "EINVAL");
      await rejects(dial({} as never, "inproc://x"), "EINVAL");
      await rejects(listen(5 as never, "inproc://x"), "EINVAL");
      await rejects(close(undefined as never), "EINVAL");
      throws(() => context({} as never), "EINVAL");
    });

    it("errors are NngError with code, errno and nng's text", async () => {
      const err = await rejects(socket("nope" as never), "ENOTSUP");
      expect(err).to.be.instanceOf(Error);
      expect(err.name).to.equal("NngError");
      expect(err.errno).to.equal(9);
      expect(err.message).to.match(/^9 \| Not supported/);
    });
  });
});
