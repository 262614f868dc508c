import { expect } from "chai";
import { socket } from "../../src/index.js";
import { inprocUrl, TCP_ANY } from "../helpers/addr.js";
import { pipeRemoved, pipes } from "../helpers/wait.js";
import { Bag, dialing, ID, listening, rejects, throws, TRANSPORTS, urlOf, within } from "./support.js";

describe("pub0", function () {
  const bag = new Bag();
  afterEach(() => bag.close());

  it("reports its identity (pub 0x20, peer sub 0x21) and send-buffer 16 (1..8192)", async function () {
    const pub = bag.add(await socket("pub"));
    expect(pub.opt("protocol")).to.equal(0x20);
    expect(pub.opt("peer")).to.equal(0x21);
    expect(pub.opt("protocol-name")).to.equal("pub");
    expect(pub.opt("peer-name")).to.equal("sub");
    expect(pub.opt("send-buffer")).to.equal(16);
    throws(() => pub.setOpt("send-buffer", 0), "EINVAL");
    throws(() => pub.setOpt("send-buffer", 8193), "EINVAL");
  });

  it("cannot receive (ENOTSUP) and has no contexts", async function () {
    const pub = bag.add(await socket("pub"));
    await rejects(pub.recv(), "ENOTSUP");
    await rejects(pub.tryRecv(), "ENOTSUP");
    throws(() => pub.context(), "ENOTSUP");
  });

  it("discards messages when there are no subscribers and still succeeds", async function () {
    const pub = bag.add(await socket("pub"));
    for (let i = 0; i < 100; i++) await pub.trySend(`m${i}`);
  });

  for (const t of TRANSPORTS) {
    it(`delivers every message to every subscriber (${t})`, async function () {
      const pub = await listening(bag, "pub", t);
      const subs = [];
      for (let i = 0; i < 3; i++) {
        const s = await dialing(bag, "sub", pub);
        s.subscribe("");
        subs.push(s);
      }
      for (let i = 0; i < 5; i++) await pub.send(`m${i}`);
      for (const s of subs) {
        for (let i = 0; i < 5; i++) expect(await s.recv({ mode: "string", timeout: 5000 })).to.equal(`m${i}`);
      }
    });
  }

  it("sends the bare body on the wire (no SP header)", async function () {
    const pub = bag.add(await socket("pub", { listen: TCP_ANY }));
    const peer = await bag.connect(urlOf(pub), ID.sub);
    await pipes(pub);
    await pub.send("news:hello");
    expect((await peer.recv()).toString()).to.equal("news:hello");
  });

  it("closes the pipe of a subscriber that sends anything", async function () {
    const pub = bag.add(await socket("pub", { listen: TCP_ANY }));
    const good = await bag.connect(urlOf(pub), ID.sub);
    const bad = await bag.connect(urlOf(pub), ID.sub);
    await pipes(pub, 2);
    const removed = pipeRemoved(pub);
    bad.send("hello?");
    await bad.waitClosed();
    await removed;
    expect(pub.pipeIds.length).to.equal(1);
    await pub.send("still here");
    expect((await good.recv()).toString()).to.equal("still here");
  });

  it("never blocks; a stalled subscriber loses its oldest messages, a fast one gets all", async function () {
    // The fast subscriber is on inproc, whose pipe is always ready; the stalled one is a raw TCP peer.
    const pub = bag.add(await socket("pub", { listen: [TCP_ANY, inprocUrl("pub")], "send-buffer": 4 }));
    const slow = await bag.connect(urlOf(pub), ID.sub);
    slow.pause();
    const fast = bag.add(await socket("sub", { dial: pub.listeners[1]!.url, "recv-buffer": 8192 }));
    fast.subscribe("");
    await pipes(pub, 2);
    const N = 200;
    const body = Buffer.alloc(64 * 1024);
    const started = Date.now();
    for (let i = 0; i < N; i++) {
      const b = Buffer.from(body);
      b.writeUInt32BE(i);
      await within(pub.send(b), 2000, "pub send (must never block)");
    }
    expect(Date.now() - started).to.be.below(5000);
    // The healthy subscriber gets everything, in order.
    for (let i = 0; i < N; i++) {
      const m = await fast.recv({ timeout: 5000 });
      expect(Buffer.from(m).readUInt32BE(0)).to.equal(i);
    }
    // The stalled one reads on: a prefix of what reached its socket, then the newest send-buffer messages.
    slow.resume();
    const seqs: number[] = [];
    while (seqs[seqs.length - 1] !== N - 1) seqs.push((await slow.recv(5000)).readUInt32BE(0));
    expect(seqs.length).to.be.below(N);
    expect(seqs.slice(-4)).to.deep.equal([N - 4, N - 3, N - 2, N - 1]);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).to.be.above(seqs[i - 1]!);
    await slow.nothing(100);
  });

  it("rejects a peer that is not a subscriber", async function () {
    const pub = bag.add(await socket("pub", { listen: TCP_ANY }));
    const peer = await bag.connect(urlOf(pub), ID.pub);
    await peer.waitClosed();
    expect(pub.pipeIds).to.deep.equal([]);
  });
});
