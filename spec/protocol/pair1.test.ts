import { expect } from "chai";
import { type Message, socket, type Socket } from "../../src/index.js";
import { TCP_ANY } from "../helpers/addr.js";
import { pipeRemoved, pipes } from "../helpers/wait.js";
import { Bag, bytes, dialing, ID, listening, nothing, rejects, throws, TRANSPORTS, u32, urlOf } from "./support.js";

describe("pair1", function () {
  const bag = new Bag();
  afterEach(() => bag.close());

  it("reports its identity (pair1 0x11, peer pair1 0x11) and ttl-max 8", async function () {
    const p = bag.add(await socket("pair1"));
    expect(p.opt("protocol")).to.equal(0x11);
    expect(p.opt("peer")).to.equal(0x11);
    expect(p.opt("protocol-name")).to.equal("pair1");
    expect(p.opt("peer-name")).to.equal("pair1");
    expect(p.opt("ttl-max")).to.equal(8);
    throws(() => p.setOpt("ttl-max", 0), "EINVAL");
    throws(() => p.setOpt("ttl-max", 16), "EINVAL");
    throws(() => p.context(), "ENOTSUP");
  });

  for (const t of TRANSPORTS) {
    it(`exchanges messages both ways (${t})`, async function () {
      const a = await listening(bag, "pair1", t);
      const b = await dialing(bag, "pair1", a);
      await a.send("a->b");
      await b.send("b->a");
      const mb = await b.recv({ mode: "message", timeout: 5000 });
      expect(Buffer.from(mb.body).toString()).to.equal("a->b");
      expect(mb.header.length).to.equal(0);
      expect(await a.recv({ mode: "string", timeout: 5000 })).to.equal("b->a");
    });
  }

  it("puts the hop count 00 00 00 01 on the wire", async function () {
    const p = bag.add(await socket("pair1", { listen: TCP_ANY }));
    const peer = await bag.connect(urlOf(p), ID.pair1);
    await pipes(p);
    await p.send("from-nng");
    expect((await peer.recv()).equals(bytes(u32(1), "from-nng"))).to.equal(true);
  });

  it("delivers hops up to ttl-max, drops more, and closes the pipe on a hop count over 0xff", async function () {
    const p = bag.add(await socket("pair1", { listen: TCP_ANY }));
    const peer = await bag.connect(urlOf(p), ID.pair1);
    await pipes(p);
    peer.send(u32(8), "hop8");
    peer.send(u32(9), "hop9");
    peer.send(u32(1), "hop1");
    expect(await p.recv({ mode: "string", timeout: 5000 })).to.equal("hop8");
    expect(await p.recv({ mode: "string", timeout: 5000 })).to.equal("hop1");
    p.setOpt("ttl-max", 3);
    peer.send(u32(4), "hop4");
    peer.send(u32(3), "hop3");
    expect(await p.recv({ mode: "string", timeout: 5000 })).to.equal("hop3");
    expect(peer.isClosed).to.equal(false);
    const removed = pipeRemoved(p);
    peer.send(u32(0x100), "bad");
    await peer.waitClosed();
    await removed;
    await nothing(p, 50);
  });

  it("closes the pipe on a message shorter than the 4-byte header", async function () {
    const p = bag.add(await socket("pair1", { listen: TCP_ANY }));
    const peer = await bag.connect(urlOf(p), ID.pair1);
    await pipes(p);
    peer.send(Buffer.from([0, 1]));
    await peer.waitClosed();
  });

  it("lets a second peer finish the handshake, then closes it", async function () {
    const p = bag.add(await socket("pair1", { listen: TCP_ANY }));
    const first = await bag.connect(urlOf(p), ID.pair1);
    await pipes(p);
    const second = await bag.connect(urlOf(p), ID.pair1);
    expect(second.header!.equals(Buffer.from([0x00, 0x53, 0x50, 0x00, 0x00, 0x11, 0x00, 0x00]))).to.equal(true);
    await second.waitClosed();
    await p.send("one");
    expect((await first.recv()).equals(bytes(u32(1), "one"))).to.equal(true);
  });

  it("blocks without a peer: trySend EAGAIN, send-timeout ETIMEDOUT", async function () {
    const p = bag.add(await socket("pair1"));
    await rejects(p.trySend("x"), "EAGAIN");
    await rejects(p.send("x", { timeout: 100 }), "ETIMEDOUT");
  });

  describe("poly (polyamorous pair1)", function () {
    it("has pair1's ids and reads pair1:polyamorous as true (read-only)", async function () {
      const p = bag.add(await socket("poly"));
      expect(p.opt("protocol")).to.equal(0x11);
      expect(p.opt("peer")).to.equal(0x11);
      expect(p.opt("protocol-name")).to.equal("pair1");
      expect(p.opt("pair1:polyamorous")).to.equal(true);
      throws(() => p.setOpt("pair1:polyamorous", false), "EREADONLY");
    });

    for (const t of TRANSPORTS) {
      it(`accepts many peers, tells the source pipe and sends to the chosen pipe (${t})`, async function () {
        const poly = await listening(bag, "poly", t);
        const a = await dialing(bag, "pair1", poly);
        const b = await dialing(bag, "pair1", poly);
        await a.send("from-a");
        await b.send("from-b");
        const byText = new Map<string, number>();
        for (let i = 0; i < 2; i++) {
          const m = (await poly.recv({ mode: "message", timeout: 5000 })) as Message;
          byText.set(Buffer.from(m.body).toString(), m.pipe);
        }
        const pa = byText.get("from-a")!;
        const pb = byText.get("from-b")!;
        expect(pa).to.not.equal(pb);
        expect(poly.pipeIds.sort()).to.deep.equal([pa, pb].sort());
        await poly.send("to-b", { pipe: pb });
        await poly.send("to-a", { pipe: pa });
        expect(await a.recv({ mode: "string", timeout: 5000 })).to.equal("to-a");
        expect(await b.recv({ mode: "string", timeout: 5000 })).to.equal("to-b");
        await nothing(a, 50);
        await nothing(b, 50);
      });
    }

    it("pipe 0 means the first pipe", async function () {
      const poly = await listening(bag, "poly", "inproc");
      const a = await dialing(bag, "pair1", poly);
      const b = await dialing(bag, "pair1", poly);
      await poly.send("to-first", { pipe: 0 });
      await poly.send("to-first-again");
      expect(await a.recv({ mode: "string", timeout: 5000 })).to.equal("to-first");
      expect(await a.recv({ mode: "string", timeout: 5000 })).to.equal("to-first-again");
      await nothing(b);
    });

    it("silently drops a message for an unknown or departed pipe", async function () {
      const poly = await listening(bag, "poly", "tcp");
      const a = await dialing(bag, "pair1", poly);
      const b: Socket = await dialing(bag, "pair1", poly);
      await b.send("hello");
      const gone = ((await poly.recv({ mode: "message", timeout: 5000 })) as Message).pipe;
      const removed = pipeRemoved(poly);
      await b.close();
      await removed;
      await poly.send("to nowhere", { pipe: 0x7ffffff0 === gone ? 0x7ffffff1 : 0x7ffffff0 });
      await poly.send("to the departed", { pipe: gone });
      await nothing(a);
    });

    it("never blocks: a stalled pipe's small queue drops the newest messages for that pipe only", async function () {
      const poly = bag.add(await socket("poly", { listen: TCP_ANY }));
      const slow = await bag.connect(urlOf(poly), ID.pair1);
      slow.pause();
      const fast = await bag.connect(urlOf(poly), ID.pair1);
      await pipes(poly, 2);
      fast.send(u32(1), "hi");
      const fastPipe = ((await poly.recv({ mode: "message", timeout: 5000 })) as Message).pipe;
      const slowPipe = poly.pipeIds.find((id) => id !== fastPipe)!;
      const N = 20;
      for (let i = 0; i < N; i++) {
        const b = Buffer.alloc(64 * 1024);
        b.writeUInt32BE(i);
        await poly.send(b, { pipe: slowPipe });
      }
      await poly.send("fast lane", { pipe: fastPipe });
      expect((await fast.recv()).equals(bytes(u32(1), "fast lane"))).to.equal(true);
      slow.resume();
      const seqs: number[] = [];
      for (;;) {
        let f: Buffer;
        try {
          f = await slow.recv(500);
        } catch {
          break;
        }
        expect(f.readUInt32BE(0)).to.equal(1);
        seqs.push(f.readUInt32BE(4));
      }
      expect(seqs.length).to.be.above(0);
      expect(seqs.length).to.be.below(N);
      expect(seqs).to.deep.equal(Array.from({ length: seqs.length }, (_, i) => i));
    });

    it("speaks pair1 on the wire: hop header out, hop checks in", async function () {
      const poly = bag.add(await socket("poly", { listen: TCP_ANY }));
      const x = await bag.connect(urlOf(poly), ID.pair1);
      const y = await bag.connect(urlOf(poly), ID.pair1);
      await pipes(poly, 2);
      x.send(u32(1), "from-x");
      const m = (await poly.recv({ mode: "message", timeout: 5000 })) as Message;
      expect(Buffer.from(m.body).toString()).to.equal("from-x");
      await poly.send("reply", { pipe: m.pipe });
      expect((await x.recv()).equals(bytes(u32(1), "reply"))).to.equal(true);
      await y.nothing(50);
      y.send(u32(9), "too far");
      y.send(u32(2), "near");
      expect(await poly.recv({ mode: "string", timeout: 5000 })).to.equal("near");
    });
  });
});
