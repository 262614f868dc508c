import { expect } from "chai";
import { socket, type Socket } from "../../src/index.js";
import { TCP_ANY } from "../helpers/addr.js";
import { pipeRemoved, pipes } from "../helpers/wait.js";
import { Bag, bytes, dialing, ID, listening, rejects, TRANSPORTS, u32, urlOf } from "./support.js";

const HIGH = 0x80000000;

describe("surveyor0", function () {
  const bag = new Bag();
  afterEach(() => bag.close());

  async function surveyorWithPeer(opts: Record<string, unknown> = {}) {
    const s = bag.add(await socket("surveyor", { listen: TCP_ANY, ...opts }));
    const peer = await bag.connect(urlOf(s), ID.respondent);
    await pipes(s);
    return { s, peer };
  }

  it("reports its identity (surveyor 0x62, peer respondent 0x63) and survey-time 1000", async function () {
    const s = bag.add(await socket("surveyor"));
    expect(s.opt("protocol")).to.equal(0x62);
    expect(s.opt("peer")).to.equal(0x63);
    expect(s.opt("protocol-name")).to.equal("surveyor");
    expect(s.opt("peer-name")).to.equal("respondent");
    expect(s.opt("surveyor:survey-time")).to.equal(1000);
    expect(s.opt("ttl-max")).to.equal(8);
  });

  it("rejects recv before any survey with ESTATE", async function () {
    const s = bag.add(await socket("surveyor"));
    await rejects(s.recv(), "ESTATE");
    await rejects(s.context().recv(), "ESTATE");
  });

  it("sends a survey successfully even without respondents", async function () {
    const s = bag.add(await socket("surveyor", { "surveyor:survey-time": 200 }));
    await s.trySend("anyone?");
  });

  for (const t of TRANSPORTS) {
    it(`collects the responses of several respondents (${t})`, async function () {
      const s = await listening(bag, "surveyor", t, { "surveyor:survey-time": 5000 });
      const rs: Socket[] = [];
      for (let i = 0; i < 3; i++) rs.push(await dialing(bag, "respondent", s));
      await s.send("census");
      await Promise.all(
        rs.map(async (r, i) => {
          expect(await r.recv({ mode: "string", timeout: 5000 })).to.equal("census");
          await r.send(`r${i}`);
        }),
      );
      const got: string[] = [];
      for (let i = 0; i < 3; i++) got.push(await s.recv({ mode: "string", timeout: 5000 }));
      expect(got.sort()).to.deep.equal(["r0", "r1", "r2"]);
    });
  }

  it("at the deadline a pending recv gets ETIMEDOUT, the next recv ESTATE", async function () {
    const s = bag.add(await socket("surveyor", { "surveyor:survey-time": 200 }));
    await s.send("q");
    const started = Date.now();
    await rejects(s.recv(), "ETIMEDOUT");
    expect(Date.now() - started).to.be.at.least(150);
    await rejects(s.recv(), "ESTATE");
    await rejects(s.recv(), "ESTATE");
  });

  it("after the deadline with no recv pending: ETIMEDOUT once, then ESTATE (§7.2)", async function () {
    const s = bag.add(await socket("surveyor", { "surveyor:survey-time": 100 }));
    await s.send("q");
    // Waiting out the survey timer itself (not a synchronisation sleep).
    await new Promise((r) => setTimeout(r, 250));
    await rejects(s.recv(), "ETIMEDOUT");
    await rejects(s.recv(), "ESTATE");
  });

  it("broadcasts the survey id (high bit set, consecutive) and body to every respondent", async function () {
    const s = bag.add(await socket("surveyor", { listen: TCP_ANY, "surveyor:survey-time": 5000 }));
    const x = await bag.connect(urlOf(s), ID.respondent);
    const y = await bag.connect(urlOf(s), ID.respondent);
    await pipes(s, 2);
    await s.send("q1");
    const fx = await x.recv();
    const fy = await y.recv();
    expect(fx.equals(fy)).to.equal(true);
    const id = fx.readUInt32BE(0);
    expect(id & HIGH).to.not.equal(0);
    expect(fx.subarray(4).toString()).to.equal("q1");
    await s.send("q2");
    expect((await x.recv()).equals(bytes(u32(id >= 0xffffffff ? HIGH : id + 1), "q2"))).to.equal(true);
  });

  it("a new survey cancels the old one: pending recv ECANCELED, its responses dropped", async function () {
    const { s, peer } = await surveyorWithPeer({ "surveyor:survey-time": 5000 });
    await s.send("first");
    const pending = s.recv();
    const f1 = await peer.recv();
    await s.send("second");
    await rejects(pending, "ECANCELED");
    const f2 = await peer.recv();
    expect(f2.subarray(4).toString()).to.equal("second");
    peer.send(f1.subarray(0, 4), "old answer");
    peer.send(f2.subarray(0, 4), "new answer");
    expect(await s.recv({ mode: "string", timeout: 5000 })).to.equal("new answer");
    await rejects(s.recv({ timeout: 200 }), "ETIMEDOUT");
  });

  it("drops responses that arrive after the deadline", async function () {
    const { s, peer } = await surveyorWithPeer({ "surveyor:survey-time": 150 });
    await s.send("quick");
    const f1 = await peer.recv();
    await rejects(s.recv(), "ETIMEDOUT");
    s.setOpt("surveyor:survey-time", 5000);
    peer.send(f1.subarray(0, 4), "late");
    await s.send("again");
    const f2 = await peer.recv();
    peer.send(f2.subarray(0, 4), "on time");
    // The late answer came first on the same connection and was dropped.
    expect(await s.recv({ mode: "string", timeout: 5000 })).to.equal("on time");
  });

  it("drops responses with unknown ids and keeps the pipe", async function () {
    const { s, peer } = await surveyorWithPeer({ "surveyor:survey-time": 5000 });
    await s.send("q");
    const f = await peer.recv();
    peer.send(u32(0x80000000 | (f.readUInt32BE(0) + 0x1000)), "stranger");
    peer.send(f.subarray(0, 4), "mine");
    expect(await s.recv({ mode: "string", timeout: 5000 })).to.equal("mine");
    expect(peer.isClosed).to.equal(false);
  });

  it("closes the pipe on a response shorter than 4 bytes", async function () {
    const { s, peer } = await surveyorWithPeer();
    const removed = pipeRemoved(s);
    peer.send(Buffer.from([0x80]));
    await peer.waitClosed();
    await removed;
  });

  it("runs separate surveys on contexts", async function () {
    const s = await listening(bag, "surveyor", "inproc", { "surveyor:survey-time": 5000 });
    const r = await dialing(bag, "respondent", s);
    const c1 = s.context();
    const c2 = s.context();
    await c1.send("q1");
    await c2.send("q2");
    for (let i = 0; i < 2; i++) {
      const q = await r.recv({ mode: "string", timeout: 5000 });
      await r.send(`a${q.slice(1)}`);
    }
    expect(await c1.recv({ mode: "string", timeout: 5000 })).to.equal("a1");
    expect(await c2.recv({ mode: "string", timeout: 5000 })).to.equal("a2");
    await rejects(s.recv(), "ESTATE");
  });
});
