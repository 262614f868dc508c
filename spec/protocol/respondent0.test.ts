import { expect } from "chai";
import { type Message, socket } from "../../src/index.js";
import { TCP_ANY } from "../helpers/addr.js";
import { pipeRemoved, pipes } from "../helpers/wait.js";
import { Bag, bytes, dialing, ID, listening, msg, rejects, text, throws, TRANSPORTS, u32, urlOf, words } from "./support.js";

function stack(n: number, id = 0x80001234): Buffer {
  const w: Buffer[] = [];
  for (let i = 1; i < n; i++) w.push(u32(0x200 + i));
  w.push(u32(id));
  return Buffer.concat(w);
}

describe("respondent0", function () {
  const bag = new Bag();
  afterEach(() => bag.close());

  it("reports its identity (respondent 0x63, peer surveyor 0x62) and ttl-max 8", async function () {
    const r = bag.add(await socket("respondent"));
    expect(r.opt("protocol")).to.equal(0x63);
    expect(r.opt("peer")).to.equal(0x62);
    expect(r.opt("protocol-name")).to.equal("respondent");
    expect(r.opt("peer-name")).to.equal("surveyor");
    expect(r.opt("ttl-max")).to.equal(8);
    throws(() => r.setOpt("ttl-max", 16), "EINVAL");
  });

  it("rejects send before any recv with ESTATE", async function () {
    const r = bag.add(await socket("respondent"));
    await rejects(r.send("unasked"), "ESTATE");
    await rejects(r.context().send("unasked"), "ESTATE");
  });

  for (const t of TRANSPORTS) {
    it(`answers a survey (${t})`, async function () {
      const s = await listening(bag, "surveyor", t, { "surveyor:survey-time": 5000 });
      const r = await dialing(bag, "respondent", s);
      await s.send("how are you?");
      expect(await r.recv({ mode: "string", timeout: 5000 })).to.equal("how are you?");
      await r.send("fine");
      await rejects(r.send("twice"), "ESTATE");
      expect(await s.recv({ mode: "string", timeout: 5000 })).to.equal("fine");
    });

    it(`replies with the backtrace on the originating pipe (raw surveyors, ${t})`, async function () {
      const r = await listening(bag, "respondent", t);
      const a = await dialing(bag, "surveyor", r, { raw: true });
      const b = await dialing(bag, "surveyor", r, { raw: true });
      await a.send(msg("qa", 0x80001234));
      await b.send(msg("qb", 0x00000009, 0x80000077));
      for (let i = 0; i < 2; i++) {
        const q = await r.recv({ mode: "string", timeout: 5000 });
        await r.send(`re:${q}`);
      }
      const ma = (await a.recv({ mode: "message", timeout: 5000 })) as Message;
      const mb = (await b.recv({ mode: "message", timeout: 5000 })) as Message;
      expect(words(ma.header)).to.deep.equal([0x80001234]);
      expect(text(ma.body)).to.equal("re:qa");
      expect(words(mb.header)).to.deep.equal([0x00000009, 0x80000077]);
      expect(text(mb.body)).to.equal("re:qb");
    });
  }

  it("echoes the stack byte for byte on the wire", async function () {
    const r = bag.add(await socket("respondent", { listen: TCP_ANY }));
    const peer = await bag.connect(urlOf(r), ID.surveyor);
    await pipes(r);
    peer.send(u32(0x80001234), "q1");
    expect(await r.recv({ mode: "string", timeout: 5000 })).to.equal("q1");
    await r.send("a1");
    expect((await peer.recv()).equals(bytes(u32(0x80001234), "a1"))).to.equal(true);
    peer.send(u32(0x00000009), u32(0x80000077), "q2");
    expect(await r.recv({ mode: "string", timeout: 5000 })).to.equal("q2");
    await r.send("a2");
    expect((await peer.recv()).equals(bytes(u32(0x00000009), u32(0x80000077), "a2"))).to.equal(true);
  });

  it("discards a reply whose surveyor has gone and still reports success", async function () {
    const r = bag.add(await socket("respondent", { listen: TCP_ANY }));
    const peer = await bag.connect(urlOf(r), ID.surveyor);
    await pipes(r);
    peer.send(u32(0x80000001), "q");
    await r.recv({ timeout: 5000 });
    const removed = pipeRemoved(r);
    peer.destroy();
    await removed;
    await r.send("nobody listens");
    await rejects(r.send("again"), "ESTATE");
  });

  it("answers 8 stack words, drops 9, closes the pipe on an unterminated stack", async function () {
    const r = bag.add(await socket("respondent", { listen: TCP_ANY }));
    const peer = await bag.connect(urlOf(r), ID.surveyor);
    await pipes(r);
    peer.send(stack(9), "nine");
    peer.send(stack(8), "eight");
    expect(await r.recv({ mode: "string", timeout: 5000 })).to.equal("eight");
    await r.send("ok");
    expect((await peer.recv()).equals(bytes(stack(8), "ok"))).to.equal(true);
    peer.send(u32(1), u32(2), u32(3));
    await peer.waitClosed();
  });

  it("keeps one backtrace per context", async function () {
    const r = bag.add(await socket("respondent", { listen: TCP_ANY }));
    const peer = await bag.connect(urlOf(r), ID.surveyor);
    await pipes(r);
    const c1 = r.context();
    const c2 = r.context();
    peer.send(u32(0x80000011), "one");
    expect(await c1.recv({ mode: "string", timeout: 5000 })).to.equal("one");
    peer.send(u32(0x80000022), "two");
    expect(await c2.recv({ mode: "string", timeout: 5000 })).to.equal("two");
    await c2.send("re-two");
    await c1.send("re-one");
    expect((await peer.recv()).equals(bytes(u32(0x80000022), "re-two"))).to.equal(true);
    expect((await peer.recv()).equals(bytes(u32(0x80000011), "re-one"))).to.equal(true);
  });
});
