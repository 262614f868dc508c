import { expect } from "chai";
import { isNngError, socket, type Socket } from "../../src/index.js";
import { TCP_ANY } from "../helpers/addr.js";
import { pipes } from "../helpers/wait.js";
import { Bag, dialing, ID, listening, nothing, rejects, throws, TRANSPORTS, urlOf, within } from "./support.js";

describe("push0", function () {
  const bag = new Bag();
  afterEach(() => bag.close());

  it("reports its identity (push 0x50, peer pull 0x51) and send-buffer 0", async function () {
    const push = bag.add(await socket("push"));
    expect(push.opt("protocol")).to.equal(0x50);
    expect(push.opt("peer")).to.equal(0x51);
    expect(push.opt("protocol-name")).to.equal("push");
    expect(push.opt("peer-name")).to.equal("pull");
    expect(push.opt("send-buffer")).to.equal(0);
    throws(() => push.setOpt("send-buffer", 8193), "EINVAL");
  });

  it("cannot receive (ENOTSUP) and has no contexts", async function () {
    const push = bag.add(await socket("push"));
    await rejects(push.recv(), "ENOTSUP");
    throws(() => push.context(), "ENOTSUP");
  });

  it("without a peer: trySend is EAGAIN and send-timeout gives ETIMEDOUT", async function () {
    const push = bag.add(await socket("push"));
    await rejects(push.trySend("x"), "EAGAIN");
    await rejects(push.send("x", { timeout: 100 }), "ETIMEDOUT");
    push.setOpt("send-timeout", 100);
    await rejects(push.send("x"), "ETIMEDOUT");
  });

  it("send-buffer accepts that many messages without a peer, then blocks; none are lost", async function () {
    const pull = await listening(bag, "pull", "tcp");
    const push = bag.add(await socket("push", { "send-buffer": 2, dial: urlOf(pull), autostart: false }));
    await push.trySend("m1");
    await push.trySend("m2");
    await rejects(push.trySend("m3"), "EAGAIN");
    const blocked = push.send("m3");
    await push.dialers[0]!.start();
    await within(blocked, 5000, "blocked send to complete");
    for (const m of ["m1", "m2", "m3"]) expect(await pull.recv({ mode: "string", timeout: 5000 })).to.equal(m);
  });

  it("a blocking send completes once a puller connects", async function () {
    const pull = await listening(bag, "pull", "inproc");
    const push = bag.add(await socket("push", { dial: urlOf(pull), autostart: false }));
    let done = false;
    const sending = push.send("hello").then(() => (done = true));
    await nothing(pull, 100);
    expect(done).to.equal(false);
    await push.dialers[0]!.start();
    await within(sending, 5000, "send to complete");
    expect(await pull.recv({ mode: "string", timeout: 5000 })).to.equal("hello");
  });

  for (const t of TRANSPORTS) {
    it(`load-balances round-robin across ready pullers (${t})`, async function () {
      const push = await listening(bag, "push", t);
      const pulls: Socket[] = [];
      for (let i = 0; i < 3; i++) pulls.push(await dialing(bag, "pull", push));
      for (let i = 0; i < 12; i++) await push.send(`m${i}`);
      const seen: string[][] = [];
      for (const p of pulls) {
        const got: string[] = [];
        for (let i = 0; i < 4; i++) got.push(await p.recv({ mode: "string", timeout: 5000 }));
        await nothing(p, 50);
        seen.push(got);
      }
      // Every message once; each puller got every third one, in order.
      expect(seen.flat().sort()).to.deep.equal(Array.from({ length: 12 }, (_, i) => `m${i}`).sort());
      for (const got of seen) {
        const n = got.map((s) => Number(s.slice(1)));
        expect(n[1]! - n[0]!).to.equal(3);
        expect(n[2]! - n[1]!).to.equal(3);
        expect(n[3]! - n[2]!).to.equal(3);
      }
    });
  }

  it("sends the bare body on the wire (no SP header)", async function () {
    const push = bag.add(await socket("push", { listen: TCP_ANY }));
    const peer = await bag.connect(urlOf(push), ID.pull);
    await pipes(push);
    await push.send("work");
    expect((await peer.recv()).toString()).to.equal("work");
  });

  it("blocks (ETIMEDOUT) behind a stalled puller and drops nothing", async function () {
    const push = bag.add(await socket("push", { listen: TCP_ANY }));
    const peer = await bag.connect(urlOf(push), ID.pull);
    peer.pause();
    await pipes(push);
    const size = 256 * 1024;
    let sent = 0;
    for (;;) {
      const b = Buffer.alloc(size);
      b.writeUInt32BE(sent);
      try {
        await push.send(b, { timeout: 300 });
      } catch (err) {
        expect(isNngError(err, "ETIMEDOUT"), String(err)).to.equal(true);
        break;
      }
      sent++;
      if (sent > 2000) throw new Error("push never blocked");
    }
    expect(sent).to.be.above(0);
    peer.resume();
    for (let i = 0; i < sent; i++) {
      const f = await peer.recv(10_000);
      expect(f.length).to.equal(size);
      expect(f.readUInt32BE(0)).to.equal(i);
    }
    await peer.nothing();
  });

  it("reads and discards whatever a puller sends; the pipe stays open", async function () {
    const push = bag.add(await socket("push", { listen: TCP_ANY }));
    const peer = await bag.connect(urlOf(push), ID.pull);
    await pipes(push);
    peer.send("unexpected");
    peer.send("noise");
    await push.send("after");
    expect((await peer.recv()).toString()).to.equal("after");
    expect(peer.isClosed).to.equal(false);
    expect(push.pipeIds.length).to.equal(1);
  });
});
