import { expect } from "chai";
import { Message, socket } from "../../src/index.js";
import { TCP_ANY } from "../helpers/addr.js";
import { pipeRemoved, pipes } from "../helpers/wait.js";
import { Bag, bytes, dialing, frame, ID, listening, msg, rejects, text, throws, TRANSPORTS, u32, urlOf, words } from "./support.js";

/** A stack of `n` words: n-1 pipe ids (high bit clear) then the request id. */
function stack(n: number, id = 0x80000042): Buffer {
  const w: Buffer[] = [];
  for (let i = 1; i < n; i++) w.push(u32(0x100 + i));
  w.push(u32(id));
  return Buffer.concat(w);
}

describe("rep0", function () {
  const bag = new Bag();
  afterEach(() => bag.close());

  it("reports its identity (rep 0x31, peer req 0x30) and ttl-max 8", async function () {
    const rep = bag.add(await socket("rep"));
    expect(rep.opt("protocol")).to.equal(0x31);
    expect(rep.opt("peer")).to.equal(0x30);
    expect(rep.opt("protocol-name")).to.equal("rep");
    expect(rep.opt("peer-name")).to.equal("req");
    expect(rep.opt("raw")).to.equal(false);
    expect(rep.opt("ttl-max")).to.equal(8);
    throws(() => rep.setOpt("ttl-max", 0), "EINVAL");
    throws(() => rep.setOpt("ttl-max", 16), "EINVAL");
    rep.setOpt("ttl-max", 15);
    expect(rep.opt("ttl-max")).to.equal(15);
  });

  it("rejects send before any recv with ESTATE, and a second send after replying", async function () {
    const rep = await listening(bag, "rep", "inproc");
    const req = await dialing(bag, "req", rep);
    await rejects(rep.send("nobody asked"), "ESTATE");
    await req.send("q");
    await rep.recv();
    await rep.send("a");
    await rejects(rep.send("again"), "ESTATE");
    expect(text(await req.recv())).to.equal("a");
  });

  for (const t of TRANSPORTS) {
    it(`answers each requester on its own pipe (${t})`, async function () {
      const rep = await listening(bag, "rep", t);
      const r1 = await dialing(bag, "req", rep);
      const r2 = await dialing(bag, "req", rep);
      await r1.send("one");
      await r2.send("two");
      for (let i = 0; i < 2; i++) {
        const q = await rep.recv({ mode: "string", timeout: 5000 });
        await rep.send(`re:${q}`);
      }
      expect(await r1.recv({ mode: "string", timeout: 5000 })).to.equal("re:one");
      expect(await r2.recv({ mode: "string", timeout: 5000 })).to.equal("re:two");
    });

    it(`replies with the request's backtrace on the originating pipe (raw req peers, ${t})`, async function () {
      const rep = await listening(bag, "rep", t);
      const a = await dialing(bag, "req", rep, { raw: true });
      const b = await dialing(bag, "req", rep, { raw: true });
      await a.send(msg("from-a", 0x80000001));
      await b.send(msg("from-b", 0x00000009, 0x80000077));
      for (let i = 0; i < 2; i++) {
        const q = await rep.recv({ mode: "message", timeout: 5000 });
        expect(q.header.length).to.equal(0);
        await rep.send(`re:${text(q.body)}`);
      }
      const ra = (await a.recv({ mode: "message", timeout: 5000 })) as Message;
      const rb = (await b.recv({ mode: "message", timeout: 5000 })) as Message;
      expect(words(ra.header)).to.deep.equal([0x80000001]);
      expect(text(ra.body)).to.equal("re:from-a");
      expect(words(rb.header)).to.deep.equal([0x00000009, 0x80000077]);
      expect(text(rb.body)).to.equal("re:from-b");
    });
  }

  it("echoes the stack byte for byte on the wire (raw TCP req peers)", async function () {
    const rep = bag.add(await socket("rep", { listen: TCP_ANY }));
    const a = await bag.connect(urlOf(rep), ID.req);
    const b = await bag.connect(urlOf(rep), ID.req);
    await pipes(rep, 2);
    a.send(u32(0x8000007b), "hello");
    b.send(u32(0x00000009), u32(0x80000077), "ping");
    for (let i = 0; i < 2; i++) {
      const q = await rep.recv({ mode: "string", timeout: 5000 });
      await rep.send(q === "hello" ? "world" : "pong");
    }
    expect((await a.recv()).equals(bytes(u32(0x8000007b), "world"))).to.equal(true);
    expect((await b.recv()).equals(bytes(u32(0x00000009), u32(0x80000077), "pong"))).to.equal(true);
    await a.nothing(100);
    await b.nothing(0);
  });

  it("replies to the latest request when recv is called again before send", async function () {
    const rep = bag.add(await socket("rep", { listen: TCP_ANY }));
    const a = await bag.connect(urlOf(rep), ID.req);
    const b = await bag.connect(urlOf(rep), ID.req);
    await pipes(rep, 2);
    a.send(u32(0x80000001), "a");
    expect(await rep.recv({ mode: "string", timeout: 5000 })).to.equal("a");
    b.send(u32(0x80000002), "b");
    expect(await rep.recv({ mode: "string", timeout: 5000 })).to.equal("b");
    await rep.send("answer");
    expect((await b.recv()).equals(bytes(u32(0x80000002), "answer"))).to.equal(true);
    await a.nothing();
  });

  it("discards a reply whose pipe has gone and still reports success", async function () {
    const rep = bag.add(await socket("rep", { listen: TCP_ANY }));
    const a = await bag.connect(urlOf(rep), ID.req);
    await pipes(rep);
    a.send(u32(0x80000001), "bye");
    expect(await rep.recv({ mode: "string", timeout: 5000 })).to.equal("bye");
    const removed = pipeRemoved(rep);
    a.destroy();
    await removed;
    await rep.send("into the void");
    // The socket carries on with the next requester.
    const b = await bag.connect(urlOf(rep), ID.req);
    await pipes(rep);
    b.send(u32(0x80000002), "hi");
    expect(await rep.recv({ mode: "string", timeout: 5000 })).to.equal("hi");
    await rep.send("there");
    expect((await b.recv()).equals(bytes(u32(0x80000002), "there"))).to.equal(true);
  });

  it("answers a stack of ttl-max (8) words and silently drops one of 9", async function () {
    const rep = bag.add(await socket("rep", { listen: TCP_ANY }));
    const peer = await bag.connect(urlOf(rep), ID.req);
    await pipes(rep);
    peer.send(stack(8), "eight");
    expect(await rep.recv({ mode: "string", timeout: 5000 })).to.equal("eight");
    await rep.send("ok8");
    expect((await peer.recv()).equals(bytes(stack(8), "ok8"))).to.equal(true);

    peer.send(stack(9, 0x80000043), "nine");
    peer.send(u32(0x80000044), "after");
    // The 9-word request is dropped; the pipe stays open and the next one is served.
    expect(await rep.recv({ mode: "string", timeout: 5000 })).to.equal("after");
    await rep.send("ok");
    expect((await peer.recv()).equals(bytes(u32(0x80000044), "ok"))).to.equal(true);
    expect(peer.isClosed).to.equal(false);
  });

  it("applies a lower ttl-max (3 words answered, 4 dropped)", async function () {
    const rep = bag.add(await socket("rep", { listen: TCP_ANY, "ttl-max": 3 }));
    const peer = await bag.connect(urlOf(rep), ID.req);
    await pipes(rep);
    peer.send(stack(4), "four");
    peer.send(stack(3), "three");
    expect(await rep.recv({ mode: "string", timeout: 5000 })).to.equal("three");
    await rep.send("ok3");
    expect((await peer.recv()).equals(bytes(stack(3), "ok3"))).to.equal(true);
  });

  it("closes the pipe when the stack has no terminator", async function () {
    const rep = bag.add(await socket("rep", { listen: TCP_ANY }));
    const peer = await bag.connect(urlOf(rep), ID.req);
    await pipes(rep);
    peer.send(u32(0x00000001), u32(0x00000002));
    await peer.waitClosed();
    await rejects(rep.recv({ timeout: 100 }), "ETIMEDOUT");
  });

  it("checks the hop limit before the length: 8 unterminated words are dropped, 7 close the pipe", async function () {
    const rep = bag.add(await socket("rep", { listen: TCP_ANY }));
    const peer = await bag.connect(urlOf(rep), ID.req);
    await pipes(rep);
    const unterminated = (n: number) => Buffer.concat(Array.from({ length: n }, (_, i) => u32(0x10 + i)));
    peer.send(unterminated(8));
    peer.send(u32(0x80000001), "next");
    expect(await rep.recv({ mode: "string", timeout: 5000 })).to.equal("next");
    expect(peer.isClosed).to.equal(false);
    peer.send(unterminated(7));
    await peer.waitClosed();
  });

  it("closes the pipe on an empty (0-byte) request", async function () {
    const rep = bag.add(await socket("rep", { listen: TCP_ANY }));
    const peer = await bag.connect(urlOf(rep), ID.req);
    await pipes(rep);
    peer.send();
    await peer.waitClosed();
  });

  it("serves pipelined requests of one connection in order", async function () {
    const rep = bag.add(await socket("rep", { listen: TCP_ANY }));
    const peer = await bag.connect(urlOf(rep), ID.req);
    await pipes(rep);
    peer.write(Buffer.concat([1, 2, 3].map((i) => frame(u32(0x80000000 + i), `q${i}`))));
    for (let i = 1; i <= 3; i++) {
      expect(await rep.recv({ mode: "string", timeout: 5000 })).to.equal(`q${i}`);
      await rep.send(`a${i}`);
    }
    for (let i = 1; i <= 3; i++) expect((await peer.recv()).equals(bytes(u32(0x80000000 + i), `a${i}`))).to.equal(true);
  });

  for (const t of TRANSPORTS) {
    it(`keeps one backtrace per context (${t})`, async function () {
      const rep = await listening(bag, "rep", t);
      const r1 = await dialing(bag, "req", rep);
      const r2 = await dialing(bag, "req", rep);
      const c1 = rep.context();
      const c2 = rep.context();
      await r1.send("one");
      const q1 = await c1.recv({ mode: "string", timeout: 5000 });
      await r2.send("two");
      const q2 = await c2.recv({ mode: "string", timeout: 5000 });
      expect([q1, q2]).to.deep.equal(["one", "two"]);
      await rejects(rep.send("main context has nothing"), "ESTATE");
      await c2.send("re:two");
      await c1.send("re:one");
      expect(await r1.recv({ mode: "string", timeout: 5000 })).to.equal("re:one");
      expect(await r2.recv({ mode: "string", timeout: 5000 })).to.equal("re:two");
    });
  }
});
