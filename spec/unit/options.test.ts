import fs from "node:fs";
import { expect } from "chai";
import { type ProtocolName, type Socket, nano, opt, PROTOCOL_NAMES, serialConfig, setOpt, socket } from "../../src/index.js";
import { inprocUrl, ipcUrl } from "../helpers/addr.js";
import { rejects, throws } from "../helpers/nng-expect.js";

/** Protocol ids and names (wire-protocol.md §1). */
const IDS: Record<string, [number, string, number, string]> = {
  pair0: [0x10, "pair", 0x10, "pair"],
  pair1: [0x11, "pair1", 0x11, "pair1"],
  pub0: [0x20, "pub", 0x21, "sub"],
  sub0: [0x21, "sub", 0x20, "pub"],
  req0: [0x30, "req", 0x31, "rep"],
  rep0: [0x31, "rep", 0x30, "req"],
  push0: [0x50, "push", 0x51, "pull"],
  pull0: [0x51, "pull", 0x50, "push"],
  surveyor0: [0x62, "surveyor", 0x63, "respondent"],
  respondent0: [0x63, "respondent", 0x62, "surveyor"],
  bus0: [0x70, "bus", 0x70, "bus"],
};
const CANONICAL: Record<ProtocolName, keyof typeof IDS> = {
  bus: "bus0", bus0: "bus0", pair: "pair0", pair0: "pair0", pair1: "pair1", poly: "pair1",
  push: "push0", push0: "push0", pull: "pull0", pull0: "pull0", pub: "pub0", pub0: "pub0", sub: "sub0", sub0: "sub0",
  req: "req0", req0: "req0", rep: "rep0", rep0: "rep0", surveyor: "surveyor0", surveyor0: "surveyor0",
  respondent: "respondent0", respondent0: "respondent0",
};

/** nng's queue defaults (wire-protocol.md §10.1). */
const RECV_BUFFER: Record<string, number> = {
  bus0: 1, push0: 1, pull0: 1, req0: 1, rep0: 1, surveyor0: 1, respondent0: 1, pair0: 0, pair1: 0, sub0: 128,
};

describe("options (wire-protocol.md §8.4, §10)", () => {
  const opened: Socket[] = [];
  async function open(p: ProtocolName, o: Record<string, unknown> = {}): Promise<Socket> {
    const s = await socket(p, o);
    opened.push(s);
    return s;
  }
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });

  describe("identity options", () => {
    for (const name of PROTOCOL_NAMES) {
      it(`${name}: protocol, peer, names and raw are right and read-only`, async () => {
        const [self, selfName, peer, peerName] = IDS[CANONICAL[name]]!;
        for (const raw of [false, true]) {
          const s = await open(name, { raw });
          expect(s.opt("protocol")).to.equal(self);
          expect(s.opt("peer")).to.equal(peer);
          expect(s.opt("protocol-name")).to.equal(selfName);
          expect(s.opt("peer-name")).to.equal(peerName);
          expect(s.opt("raw")).to.equal(raw);
          expect(s.raw).to.equal(raw);
          expect(s.info).to.deep.equal({ self, selfName, peer, peerName });
          for (const ro of ["protocol", "peer", "protocol-name", "peer-name", "raw"]) {
            throws(() => s.setOpt(ro, s.opt(ro)), "EREADONLY");
          }
        }
      });
    }
  });

  describe("nng defaults", () => {
    it("generic socket options", async () => {
      const s = await open("req");
      expect(s.opt("recv-timeout")).to.equal(-1);
      expect(s.opt("send-timeout")).to.equal(-1);
      expect(s.opt("reconnect-time-min")).to.equal(1000);
      expect(s.opt("reconnect-time-max")).to.equal(0);
      expect(s.opt("recv-size-max")).to.equal(0);
      expect(s.opt("ttl-max")).to.equal(8);
      expect(s.opt("tcp-nodelay")).to.equal(true);
      expect(s.opt("tcp-keepalive")).to.equal(false);
      expect(s.opt("socket-name")).to.equal(String(s.id));
    });

    it("socket ids count up and name the socket", async () => {
      const a = await open("pair");
      const b = await open("pair");
      expect(b.id).to.be.greaterThan(a.id);
      expect(a.opt("socket-name")).to.equal(String(a.id));
      expect(b.opt("socket-name")).to.equal(String(b.id));
    });

    it("protocol options", async () => {
      expect((await open("req")).opt("req:resend-time")).to.equal(60000);
      expect((await open("surveyor")).opt("surveyor:survey-time")).to.equal(1000);
      expect((await open("sub")).opt("sub:prefnew")).to.equal(true);
      expect((await open("pub")).opt("send-buffer")).to.equal(16);
      expect((await open("poly")).opt("pair1:polyamorous")).to.equal(true);
      for (const p of ["req", "rep", "surveyor", "respondent", "pair1"] as const) {
        expect((await open(p)).opt("ttl-max"), p).to.equal(8);
      }
    });

    for (const [proto, n] of Object.entries(RECV_BUFFER)) {
      it(`${proto}: recv-buffer defaults to ${n}`, async () => {
        const s = await open(proto as ProtocolName);
        expect(s.opt("recv-buffer")).to.equal(n);
      });
    }
  });

  describe("validation", () => {
    it("unknown names → ENOTSUP on opt and setOpt", async () => {
      const s = await open("req");
      throws(() => s.opt("no-such-option"), "ENOTSUP");
      throws(() => s.setOpt("no-such-option", 1), "ENOTSUP");
      throws(() => s.opt("url"), "ENOTSUP");
      throws(() => s.opt("__proto__"), "ENOTSUP");
      throws(() => s.setOpt("toString", 1), "ENOTSUP");
      throws(() => s.opt("constructor"), "ENOTSUP");
      throws(() => s.opt("hasOwnProperty"), "ENOTSUP");
      const ctx = s.context();
      throws(() => ctx.opt("toString"), "ENOTSUP");
      throws(() => ctx.setOpt("__proto__", {}), "ENOTSUP");
      const d = await s.dial("inproc://nobody-opt", { autostart: false });
      throws(() => d.opt("constructor"), "ENOTSUP");
      throws(() => d.setOpt("__proto__", 1), "ENOTSUP");
      const l = await s.listen(inprocUrl("proto-names"), { autostart: false });
      throws(() => l.opt("toString"), "ENOTSUP");
      throws(() => l.setOpt("valueOf", 1), "ENOTSUP");
    });

    it("another protocol's options → ENOTSUP", async () => {
      const rep = await open("rep");
      throws(() => rep.opt("req:resend-time"), "ENOTSUP");
      throws(() => rep.setOpt("surveyor:survey-time", 5), "ENOTSUP");
      const pub = await open("pub");
      throws(() => pub.setOpt("sub:subscribe", "x"), "ENOTSUP");
      throws(() => pub.opt("sub:prefnew"), "ENOTSUP");
      const pair = await open("pair");
      throws(() => pair.opt("pair1:polyamorous"), "ENOTSUP");
    });

    it("wrong types → EBADTYPE", async () => {
      const s = await open("req");
      const bad: [string, unknown][] = [
        ["recv-timeout", "100"],
        ["recv-timeout", true],
        ["recv-timeout", null],
        ["recv-timeout", Number.NaN],
        ["send-timeout", 10n],
        ["socket-name", 5],
        ["tcp-nodelay", 1],
        ["tcp-keepalive", "yes"],
        ["recv-size-max", "1"],
        ["reconnect-time-min", {}],
        ["ttl-max", "8"],
        ["req:resend-time", [1]],
      ];
      for (const [name, v] of bad) throws(() => s.setOpt(name, v), "EBADTYPE");
      const sub = await open("sub");
      throws(() => sub.setOpt("sub:subscribe", 5), "EBADTYPE");
      throws(() => sub.setOpt("sub:prefnew", 1), "EBADTYPE");
      throws(() => s.setOpt("serial", 5), "EBADTYPE");
      throws(() => s.opt(5 as unknown as string), "EBADTYPE");
    });

    it("out of range → EINVAL", async () => {
      const s = await open("req");
      const bad: [string, unknown][] = [
        ["ttl-max", 0],
        ["ttl-max", 16],
        ["recv-buffer", 8193],
        ["recv-buffer", -1],
        ["send-buffer", 8193],
        ["recv-timeout", -5],
        ["recv-timeout", -2],
        ["recv-timeout", 1.5],
        ["send-timeout", -5],
        ["recv-size-max", -1],
        ["reconnect-time-min", -2],
        ["req:resend-time", -7],
        ["socket-name", "x".repeat(64)],
      ];
      for (const [name, v] of bad) throws(() => s.setOpt(name, v), "EINVAL");
      for (const p of ["rep", "surveyor", "respondent", "pair1", "poly"] as const) {
        const x = await open(p);
        throws(() => x.setOpt("ttl-max", 0), "EINVAL");
        throws(() => x.setOpt("ttl-max", 16), "EINVAL");
      }
      const pub = await open("pub");
      throws(() => pub.setOpt("send-buffer", 0), "EINVAL");
      const sub = await open("sub");
      throws(() => sub.setOpt("recv-buffer", 8193), "EINVAL");
      // Nothing changed.
      expect(s.opt("ttl-max")).to.equal(8);
      expect(s.opt("recv-timeout")).to.equal(-1);
    });

    it("edge values inside the range are accepted", async () => {
      const s = await open("req");
      const ok: [string, unknown][] = [
        ["ttl-max", 1],
        ["ttl-max", 15],
        ["recv-buffer", 0],
        ["recv-buffer", 8192],
        ["send-buffer", 8192],
        ["recv-timeout", -1],
        ["recv-timeout", 0],
        ["recv-size-max", 0],
        ["recv-size-max", 2 ** 40],
        ["reconnect-time-max", 0],
        ["req:resend-time", 0],
        ["socket-name", "x".repeat(63)],
      ];
      for (const [name, v] of ok) {
        s.setOpt(name, v);
        expect(s.opt(name), name).to.equal(v);
      }
    });

    it("write-only options → EWRITEONLY when read", async () => {
      const sub = await open("sub");
      throws(() => sub.opt("sub:subscribe"), "EWRITEONLY");
      throws(() => sub.opt("sub:unsubscribe"), "EWRITEONLY");
      sub.setOpt("sub:subscribe", "topic");
      sub.setOpt("sub:unsubscribe", new TextEncoder().encode("topic"));
      throws(() => sub.setOpt("sub:unsubscribe", "topic"), "ENOENT");
    });

    it("read-only options → EREADONLY (socket, dialer, listener, poly)", async () => {
      const s = await open("rep", { listen: "tcp://127.0.0.1:0" });
      const l = s.listeners[0]!;
      throws(() => l.setOpt("url", "tcp://127.0.0.1:1"), "EREADONLY");
      throws(() => l.setOpt("tcp-bound-port", 1), "EREADONLY");
      const d = await s.dial("tcp://127.0.0.1:1", { autostart: false });
      throws(() => d.setOpt("url", "tcp://127.0.0.1:2"), "EREADONLY");
      const poly = await open("poly");
      throws(() => poly.setOpt("pair1:polyamorous", false), "EREADONLY");
    });

    it("bad options given to socket() reject, as setOpt would", async () => {
      await rejects(socket("req", { "no-such-option": 1 }), "ENOTSUP");
      await rejects(socket("req", { "recv-timeout": "soon" }), "EBADTYPE");
      await rejects(socket("req", { "ttl-max": 16 }), "EINVAL");
      await rejects(socket("req", { protocol: 0x31 }), "EREADONLY");
      const s = await open("req", { "recv-timeout": 123, "socket-name": "named", "req:resend-time": 0, "ttl-max": 3 });
      expect(s.opt("recv-timeout")).to.equal(123);
      expect(s.opt("socket-name")).to.equal("named");
      expect(s.opt("req:resend-time")).to.equal(0);
      expect(s.opt("ttl-max")).to.equal(3);
    });

    it("the serial option takes a serialConfig()", async () => {
      const s = await open("pair");
      const cfg = serialConfig();
      s.setOpt("serial", cfg);
      expect(s.opt("serial")).to.equal(cfg);
      throws(() => s.setOpt("serial", { extensions: "no" }), "EBADTYPE");
    });
  });

  describe("dialer and listener options", () => {
    it("socket-level endpoint options are copied to dialers and listeners made afterwards", async () => {
      const s = await open("pair", {
        "recv-size-max": 4096,
        "reconnect-time-min": 50,
        "reconnect-time-max": 400,
        "tcp-nodelay": false,
        "tcp-keepalive": true,
      });
      const l = await s.listen("tcp://127.0.0.1:0");
      const d = await s.dial("tcp://127.0.0.1:1", { autostart: false });
      expect(l.opt("recv-size-max")).to.equal(4096);
      expect(l.opt("tcp-nodelay")).to.equal(false);
      expect(l.opt("tcp-keepalive")).to.equal(true);
      expect(d.opt("recv-size-max")).to.equal(4096);
      expect(d.opt("reconnect-time-min")).to.equal(50);
      expect(d.opt("reconnect-time-max")).to.equal(400);
      expect(d.opt("tcp-nodelay")).to.equal(false);
      expect(d.opt("tcp-keepalive")).to.equal(true);
    });

    it("setting them on the socket also updates existing endpoints", async () => {
      const s = await open("pair");
      const l = await s.listen(ipcUrl("opt"));
      const d = await s.dial("tcp://127.0.0.1:1", { autostart: false });
      s.setOpt("recv-size-max", 77);
      s.setOpt("reconnect-time-min", 5);
      s.setOpt("tcp-keepalive", true);
      expect(l.opt("recv-size-max")).to.equal(77);
      expect(d.opt("recv-size-max")).to.equal(77);
      expect(d.opt("reconnect-time-min")).to.equal(5);
      expect(d.opt("tcp-keepalive")).to.equal(true);
      expect(l.opt("tcp-keepalive")).to.equal(true);
    });

    it("endpoint options override the socket's without changing it or each other", async () => {
      const s = await open("pair", { "recv-size-max": 100 });
      const d1 = await s.dial("tcp://127.0.0.1:1", { autostart: false });
      const d2 = await s.dial("tcp://127.0.0.1:2", { autostart: false });
      d1.setOpt("recv-size-max", 5);
      d1.setOpt("reconnect-time-max", 9000);
      expect(d1.opt("recv-size-max")).to.equal(5);
      expect(d2.opt("recv-size-max")).to.equal(100);
      expect(s.opt("recv-size-max")).to.equal(100);
      expect(d2.opt("reconnect-time-max")).to.equal(0);
    });

    it("inproc does not enforce recv-size-max (as nng)", async () => {
      const url = inprocUrl("nolimit");
      const a = await open("pair", { listen: url, "recv-size-max": 4 });
      const b = await open("pair", { dial: url, autostart: "sync", "recv-size-max": 4 });
      await b.send(new Uint8Array(100));
      expect((await a.recv({ timeout: 5000 })).length).to.equal(100);
    });

    it("dialer: url, defaults and validation", async () => {
      const s = await open("req");
      const d = await s.dial("tcp://127.0.0.1:5", { autostart: false });
      expect(d.opt("url")).to.equal("tcp://127.0.0.1:5");
      expect(d.url).to.equal("tcp://127.0.0.1:5");
      expect(d.state).to.equal("not started");
      expect(d.opt("reconnect-time-min")).to.equal(1000);
      expect(d.opt("reconnect-time-max")).to.equal(0);
      expect(d.opt("recv-size-max")).to.equal(0);
      expect(d.opt("tcp-nodelay")).to.equal(true);
      expect(d.opt("tcp-keepalive")).to.equal(false);
      throws(() => d.opt("tcp-bound-port"), "ENOTSUP");
      throws(() => d.opt("ipc:permissions"), "ENOTSUP");
      throws(() => d.opt("recv-timeout"), "ENOTSUP");
      throws(() => d.setOpt("bogus", 1), "ENOTSUP");
      throws(() => d.setOpt("reconnect-time-min", "1"), "EBADTYPE");
      throws(() => d.setOpt("reconnect-time-min", -5), "EINVAL");
      throws(() => d.setOpt("recv-size-max", -1), "EINVAL");
      d.setOpt("reconnect-time-min", 10);
      expect(d.opt("reconnect-time-min")).to.equal(10);
    });

    it("listener: tcp-bound-port and the url report the real port after binding port 0", async () => {
      const s = await open("rep");
      const l = await s.listen("tcp://127.0.0.1:0", { autostart: false });
      expect(l.url).to.equal("tcp://127.0.0.1:0");
      throws(() => l.opt("tcp-bound-port"), "ENOTSUP");
      await l.start();
      const port = l.opt("tcp-bound-port") as number;
      expect(port).to.be.a("number").greaterThan(0);
      expect(l.url).to.equal(`tcp://127.0.0.1:${port}`);
      expect(l.opt("url")).to.equal(l.url);
      throws(() => l.opt("reconnect-time-min"), "ENOTSUP");
      throws(() => l.setOpt("bogus", 1), "ENOTSUP");
      throws(() => l.setOpt("recv-size-max", true), "EBADTYPE");
      await rejects(l.start(), "ESTATE");
    });

    it("listener: the wildcard host reads back empty, an empty port binds an ephemeral one", async () => {
      const s = await open("rep");
      const l = await s.listen("tcp://*:0");
      expect(l.url).to.equal(`tcp://:${l.opt("tcp-bound-port") as number}`);
      const l2 = await s.listen("tcp://127.0.0.1");
      expect(l2.url).to.equal(`tcp://127.0.0.1:${l2.opt("tcp-bound-port") as number}`);
    });

    it("listener: ipc and inproc have no tcp-bound-port", async () => {
      const s = await open("rep");
      const a = await s.listen(ipcUrl("bp"));
      const b = await s.listen(inprocUrl("bp"));
      throws(() => a.opt("tcp-bound-port"), "ENOTSUP");
      throws(() => b.opt("tcp-bound-port"), "ENOTSUP");
      expect(a.url).to.match(/^ipc:\/\//);
      expect(b.url).to.match(/^inproc:\/\//);
    });

    it("listener: ipc:permissions applies before start, EBUSY after, EINVAL out of range", async () => {
      const s = await open("pull");
      const url = ipcUrl("perm");
      const l = await s.listen(url, { autostart: false });
      throws(() => l.setOpt("ipc:permissions", 0o10000), "EINVAL");
      l.setOpt("ipc:permissions", 0o600);
      expect(l.opt("ipc:permissions")).to.equal(0o600);
      await l.start();
      expect(fs.statSync(url.slice("ipc://".length)).mode & 0o7777).to.equal(0o600);
      throws(() => l.setOpt("ipc:permissions", 0o666), "EBUSY");
    });
  });

  describe("context options", () => {
    it("contexts have their own timeouts and protocol options, copied from the socket", async () => {
      const req = await open("req", { "recv-timeout": 250, "req:resend-time": 5000 });
      const ctx = req.context();
      expect(ctx.opt("recv-timeout")).to.be.oneOf([250, -1]);
      expect(ctx.opt("req:resend-time")).to.be.a("number");
      ctx.setOpt("recv-timeout", 42);
      ctx.setOpt("req:resend-time", 10);
      expect(ctx.opt("recv-timeout")).to.equal(42);
      expect(ctx.opt("req:resend-time")).to.equal(10);
      expect(req.opt("recv-timeout")).to.equal(250);
      expect(req.opt("req:resend-time")).to.equal(5000);
      throws(() => ctx.opt("socket-name"), "ENOTSUP");
      throws(() => ctx.setOpt("bogus", 1), "ENOTSUP");
      throws(() => ctx.setOpt("recv-timeout", "x"), "EBADTYPE");
      throws(() => ctx.setOpt("recv-timeout", -5), "EINVAL");
      const rep = await open("rep", { "recv-timeout": 77 });
      expect(rep.context().opt("recv-timeout")).to.equal(77);
      const surveyor = await open("surveyor");
      const sctx = surveyor.context();
      expect(sctx.opt("surveyor:survey-time")).to.equal(1000);
      const sub = await open("sub");
      const subCtx = sub.context();
      expect(subCtx.opt("sub:prefnew")).to.equal(true);
      throws(() => subCtx.opt("sub:subscribe"), "EWRITEONLY");
    });

    it("protocols without contexts refuse them with ENOTSUP", async () => {
      for (const p of ["pair", "pair1", "poly", "pub", "push", "pull", "bus"] as const) {
        const s = await open(p);
        throws(() => s.context(), "ENOTSUP");
      }
      const raw = await open("rep", { raw: true });
      throws(() => raw.context(), "ENOTSUP");
    });
  });

  describe("Nano and functional access", () => {
    it("Nano.opt/setOpt go to the socket, or the open context", async () => {
      const n = await nano("req", { "recv-timeout": 300 });
      opened.push(n.socket);
      expect(n.opt("recv-timeout")).to.equal(300);
      n.setOpt("req:resend-time", 1234);
      expect(n.socket.opt("req:resend-time")).to.equal(1234);
      n.contextOpen();
      n.setOpt("recv-timeout", 9);
      expect(n.opt("recv-timeout")).to.equal(9);
      expect(n.socket.opt("recv-timeout")).to.equal(300);
      await n.contextClose();
      expect(n.opt("recv-timeout")).to.equal(300);
    });

    it("Nano.dialerSetOpt / listenerSetOpt reach every endpoint", async () => {
      const n = await nano("pair", { listen: [inprocUrl("n1"), "tcp://127.0.0.1:0"] });
      opened.push(n.socket);
      await n.dial("tcp://127.0.0.1:1", { autostart: false });
      n.listenerSetOpt("recv-size-max", 64);
      n.dialerSetOpt("reconnect-time-min", 64);
      for (const l of n.listeners) expect(l.opt("recv-size-max")).to.equal(64);
      expect(n.dialers[0]!.opt("reconnect-time-min")).to.equal(64);
    });

    it("functional opt/setOpt", async () => {
      const s = await open("surveyor");
      setOpt(s, "surveyor:survey-time", 50);
      expect(opt(s, "surveyor:survey-time")).to.equal(50);
      const l = await s.listen(inprocUrl("fn"));
      expect(opt(l, "url")).to.equal(l.url);
      throws(() => setOpt(s, "ttl-max", 99), "EINVAL");
    });
  });
});
