import { expect } from "chai";
import { Message, type ProtocolName, socket, type Socket } from "../../src/index.js";
import { TCP_ANY } from "../helpers/addr.js";
import { pipes } from "../helpers/wait.js";
import { Bag, bytes, dialing, ID, listening, msg, rejects, text, throws, TRANSPORTS, u32, urlOf, words } from "./support.js";

const HIGH = 0x80000000;

/** Forwards messages from `a` to `b` until either closes (one direction of nng_device). */
function forward(a: Socket, b: Socket): void {
  void (async () => {
    for (;;) {
      try {
        const m = await a.recv({ mode: "message" });
        await b.send(m);
      } catch {
        return;
      }
    }
  })();
}

function device(front: Socket, back: Socket): void {
  forward(front, back);
  forward(back, front);
}

function stack(n: number, id = 0x80000099): Buffer {
  const w: Buffer[] = [];
  for (let i = 1; i < n; i++) w.push(u32(0x300 + i));
  w.push(u32(id));
  return Buffer.concat(w);
}

describe("raw mode", function () {
  const bag = new Bag();
  afterEach(() => bag.close());

  it("keeps the cooked ids, reads raw = true and has no contexts", async function () {
    const names: [ProtocolName, number][] = [
      ["req", 0x30], ["rep", 0x31], ["pub", 0x20], ["sub", 0x21], ["push", 0x50], ["pull", 0x51],
      ["surveyor", 0x62], ["respondent", 0x63], ["bus", 0x70], ["pair", 0x10], ["pair1", 0x11],
    ];
    for (const [name, id] of names) {
      const s = bag.add(await socket(name, { raw: true }));
      expect(s.opt("raw"), name).to.equal(true);
      expect(s.opt("protocol"), name).to.equal(id);
      throws(() => s.setOpt("raw", false), "EREADONLY");
      throws(() => s.context(), "ENOTSUP");
    }
  });

  describe("xrep", function () {
    for (const t of TRANSPORTS) {
      it(`hands up [pipe id][request id] and routes the reply by the first header word (${t})`, async function () {
        const xrep = await listening(bag, "rep", t, { raw: true });
        const r1 = await dialing(bag, "req", xrep);
        const r2 = await dialing(bag, "req", xrep);
        await r1.send("one");
        await r2.send("two");
        const got = new Map<string, Message>();
        for (let i = 0; i < 2; i++) {
          const m = (await xrep.recv({ mode: "message", timeout: 5000 })) as Message;
          got.set(text(m.body), m);
        }
        for (const m of got.values()) {
          const [pipe, id] = words(m.header);
          expect(m.header.length).to.equal(8);
          expect(pipe).to.equal(m.pipe);
          expect(pipe! & HIGH).to.equal(0);
          expect(id! & HIGH).to.not.equal(0);
        }
        expect(words(got.get("one")!.header)[0]).to.not.equal(words(got.get("two")!.header)[0]);
        await xrep.send(new Message(Buffer.from("re:two"), got.get("two")!.header));
        await xrep.send(new Message(Buffer.from("re:one"), got.get("one")!.header));
        expect(await r1.recv({ mode: "string", timeout: 5000 })).to.equal("re:one");
        expect(await r2.recv({ mode: "string", timeout: 5000 })).to.equal("re:two");
      });
    }

    it("silently drops a reply with a header under 4 bytes or for an unknown pipe", async function () {
      const xrep = await listening(bag, "rep", "inproc", { raw: true });
      const req = await dialing(bag, "req", xrep);
      await req.send("q");
      const m = (await xrep.recv({ mode: "message", timeout: 5000 })) as Message;
      const [pipe, id] = words(m.header);
      const reply = req.recv({ mode: "string", timeout: 5000 });
      await xrep.send(new Message(Buffer.from("short"), Buffer.from([0, 1])));
      await xrep.send(new Message(Buffer.from("nobody"), bytes(u32(pipe! ^ 0x40000000), u32(id!))));
      await xrep.send(new Message(Buffer.from("no header")));
      await xrep.send(new Message(Buffer.from("id only"), u32(id!)));
      await xrep.send(new Message(Buffer.from("right"), m.header));
      expect(await reply).to.equal("right");
    });

    it("checks ttl-max on the stack behind the pushed pipe id (8 words pass, 9 are dropped)", async function () {
      const xrep = bag.add(await socket("rep", { raw: true, listen: TCP_ANY }));
      const peer = await bag.connect(urlOf(xrep), ID.req);
      await pipes(xrep);
      peer.send(stack(9), "nine");
      peer.send(stack(8), "eight");
      const m = (await xrep.recv({ mode: "message", timeout: 5000 })) as Message;
      expect(text(m.body)).to.equal("eight");
      expect(Buffer.from(m.header).equals(bytes(u32(m.pipe), stack(8)))).to.equal(true);
      await xrep.send(new Message(Buffer.from("ok"), m.header));
      expect((await peer.recv()).equals(bytes(stack(8), "ok"))).to.equal(true);
      peer.send(u32(1));
      await peer.waitClosed();
    });
  });

  describe("xreq", function () {
    it("sends header and body as given and hands up the reply's stack as the header", async function () {
      const xreq = bag.add(await socket("req", { raw: true, listen: TCP_ANY }));
      const peer = await bag.connect(urlOf(xreq), ID.rep);
      await pipes(xreq);
      await xreq.send(msg("body", 0x00000005, 0x80000009));
      const f = await peer.recv();
      expect(f.equals(bytes(u32(5), u32(0x80000009), "body"))).to.equal(true);
      peer.send(u32(5), u32(0x80000009), "re");
      const m = (await xreq.recv({ mode: "message", timeout: 5000 })) as Message;
      expect(words(m.header)).to.deep.equal([5, 0x80000009]);
      expect(text(m.body)).to.equal("re");
      // Replies need no matching request: raw req keeps no state.
      peer.send(u32(0x80000777), "unsolicited");
      const u = (await xreq.recv({ mode: "message", timeout: 5000 })) as Message;
      expect(words(u.header)).to.deep.equal([0x80000777]);
    });

    it("keeps no request state: no resend option, recv before send just waits", async function () {
      const xreq = bag.add(await socket("req", { raw: true }));
      throws(() => xreq.opt("req:resend-time"), "ENOTSUP");
      await rejects(xreq.recv({ timeout: 50 }), "ETIMEDOUT");
    });

    it("closes the pipe on a reply stack without terminator", async function () {
      const xreq = bag.add(await socket("req", { raw: true, listen: TCP_ANY }));
      const peer = await bag.connect(urlOf(xreq), ID.rep);
      await pipes(xreq);
      peer.send(u32(1), u32(2));
      await peer.waitClosed();
    });
  });

  describe("req/rep device (raw rep + raw req)", function () {
    for (const t of TRANSPORTS) {
      it(`pushes the front pipe id in front of the request id and routes the reply back (${t})`, async function () {
        const front = await listening(bag, "rep", t, { raw: true });
        const back = bag.add(await socket("req", { raw: true, listen: TCP_ANY }));
        device(front, back);
        const peer = await bag.connect(urlOf(back), ID.rep);
        await pipes(back);
        const req = await dialing(bag, "req", front);
        await req.send("ping");
        const f = await peer.recv();
        expect(f.length).to.equal(12);
        expect(f.readUInt32BE(0)).to.equal(front.pipeIds[0]);
        expect(f.readUInt32BE(0) & HIGH).to.equal(0);
        expect(f.readUInt32BE(4) & HIGH).to.not.equal(0);
        expect(f.subarray(8).toString()).to.equal("ping");
        peer.send(f.subarray(0, 8), "pong");
        expect(await req.recv({ mode: "string", timeout: 5000 })).to.equal("pong");
      });
    }

    it("joins cooked req and cooked rep end to end", async function () {
      const front = await listening(bag, "rep", "inproc", { raw: true });
      const back = await listening(bag, "req", "tcp", { raw: true });
      device(front, back);
      const rep = await dialing(bag, "rep", back);
      const req = await dialing(bag, "req", front);
      await req.send("through the device");
      expect(await rep.recv({ mode: "string", timeout: 5000 })).to.equal("through the device");
      await rep.send("and back");
      expect(await req.recv({ mode: "string", timeout: 5000 })).to.equal("and back");
    });
  });

  describe("xsurveyor / xrespondent", function () {
    it("xsurveyor broadcasts the header as given and hands up each response's stack", async function () {
      const xs = await listening(bag, "surveyor", "tcp", { raw: true });
      const a = await dialing(bag, "respondent", xs);
      const b = await dialing(bag, "respondent", xs);
      await xs.send(msg("q", 0x80000009));
      for (const r of [a, b]) {
        expect(await r.recv({ mode: "string", timeout: 5000 })).to.equal("q");
        await r.send(r === a ? "from-a" : "from-b");
      }
      const got: string[] = [];
      for (let i = 0; i < 2; i++) {
        const m = (await xs.recv({ mode: "message", timeout: 5000 })) as Message;
        expect(words(m.header)).to.deep.equal([0x80000009]);
        got.push(text(m.body));
      }
      expect(got.sort()).to.deep.equal(["from-a", "from-b"]);
    });

    it("xrespondent pushes the pipe id on recv and routes by it on send", async function () {
      const s = await listening(bag, "surveyor", "tcp", { "surveyor:survey-time": 5000 });
      const xr = await dialing(bag, "respondent", s, { raw: true });
      await s.send("q");
      const m = (await xr.recv({ mode: "message", timeout: 5000 })) as Message;
      const [pipe, id] = words(m.header);
      expect(pipe).to.equal(m.pipe);
      expect(id! & HIGH).to.not.equal(0);
      await xr.send(new Message(Buffer.from("a"), m.header));
      expect(await s.recv({ mode: "string", timeout: 5000 })).to.equal("a");
    });
  });

  describe("raw pair1", function () {
    it("hands up the hop count as a 4-byte header and adds one hop on send", async function () {
      const p = bag.add(await socket("pair1", { raw: true, listen: TCP_ANY }));
      const peer = await bag.connect(urlOf(p), ID.pair1);
      await pipes(p);
      peer.send(u32(3), "in");
      const m = (await p.recv({ mode: "message", timeout: 5000 })) as Message;
      expect(words(m.header)).to.deep.equal([3]);
      expect(text(m.body)).to.equal("in");
      await p.send(new Message(Buffer.from("out"), m.header));
      expect((await peer.recv()).equals(bytes(u32(4), "out"))).to.equal(true);
      await p.send(msg("edge", 0xfe));
      expect((await peer.recv()).equals(bytes(u32(0xff), "edge"))).to.equal(true);
    });

    it("rejects a header that is not 4 bytes or a hop count of 0xff or more with EPROTO", async function () {
      const p = bag.add(await socket("pair1", { raw: true, listen: TCP_ANY }));
      const peer = await bag.connect(urlOf(p), ID.pair1);
      await pipes(p);
      await rejects(p.send("no header"), "EPROTO");
      await rejects(p.send(new Message(Buffer.from("x"), Buffer.from([0, 0, 1]))), "EPROTO");
      await rejects(p.send(msg("x", 1, 1)), "EPROTO");
      await rejects(p.send(msg("x", 0xff)), "EPROTO");
      await rejects(p.send(msg("x", 0x100)), "EPROTO");
      await peer.nothing(50);
      expect(peer.isClosed).to.equal(false);
    });

    it("still drops hop counts over ttl-max and closes on more than 0xff", async function () {
      const p = bag.add(await socket("pair1", { raw: true, listen: TCP_ANY }));
      const peer = await bag.connect(urlOf(p), ID.pair1);
      await pipes(p);
      peer.send(u32(9), "far");
      peer.send(u32(8), "near");
      const m = (await p.recv({ mode: "message", timeout: 5000 })) as Message;
      expect(text(m.body)).to.equal("near");
      peer.send(u32(0x100), "bad");
      await peer.waitClosed();
    });
  });

  describe("header-less protocols", function () {
    const cases: [ProtocolName, ProtocolName][] = [["push", "pull"], ["pub", "sub"], ["pair", "pair"], ["bus", "bus"]];
    for (const t of TRANSPORTS) {
      for (const [from, to] of cases) {
        it(`a raw ${from} sends its header bytes in front of the body to a ${to} (${t})`, async function () {
          const rx = await listening(bag, to, t);
          if (to === "sub") rx.subscribe("TOPIC");
          const tx = await dialing(bag, from, rx, { raw: true });
          // raw bus pops the first word as the pipe to skip (0: none).
          const header = from === "bus" ? bytes(u32(0), "TOPIC") : Buffer.from("TOPIC");
          await tx.send(new Message(Buffer.from(":body"), header));
          const m = (await rx.recv({ mode: "message", timeout: 5000 })) as Message;
          expect(text(m.body)).to.equal("TOPIC:body");
          expect(m.header.length).to.equal(0);
        });
      }
    }
  });

  describe("header words beyond the protocol's own reach the body, on inproc as on tcp", function () {
    for (const t of TRANSPORTS) {
      it(`rep: bytes after the request id are body (${t})`, async function () {
        const rep = await listening(bag, "rep", t);
        const xreq = await dialing(bag, "req", rep, { raw: true });
        await xreq.send(new Message(Buffer.from("x"), bytes(u32(0x80000001), "ABCD")));
        expect(await rep.recv({ mode: "string", timeout: 5000 })).to.equal("ABCDx");
        await rep.send("y");
        const m = (await xreq.recv({ mode: "message", timeout: 5000 })) as Message;
        expect(words(m.header)).to.deep.equal([0x80000001]);
        expect(text(m.body)).to.equal("y");
      });

      it(`req: bytes after the reply id are body (${t})`, async function () {
        const xrep = await listening(bag, "rep", t, { raw: true });
        const req = await dialing(bag, "req", xrep);
        await req.send("q");
        const m = (await xrep.recv({ mode: "message", timeout: 5000 })) as Message;
        await xrep.send(new Message(Buffer.from("x"), bytes(m.header, "ABCD")));
        expect(await req.recv({ mode: "string", timeout: 5000 })).to.equal("ABCDx");
      });

      it(`surveyor: bytes after the survey id are body (${t})`, async function () {
        const s = await listening(bag, "surveyor", t, { "surveyor:survey-time": 5000 });
        const xr = await dialing(bag, "respondent", s, { raw: true });
        await s.send("q");
        const m = (await xr.recv({ mode: "message", timeout: 5000 })) as Message;
        await xr.send(new Message(Buffer.from("x"), bytes(m.header, "ABCD")));
        expect(await s.recv({ mode: "string", timeout: 5000 })).to.equal("ABCDx");
      });
    }
  });

  it("raw sub filters nothing", async function () {
    const pub = await listening(bag, "pub", "inproc");
    const xsub = await dialing(bag, "sub", pub, { raw: true });
    await pub.send("anything");
    expect(await xsub.recv({ mode: "string", timeout: 5000 })).to.equal("anything");
  });
});
