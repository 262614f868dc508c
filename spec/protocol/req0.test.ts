import { expect } from "chai";
import { Message, socket } from "../../src/index.js";
import { TCP_ANY } from "../helpers/addr.js";
import { pipeRemoved, pipes } from "../helpers/wait.js";
import { Bag, dialing, firstOf, ID, listening, nothing, rejects, text, TRANSPORTS, u32, urlOf, within, words } from "./support.js";

const HIGH = 0x80000000;

function nextId(id: number): number {
  return id >= 0xffffffff ? HIGH : id + 1;
}

describe("req0", function () {
  const bag = new Bag();
  afterEach(() => bag.close());

  it("reports its identity (req 0x30, peer rep 0x31)", async function () {
    const req = bag.add(await socket("req"));
    expect(req.opt("protocol")).to.equal(0x30);
    expect(req.opt("peer")).to.equal(0x31);
    expect(req.opt("protocol-name")).to.equal("req");
    expect(req.opt("peer-name")).to.equal("rep");
    expect(req.opt("raw")).to.equal(false);
    expect(req.opt("req:resend-time")).to.equal(60_000);
    const req0 = bag.add(await socket("req0"));
    expect(req0.opt("protocol")).to.equal(48);
    expect(req0.opt("peer-name")).to.equal("rep");
  });

  for (const t of TRANSPORTS) {
    it(`round-trips a request and its reply over ${t}`, async function () {
      const rep = await listening(bag, "rep", t);
      const req = await dialing(bag, "req", rep);
      await req.send("ping");
      expect(await rep.recv({ mode: "string" })).to.equal("ping");
      await rep.send("pong");
      expect(await req.recv({ mode: "string" })).to.equal("pong");
    });
  }

  it("rejects recv before any send with ESTATE, and again once the reply was taken", async function () {
    const rep = await listening(bag, "rep", "inproc");
    const req = await dialing(bag, "req", rep);
    await rejects(req.recv(), "ESTATE");
    await req.send("q");
    await rep.recv();
    await rep.send("a");
    expect(text(await req.recv())).to.equal("a");
    await rejects(req.recv(), "ESTATE");
  });

  it("rejects a second recv while one is pending with ESTATE", async function () {
    const rep = await listening(bag, "rep", "inproc");
    const req = await dialing(bag, "req", rep);
    await req.send("q");
    const first = req.recv();
    await rejects(req.recv(), "ESTATE");
    await rep.recv();
    await rep.send("a");
    expect(text(await first)).to.equal("a");
  });

  for (const t of TRANSPORTS) {
    it(`resends after req:resend-time with the same request id (raw rep, ${t})`, async function () {
      const xrep = await listening(bag, "rep", t, { raw: true });
      const req = await dialing(bag, "req", xrep, { "req:resend-time": 100 });
      const t0 = Date.now();
      await req.send("ping");
      const m1 = (await xrep.recv({ mode: "message", timeout: 5000 })) as Message;
      const m2 = (await xrep.recv({ mode: "message", timeout: 5000 })) as Message;
      expect(Date.now() - t0).to.be.at.least(95);
      const [pipe1, id1] = words(m1.header);
      const [pipe2, id2] = words(m2.header);
      expect(pipe1).to.equal(m1.pipe);
      expect(pipe2).to.equal(pipe1);
      expect(id1! & HIGH).to.not.equal(0);
      expect(id2).to.equal(id1);
      expect(text(m2.body)).to.equal("ping");
      await xrep.send(new Message(Buffer.from("pong"), m2.header));
      expect(await req.recv({ mode: "string", timeout: 5000 })).to.equal("pong");
      // Answered: the resend timer is off.
      await nothing(xrep, 300);
    });
  }

  it("resends the same bytes on the wire (raw TCP rep peer)", async function () {
    const req = bag.add(await socket("req", { listen: TCP_ANY, "req:resend-time": 100 }));
    const peer = await bag.connect(urlOf(req), ID.rep);
    await pipes(req);
    await req.send("ping");
    const f1 = await peer.recv();
    const f2 = await peer.recv();
    expect(f1.length).to.equal(8);
    expect(f1.readUInt32BE(0) & HIGH).to.not.equal(0);
    expect(f2.equals(f1)).to.equal(true);
    expect(f1.subarray(4).toString()).to.equal("ping");
    peer.send(f2.subarray(0, 4), "pong");
    expect(await req.recv({ mode: "string", timeout: 5000 })).to.equal("pong");
  });

  it("uses consecutive ids with the high bit set", async function () {
    const req = bag.add(await socket("req", { listen: TCP_ANY }));
    const peer = await bag.connect(urlOf(req), ID.rep);
    await pipes(req);
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      await req.send(`r${i}`);
      const f = await peer.recv();
      ids.push(f.readUInt32BE(0));
      peer.send(f.subarray(0, 4), `a${i}`);
      expect(await req.recv({ mode: "string", timeout: 5000 })).to.equal(`a${i}`);
    }
    for (const id of ids) expect(id & HIGH).to.not.equal(0);
    expect(ids[1]).to.equal(nextId(ids[0]!));
    expect(ids[2]).to.equal(nextId(ids[1]!));
  });

  it("cancels the pending request on a new send: ECANCELED, and the late reply is dropped (raw TCP)", async function () {
    const req = bag.add(await socket("req", { listen: TCP_ANY }));
    const peer = await bag.connect(urlOf(req), ID.rep);
    await pipes(req);
    await req.send("A");
    const pendingA = req.recv();
    const fa = await peer.recv();
    await req.send("B");
    await rejects(pendingA, "ECANCELED");
    const fb = await peer.recv();
    expect(fb.subarray(4).toString()).to.equal("B");
    expect(fb.readUInt32BE(0)).to.equal(nextId(fa.readUInt32BE(0)));
    // The old request's reply arrives first and must be dropped.
    peer.send(fa.subarray(0, 4), "reply-to-A");
    peer.send(fb.subarray(0, 4), "reply-to-B");
    expect(await req.recv({ mode: "string", timeout: 5000 })).to.equal("reply-to-B");
    await rejects(req.recv(), "ESTATE");
  });

  for (const t of TRANSPORTS) {
    it(`delivers only the newest request's reply when requests are superseded (raw rep, ${t})`, async function () {
      const xrep = await listening(bag, "rep", t, { raw: true });
      const req = await dialing(bag, "req", xrep);
      await req.send("A");
      await req.send("B");
      const ma = (await xrep.recv({ mode: "message", timeout: 5000 })) as Message;
      const mb = (await xrep.recv({ mode: "message", timeout: 5000 })) as Message;
      expect(text(ma.body)).to.equal("A");
      expect(text(mb.body)).to.equal("B");
      await xrep.send(new Message(Buffer.from("late-A"), ma.header));
      await xrep.send(new Message(Buffer.from("for-B"), mb.header));
      expect(await req.recv({ mode: "string", timeout: 5000 })).to.equal("for-B");
      await rejects(req.recv(), "ESTATE");
    });
  }

  it("drops replies with unknown ids and keeps the pipe open", async function () {
    const req = bag.add(await socket("req", { listen: TCP_ANY }));
    const peer = await bag.connect(urlOf(req), ID.rep);
    await pipes(req);
    await req.send("q");
    const f = await peer.recv();
    const id = f.readUInt32BE(0);
    peer.send(u32(id ^ 0x00ff0000), "stranger");
    peer.send(u32(id), "mine");
    expect(await req.recv({ mode: "string", timeout: 5000 })).to.equal("mine");
    expect(peer.isClosed).to.equal(false);
  });

  it("closes the pipe on a reply shorter than 4 bytes", async function () {
    const req = bag.add(await socket("req", { listen: TCP_ANY }));
    const peer = await bag.connect(urlOf(req), ID.rep);
    await pipes(req);
    const removed = pipeRemoved(req);
    peer.send(Buffer.from([0x80, 0x00]));
    await peer.waitClosed();
    await removed;
  });

  for (const t of TRANSPORTS) {
    it(`resends at once on another pipe when the carrying pipe dies (${t})`, async function () {
      // resend-time stays at 60 s: only the pipe loss can explain a second copy.
      const req = await listening(bag, "req", t);
      const a = await dialing(bag, "rep", req, { raw: true });
      const b = await dialing(bag, "rep", req, { raw: true });
      await req.send("work");
      const first = await firstOf([a, b]);
      const other = first.s === a ? b : a;
      const [, id] = words(first.m.header);
      const removed = pipeRemoved(req);
      await first.s.close();
      await removed;
      const again = (await other.recv({ mode: "message", timeout: 5000 })) as Message;
      expect(words(again.header)[1]).to.equal(id);
      expect(text(again.body)).to.equal("work");
      await other.send(new Message(Buffer.from("done"), again.header));
      expect(await req.recv({ mode: "string", timeout: 5000 })).to.equal("done");
    });
  }

  it("resends as soon as a new pipe connects after the carrying pipe died (raw TCP server)", async function () {
    const srv = await bag.server(ID.rep);
    const req = bag.add(await socket("req", { dial: srv.url, "reconnect-time-min": 50 }));
    const p0 = await srv.peer(0);
    await req.send("hello");
    const f0 = await p0.recv();
    p0.destroy();
    const p1 = await srv.peer(1);
    const f1 = await p1.recv();
    expect(f1.equals(f0)).to.equal(true);
    p1.send(f1.subarray(0, 4), "world");
    expect(await req.recv({ mode: "string", timeout: 5000 })).to.equal("world");
  });

  for (const disabled of [0, -1]) {
    it(`fails the pending recv with ECONNRESET when resends are disabled (resend-time ${disabled}) and the pipe dies`, async function () {
      const req = bag.add(await socket("req", { listen: TCP_ANY, "req:resend-time": disabled }));
      const peer = await bag.connect(urlOf(req), ID.rep);
      await pipes(req);
      await req.send("q");
      const pending = req.recv();
      await peer.recv();
      peer.destroy();
      await rejects(pending, "ECONNRESET");
      await rejects(req.recv(), "ESTATE");
    });
  }

  it("reports ECONNRESET on the next recv when the pipe died before it, then ESTATE", async function () {
    const req = bag.add(await socket("req", { listen: TCP_ANY, "req:resend-time": 0 }));
    const peer = await bag.connect(urlOf(req), ID.rep);
    await pipes(req);
    await req.send("q");
    await peer.recv();
    const removed = pipeRemoved(req);
    peer.destroy();
    await removed;
    await rejects(req.recv(), "ECONNRESET");
    await rejects(req.recv(), "ESTATE");
  });

  it("does not resend when req:resend-time is 0", async function () {
    const req = bag.add(await socket("req", { listen: TCP_ANY, "req:resend-time": 0 }));
    const peer = await bag.connect(urlOf(req), ID.rep);
    await pipes(req);
    await req.send("once");
    await peer.recv();
    await peer.nothing(300);
  });

  it("without a pipe: trySend is EAGAIN, send-timeout gives ETIMEDOUT", async function () {
    const req = bag.add(await socket("req"));
    await rejects(req.trySend("x"), "EAGAIN");
    await rejects(req.send("x", { timeout: 100 }), "ETIMEDOUT");
    req.setOpt("send-timeout", 100);
    await rejects(req.send("x"), "ETIMEDOUT");
  });

  it("a blocking send completes once a pipe connects, and the request goes out", async function () {
    const rep = await listening(bag, "rep", "tcp");
    const req = bag.add(await socket("req", { dial: urlOf(rep), autostart: false }));
    let done = false;
    const sending = req.send("queued").then(() => (done = true));
    await nothing(rep, 100);
    expect(done).to.equal(false);
    await req.dialers[0]!.start();
    await within(sending, 5000, "send to complete");
    expect(await rep.recv({ mode: "string", timeout: 5000 })).to.equal("queued");
    await rep.send("ok");
    expect(await req.recv({ mode: "string", timeout: 5000 })).to.equal("ok");
  });

  it("aborts the request when a recv times out (the reply is then dropped)", async function () {
    const req = bag.add(await socket("req", { listen: TCP_ANY }));
    const peer = await bag.connect(urlOf(req), ID.rep);
    await pipes(req);
    await req.send("q");
    const f = await peer.recv();
    await rejects(req.recv({ timeout: 50 }), "ETIMEDOUT");
    peer.send(f.subarray(0, 4), "too late");
    await rejects(req.recv(), "ESTATE");
  });

  for (const t of TRANSPORTS) {
    it(`runs independent requests on contexts (${t})`, async function () {
      const rep = await listening(bag, "rep", t);
      const req = await dialing(bag, "req", rep);
      const c1 = req.context();
      const c2 = req.context();
      await c1.send("one");
      await c2.send("two");
      const r1 = c1.recv({ mode: "string", timeout: 5000 });
      const r2 = c2.recv({ mode: "string", timeout: 5000 });
      const rc1 = rep.context();
      const rc2 = rep.context();
      const q1 = await rc1.recv({ mode: "string", timeout: 5000 });
      const q2 = await rc2.recv({ mode: "string", timeout: 5000 });
      expect([q1, q2].sort()).to.deep.equal(["one", "two"]);
      // Answer in reverse order; each context still gets its own reply.
      await rc2.send(`re:${q2}`);
      await rc1.send(`re:${q1}`);
      expect(await r1).to.equal("re:one");
      expect(await r2).to.equal("re:two");
    });
  }

  it("rejects peers of the wrong protocol (pipe closed after the handshake)", async function () {
    const req = bag.add(await socket("req", { listen: TCP_ANY }));
    const peer = await bag.connect(urlOf(req), ID.req);
    expect(peer.header!.readUInt16BE(4)).to.equal(0x30);
    await peer.waitClosed();
    expect(req.pipeIds).to.deep.equal([]);
  });
});

