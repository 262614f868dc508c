import { expect } from "chai";
import { socket } from "../../src/index.js";
import { TCP_ANY } from "../helpers/addr.js";
import { pipeRemoved, pipes } from "../helpers/wait.js";
import { Bag, dialing, ID, listening, nothing, rejects, throws, TRANSPORTS, urlOf, within } from "./support.js";

describe("pair0", function () {
  const bag = new Bag();
  afterEach(() => bag.close());

  it("reports its identity (pair 0x10, peer pair 0x10), recv-buffer 0 and send-buffer 0", async function () {
    const p = bag.add(await socket("pair"));
    expect(p.opt("protocol")).to.equal(0x10);
    expect(p.opt("peer")).to.equal(0x10);
    expect(p.opt("protocol-name")).to.equal("pair");
    expect(p.opt("peer-name")).to.equal("pair");
    expect(p.opt("recv-buffer")).to.equal(0);
    expect(p.opt("send-buffer")).to.equal(0);
    throws(() => p.context(), "ENOTSUP");
    const p0 = bag.add(await socket("pair0"));
    expect(p0.opt("protocol")).to.equal(16);
  });

  for (const t of TRANSPORTS) {
    it(`exchanges messages both ways (${t})`, async function () {
      const a = await listening(bag, "pair", t);
      const b = await dialing(bag, "pair", a);
      await a.send("a->b");
      await b.send("b->a");
      expect(await b.recv({ mode: "string", timeout: 5000 })).to.equal("a->b");
      expect(await a.recv({ mode: "string", timeout: 5000 })).to.equal("b->a");
    });
  }

  it("has no header on the wire", async function () {
    const p = bag.add(await socket("pair", { listen: TCP_ANY }));
    const peer = await bag.connect(urlOf(p), ID.pair0);
    await pipes(p);
    await p.send("bare");
    expect((await peer.recv()).toString()).to.equal("bare");
    peer.send(Buffer.from([0, 0, 0, 1]), "x");
    expect(Buffer.from(await p.recv({ timeout: 5000 })).toString("hex")).to.equal("0000000178");
  });

  it("lets a second peer finish the handshake, then closes it; the first one keeps working", async function () {
    const p = bag.add(await socket("pair", { listen: TCP_ANY }));
    const first = await bag.connect(urlOf(p), ID.pair0);
    await pipes(p);
    const second = await bag.connect(urlOf(p), ID.pair0);
    expect(second.header!.equals(Buffer.from([0x00, 0x53, 0x50, 0x00, 0x00, 0x10, 0x00, 0x00]))).to.equal(true);
    await second.waitClosed();
    expect(p.pipeIds.length).to.equal(1);
    await p.send("still paired");
    expect((await first.recv()).toString()).to.equal("still paired");
    first.send("back");
    expect(await p.recv({ mode: "string", timeout: 5000 })).to.equal("back");
  });

  it("rejects a second cooked peer over inproc (pipe closed at once)", async function () {
    const a = await listening(bag, "pair", "inproc");
    const b = await dialing(bag, "pair", a);
    const rejected = pipeRemoved(a);
    const c = bag.add(await socket("pair", { dial: urlOf(a), "reconnect-time-min": 60_000 }));
    await rejected;
    expect(a.pipeIds.length).to.equal(1);
    await a.send("to b");
    expect(await b.recv({ mode: "string", timeout: 5000 })).to.equal("to b");
    await nothing(c, 50);
  });

  it("blocks without a peer: trySend EAGAIN, send-timeout ETIMEDOUT; a queued send goes out once connected", async function () {
    const a = await listening(bag, "pair", "tcp");
    await rejects(a.trySend("x"), "EAGAIN");
    await rejects(a.send("x", { timeout: 100 }), "ETIMEDOUT");
    const pending = a.send("late");
    const b = await dialing(bag, "pair", a);
    await within(pending, 5000, "queued send");
    expect(await b.recv({ mode: "string", timeout: 5000 })).to.equal("late");
  });
});
