/**
 * Byte-level misbehaving peers against our tcp and ipc endpoints
 * (wire-protocol.md §2.1, §2.3, §3.1, §8.2, §12): every bad connection is
 * dropped on its own and the socket keeps serving good peers.
 */
import { expect } from "chai";
import { type PipeInfo, type Socket, socket } from "../../src/index.js";
import { ipcUrl, urlFor } from "../helpers/addr.js";
import { rejects } from "../helpers/nng-expect.js";
import { destroyAllRaw, frame, type RawConn, rawConnect, RawServer, spHeader } from "../helpers/raw-stream.js";
import { pipeRemoved, pipes } from "../helpers/wait.js";

const REQ = 0x30;
const REP = 0x31;
const PUB = 0x20;
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** Records the pipe events of a socket. */
function record(s: Socket): string[] {
  const ev: string[] = [];
  s.on("pipe:add-pre", () => ev.push("add-pre"));
  s.on("pipe:add", () => ev.push("add"));
  s.on("pipe:remove", () => ev.push("remove"));
  return ev;
}

/** Resolves on the next `pipe:remove` whose pipe is not `keep`. */
function removedOther(s: Socket, keep: Set<number>): Promise<PipeInfo> {
  return new Promise((resolve) => {
    const on = (p: PipeInfo) => {
      if (keep.has(p.id)) return;
      s.off("pipe:remove", on);
      resolve(p);
    };
    s.on("pipe:remove", on);
  });
}

for (const t of ["tcp", "ipc"] as const) {
  const ipc = t === "ipc";
  const fr = (payload: Uint8Array | string) => frame(payload, ipc);

  describe(`malformed peers against a rep listener (${t})`, () => {
    let rep: Socket;
    let url: string;
    const extra: Socket[] = [];

    beforeEach(async () => {
      rep = await socket("rep", { listen: urlFor(t, "mal") });
      url = rep.listeners[0]!.url;
    });

    afterEach(async () => {
      destroyAllRaw();
      for (const s of extra.splice(0)) await s.close();
      await rep.close();
    });

    /** A real req peer gets a reply: the listener still works. */
    async function servesGoodPeer(): Promise<void> {
      const req = await socket("req", { dial: url, autostart: "sync", "recv-timeout": 5000 });
      extra.push(req);
      const served = (async () => {
        const m = await rep.recv({ mode: "string", timeout: 5000 });
        await rep.send(`${m}!`);
      })();
      await req.send("hi");
      expect(await req.recv({ mode: "string" })).to.equal("hi!");
      await served;
    }

    /** Sends `bytes` as the SP header; expects our header back, then the connection closed. */
    async function rejectedHeader(bytes: Buffer): Promise<void> {
      const ev = record(rep);
      const before = rep.pipeIds;
      const c = await rawConnect(url);
      c.write(bytes);
      // The listener sends its own 8 bytes without waiting for ours.
      expect(hex(await c.read(8))).to.equal(hex(spHeader(REP)));
      await c.waitClosed();
      expect(rep.pipeIds).to.deep.equal(before);
      expect(ev).to.deep.equal([]);
      await servesGoodPeer();
    }

    it("bad magic → connection closed, good peer still served", async () => {
      await rejectedHeader(Buffer.from("0153500000300000", "hex"));
    });

    it("version 1 → connection closed, good peer still served", async () => {
      await rejectedHeader(Buffer.from("0053500100300000", "hex"));
    });

    it("reserved byte set → connection closed, good peer still served", async () => {
      await rejectedHeader(Buffer.from("0053500000300001", "hex"));
      await rejectedHeader(Buffer.from("0053500000300100", "hex"));
    });

    it("an HTTP request instead of a header → connection closed", async () => {
      await rejectedHeader(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    });

    for (const [name, id] of [
      ["pub (0x20)", PUB],
      ["rep (0x31, same role)", REP],
      ["unknown protocol 0x640", 0x640],
    ] as const) {
      it(`wrong peer protocol ${name} → pipe rejected after add-pre, connection closed`, async () => {
        const ev = record(rep);
        const removed = pipeRemoved(rep);
        const c = await rawConnect(url);
        c.write(spHeader(id));
        expect(hex(await c.read(8))).to.equal(hex(spHeader(REP)));
        await c.waitClosed();
        await removed;
        // nng: the protocol refuses the pipe in pipe_start, so ADD_PRE then REM_POST, never ADD_POST.
        expect(ev).to.deep.equal(["add-pre", "remove"]);
        expect(rep.pipeIds).to.deep.equal([]);
        await servesGoodPeer();
      });
    }

    it("half a handshake, then close → cleaned up, good peer still served", async () => {
      const c = await rawConnect(url);
      c.write(Buffer.from("00535000", "hex"));
      expect(hex(await c.read(8))).to.equal(hex(spHeader(REP)));
      c.sock.end();
      await c.waitClosed();
      expect(rep.pipeIds).to.deep.equal([]);
      await servesGoodPeer();
    });

    it("a stalled half handshake does not block other peers", async () => {
      const c = await rawConnect(url);
      c.write(Buffer.from("005350", "hex"));
      expect(hex(await c.read(8))).to.equal(hex(spHeader(REP)));
      await servesGoodPeer();
      expect(c.isDone).to.equal(false);
      // Closing the socket drops the connection still in its handshake.
      await rep.close();
      await c.waitClosed();
    });

    it("a raw req peer that behaves gets its reply (byte-exact)", async () => {
      const c = await rawConnect(url);
      c.write(Buffer.concat([spHeader(REQ), fr(Buffer.from("8000002a68656c6c6f", "hex"))]));
      expect(hex(await c.read(8))).to.equal(hex(spHeader(REP)));
      expect(await rep.recv({ mode: "string", timeout: 5000 })).to.equal("hello");
      await rep.send("world");
      const pre = await c.read(ipc ? 9 : 8);
      expect(hex(pre)).to.equal((ipc ? "01" : "") + "0000000000000009");
      expect(hex(await c.read(9))).to.equal("8000002a776f726c64");
    });

    it("handshake and frames written one byte at a time", async () => {
      const c = await rawConnect(url);
      const bytes = Buffer.concat([spHeader(REQ), fr(Buffer.from("80000007", "hex")), fr(Buffer.from("8000000861", "hex"))]);
      const got = rep.recv({ mode: "string", timeout: 5000 });
      for (const b of bytes) {
        c.write(Buffer.of(b));
        // Let each byte go out in its own segment.
        await new Promise((r) => setImmediate(r));
      }
      expect(await got).to.equal("");
      await rep.send("x");
      expect(await rep.recv({ mode: "string", timeout: 5000 })).to.equal("a");
      await rep.send("y");
      await c.read(8);
      expect(hex(await c.readFrame(ipc))).to.equal("8000000778");
      expect(hex(await c.readFrame(ipc))).to.equal("8000000879");
    });

    for (const [what, setLimit] of [
      ["socket", (s: Socket) => s.setOpt("recv-size-max", 16)],
      ["listener", (s: Socket) => s.listeners[0]!.setOpt("recv-size-max", 16)],
    ] as const) {
      it(`a frame over recv-size-max (set on the ${what}) closes that pipe only; == max is accepted`, async () => {
        setLimit(rep);
        const a = await rawConnect(url);
        const b = await rawConnect(url);
        a.write(spHeader(REQ));
        b.write(spHeader(REQ));
        await a.read(8);
        await b.read(8);
        await pipes(rep, 2);
        const keep = new Set(rep.pipeIds);
        const removed = removedOther(rep, new Set());
        // 17 bytes: 4-byte request id + 13 bytes; only the length prefix matters.
        a.write(fr(Buffer.concat([Buffer.from("80000001", "hex"), Buffer.alloc(13, 0x61)])));
        await a.waitClosed();
        const gone = await removed;
        expect(keep.has(gone.id)).to.equal(true);
        expect(rep.pipeIds).to.have.length(1);
        // Exactly 16 bytes on the other pipe is fine.
        b.write(fr(Buffer.concat([Buffer.from("80000002", "hex"), Buffer.from("twelve bytes")])));
        expect(await rep.recv({ mode: "string", timeout: 5000 })).to.equal("twelve bytes");
        await rep.send("ok");
        expect(hex(await b.readFrame(ipc))).to.equal("80000002" + Buffer.from("ok").toString("hex"));
        expect(b.isDone).to.equal(false);
      });
    }

    it("an announced length of 2^64-1 closes the pipe without allocating", async () => {
      const c = await rawConnect(url);
      c.write(spHeader(REQ));
      await c.read(8);
      await pipes(rep, 1);
      const before = process.memoryUsage().arrayBuffers;
      c.write(Buffer.from((ipc ? "01" : "") + "ffffffffffffffff00000000", "hex"));
      await c.waitClosed();
      expect(process.memoryUsage().arrayBuffers - before).to.be.lessThan(256 * 1024 * 1024);
      await servesGoodPeer();
    });

    it("garbage after a valid handshake closes the pipe", async () => {
      const c = await rawConnect(url);
      c.write(spHeader(REQ));
      await c.read(8);
      await pipes(rep, 1);
      const removed = pipeRemoved(rep);
      c.write("GET / HTTP/1.1\r\nHost: example\r\n\r\n");
      await c.waitClosed();
      await removed;
      await servesGoodPeer();
    });

    for (const [what, tail] of [
      ["a frame with a huge length", (ipc ? "01" : "") + "ffffffffffffffff"],
      ["a zero-length request (no backtrace)", (ipc ? "01" : "") + "0000000000000000"],
      ["an unterminated backtrace", (ipc ? "01" : "") + "000000000000000400000001"],
    ] as const) {
      it(`header and ${what} in one write: pipe added, then closed (events in order)`, async () => {
        const ev = record(rep);
        const removed = pipeRemoved(rep);
        const c = await rawConnect(url);
        c.write(Buffer.concat([spHeader(REQ), Buffer.from(tail, "hex")]));
        await c.waitClosed();
        await removed;
        expect(ev).to.deep.equal(["add-pre", "add", "remove"]);
        expect(rep.pipeIds).to.deep.equal([]);
        await servesGoodPeer();
      });
    }

    it("header and a request in one write: the request is served", async () => {
      const c = await rawConnect(url);
      c.write(Buffer.concat([spHeader(REQ), fr(Buffer.from("8000000568690a", "hex"))]));
      expect(await rep.recv({ mode: "string", timeout: 5000 })).to.equal("hi\n");
      await rep.send("yo");
      await c.read(8);
      expect(hex(await c.readFrame(ipc))).to.equal("80000005" + Buffer.from("yo").toString("hex"));
    });

    it("a zero-length frame to rep (no backtrace) closes the pipe", async () => {
      const c = await rawConnect(url);
      c.write(spHeader(REQ));
      await c.read(8);
      await pipes(rep, 1);
      c.write(fr(new Uint8Array(0)));
      await c.waitClosed();
      await servesGoodPeer();
    });

    if (ipc) {
      for (const type of [0x00, 0x02, 0x80]) {
        it(`an ipc frame with type byte 0x${type.toString(16).padStart(2, "0")} closes the pipe`, async () => {
          const c = await rawConnect(url);
          c.write(spHeader(REQ));
          await c.read(8);
          await pipes(rep, 1);
          const removed = pipeRemoved(rep);
          const f = frame(Buffer.from("8000000170696e67", "hex"), true);
          f[0] = type;
          c.write(f);
          await c.waitClosed();
          await removed;
          expect(rep.pipeIds).to.deep.equal([]);
          await servesGoodPeer();
        });
      }

      it("a good ipc frame followed by a bad type byte: the good one is delivered, then the pipe closes", async () => {
        const c = await rawConnect(url);
        c.write(spHeader(REQ));
        await c.read(8);
        const bad = frame(Buffer.from("8000000278", "hex"), true);
        bad[0] = 0x02;
        c.write(Buffer.concat([frame(Buffer.from("8000000161", "hex"), true), bad]));
        expect(await rep.recv({ mode: "string", timeout: 5000 })).to.equal("a");
        await c.waitClosed();
      });
    } else {
      it("a tcp frame that starts with 0x01 is read as a length, not a type byte", async () => {
        const c = await rawConnect(url);
        c.write(spHeader(REQ));
        await c.read(8);
        await pipes(rep, 1);
        // An ipc-style frame on tcp: length 0x0100000000000000 → EMSGSIZE, closed.
        c.write(frame(Buffer.from("8000000170696e67", "hex"), true));
        await c.waitClosed();
        await servesGoodPeer();
      });
    }
  });

  describe(`our dialer against a raw ${t} server`, () => {
    const opened: Socket[] = [];
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
      destroyAllRaw();
    });

    async function server(onConn: (c: RawConn) => void): Promise<RawServer> {
      const srv = new RawServer(onConn);
      return srv.listen(ipc ? ipcUrl("raw").slice("ipc://".length) : undefined);
    }
    async function req(opts: Record<string, unknown> = {}): Promise<Socket> {
      const s = await socket("req", { "reconnect-time-min": 10, ...opts });
      opened.push(s);
      return s;
    }

    for (const [what, hdr] of [
      ["bad magic", "0153500000310000"],
      ["version 1", "0053500100310000"],
      ["a reserved byte", "0053500000310100"],
    ] as const) {
      it(`sync dial: ${what} in the answer → EPROTO, the dialer is removed, the connection closed`, async () => {
        const srv = await server((c) => c.write(Buffer.from(hdr, "hex")));
        const s = await req();
        await rejects(s.dial(srv.url, { autostart: "sync" }), "EPROTO");
        expect(s.dialers).to.have.length(0);
        const c = srv.conns[0]!;
        // We sent our header first, then hung up.
        expect(hex(await c.read(8))).to.equal(hex(spHeader(REQ)));
        await c.waitClosed();
        expect(srv.conns).to.have.length(1);
      });
    }

    it("socket(…, { autostart: 'sync' }) with a bad answer rejects EPROTO", async () => {
      const srv = await server((c) => c.write(Buffer.from("0153500000310000", "hex")));
      await rejects(socket("req", { dial: srv.url, autostart: "sync" }), "EPROTO");
      await srv.conns[0]!.waitClosed();
    });

    it("background dial: a bad answer is retried with back-off until the socket closes", async () => {
      const srv = await server((c) => c.write(Buffer.from("0153500000310000", "hex")));
      const s = await req();
      const d = await s.dial(srv.url);
      expect(d.state).to.equal("started");
      await srv.connections(3);
      expect(s.dialers).to.deep.equal([d]);
      await s.close();
      for (const c of srv.conns) await c.waitClosed();
      expect(d.state).to.equal("closed");
    });

    it("sync dial to a wrong-role peer succeeds (as nng_dial), then the pipe is refused and redialed", async () => {
      const srv = await server((c) => c.write(spHeader(PUB)));
      const s = await req();
      const ev = record(s);
      const d = await s.dial(srv.url, { autostart: "sync" });
      expect(s.dialers).to.deep.equal([d]);
      await srv.connections(2);
      await srv.conns[0]!.waitClosed();
      expect(ev.slice(0, 2)).to.deep.equal(["add-pre", "remove"]);
      expect(ev).to.not.include("add");
    });

    it("sync dial: the server hangs up before its header → rejected, the dialer is removed", async () => {
      const srv = await server((c) => c.sock.end());
      const s = await req();
      const err = await s.dial(srv.url, { autostart: "sync" }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.have.property("name", "NngError");
      expect(["ECONNSHUT", "ECONNRESET", "ECLOSED"]).to.include((err as { code: string }).code);
      expect(s.dialers).to.have.length(0);
    });

    it("sync dial: half a header then hang-up → rejected", async () => {
      const srv = await server((c) => {
        c.write(Buffer.from("00535000", "hex"));
        c.sock.end();
      });
      const s = await req();
      const err = await s.dial(srv.url, { autostart: "sync" }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.have.property("name", "NngError");
      expect(s.dialers).to.have.length(0);
    });

    it("garbage after a valid answer closes the pipe and the dialer redials", async () => {
      const srv = await server((c) => {
        c.write(spHeader(REP));
        if (srv.conns.length === 1) c.write(Buffer.from((ipc ? "01" : "") + "ffffffffffffffff", "hex"));
      });
      const s = await req();
      const ev = record(s);
      await s.dial(srv.url, { autostart: "sync" });
      await srv.conns[0]!.waitClosed();
      await srv.connections(2);
      expect(ev.slice(0, 3)).to.deep.equal(["add-pre", "add", "remove"]);
    });

    it("recv-size-max on the dialer: an oversized frame from the server closes the pipe, then it redials", async () => {
      const srv = await server((c) => {
        c.write(spHeader(REP));
        if (srv.conns.length === 1) c.write(frame(Buffer.alloc(17, 0x80), ipc));
      });
      const s = await req();
      const d = await s.dial(srv.url, { autostart: false });
      d.setOpt("recv-size-max", 16);
      const removed = pipeRemoved(s);
      await d.start({ async: false });
      await removed;
      await srv.conns[0]!.waitClosed();
      await srv.connections(2);
      expect(s.dialers).to.deep.equal([d]);
    });

    it("our dialer sends its header at once and drops a silent server on close", async () => {
      const srv = await server(() => undefined);
      const s = await req();
      const dialing = s.dial(srv.url, { autostart: "sync" }).then(
        () => undefined,
        (e: unknown) => e,
      );
      await srv.connections(1);
      const c = srv.conns[0]!;
      expect(hex(await c.read(8))).to.equal(hex(spHeader(REQ)));
      await s.close();
      await c.waitClosed();
      const err = await dialing;
      expect(err).to.have.property("code", "ECLOSED");
    });

    it("a raw rep server gets a byte-exact request and its reply is delivered", async () => {
      const srv = await server(async (c) => {
        c.write(spHeader(REP));
        const hdr = await c.read(8);
        if (hex(hdr) !== hex(spHeader(REQ))) return c.destroy();
        const m = await c.readFrame(ipc);
        // Echo the request id, upper-case the body.
        c.write(frame(Buffer.concat([m.subarray(0, 4), Buffer.from(m.subarray(4).toString().toUpperCase())]), ipc));
      });
      const s = await req({ "recv-timeout": 5000 });
      await s.dial(srv.url, { autostart: "sync" });
      await s.send("ping");
      expect(await s.recv({ mode: "string" })).to.equal("PING");
    });
  });
}
