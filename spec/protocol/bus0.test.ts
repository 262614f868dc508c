import { expect } from "chai";
import { type Message, socket, type Socket } from "../../src/index.js";
import { TCP_ANY } from "../helpers/addr.js";
import { pipes } from "../helpers/wait.js";
import { Bag, dialing, ID, listening, nothing, throws, TRANSPORTS, urlOf, words } from "./support.js";

/** A one-socket raw bus device: every message goes back out, skipping its origin. */
function reflect(dev: Socket): void {
  void (async () => {
    for (;;) {
      try {
        const m = await dev.recv({ mode: "message" });
        await dev.send(m);
      } catch {
        return;
      }
    }
  })();
}

describe("bus0", function () {
  const bag = new Bag();
  afterEach(() => bag.close());

  it("reports its identity (bus 0x70, peer bus 0x70)", async function () {
    const bus = bag.add(await socket("bus"));
    expect(bus.opt("protocol")).to.equal(0x70);
    expect(bus.opt("peer")).to.equal(0x70);
    expect(bus.opt("protocol-name")).to.equal("bus");
    expect(bus.opt("peer-name")).to.equal("bus");
    throws(() => bus.context(), "ENOTSUP");
  });

  for (const t of TRANSPORTS) {
    it(`broadcasts to every directly connected peer and hears each of them (${t})`, async function () {
      const hub = await listening(bag, "bus", t);
      const leaves: Socket[] = [];
      for (let i = 0; i < 3; i++) leaves.push(await dialing(bag, "bus", hub));
      await hub.send("to-all");
      for (const l of leaves) expect(await l.recv({ mode: "string", timeout: 5000 })).to.equal("to-all");
      for (let i = 0; i < 3; i++) await leaves[i]!.send(`from-${i}`);
      const got: string[] = [];
      for (let i = 0; i < 3; i++) got.push(await hub.recv({ mode: "string", timeout: 5000 }));
      expect(got.sort()).to.deep.equal(["from-0", "from-1", "from-2"]);
      // A leaf's message reaches only the hub, not the other leaves.
      for (const l of leaves) await nothing(l, 50);
    });

    it(`does not forward: in a line A-B-C, C never sees A's message (${t})`, async function () {
      const b = await listening(bag, "bus", t);
      const a = await dialing(bag, "bus", b);
      const c = await dialing(bag, "bus", b);
      await a.send("from-a");
      expect(await b.recv({ mode: "string", timeout: 5000 })).to.equal("from-a");
      await nothing(c);
      await c.send("from-c");
      expect(await b.recv({ mode: "string", timeout: 5000 })).to.equal("from-c");
      await nothing(a);
    });

    it(`a raw bus device reflects each message to every peer but its sender (${t})`, async function () {
      const dev = await listening(bag, "bus", t, { raw: true });
      reflect(dev);
      const a = await dialing(bag, "bus", dev);
      const b = await dialing(bag, "bus", dev);
      const c = await dialing(bag, "bus", dev);
      await a.send("hi from a");
      expect(await b.recv({ mode: "string", timeout: 5000 })).to.equal("hi from a");
      expect(await c.recv({ mode: "string", timeout: 5000 })).to.equal("hi from a");
      await nothing(a);
      await c.send("hi from c");
      expect(await a.recv({ mode: "string", timeout: 5000 })).to.equal("hi from c");
      expect(await b.recv({ mode: "string", timeout: 5000 })).to.equal("hi from c");
      await nothing(c);
    });
  }

  it("raw recv puts the source pipe id in the header", async function () {
    const dev = await listening(bag, "bus", "tcp", { raw: true });
    const a = await dialing(bag, "bus", dev);
    await a.send("x");
    const m = (await dev.recv({ mode: "message", timeout: 5000 })) as Message;
    expect(words(m.header)).to.deep.equal([m.pipe]);
    expect(m.pipe & 0x80000000).to.equal(0);
    expect(dev.pipeIds).to.include(m.pipe);
  });

  it("sends and receives bare bodies on the wire (no SP header)", async function () {
    const bus = bag.add(await socket("bus", { listen: TCP_ANY }));
    const peer = await bag.connect(urlOf(bus), ID.bus);
    await pipes(bus);
    await bus.send("plain");
    expect((await peer.recv()).toString()).to.equal("plain");
    peer.send(Buffer.from([0x80, 0, 0, 1]), "body");
    const got = Buffer.from(await bus.recv({ timeout: 5000 }));
    expect(got.toString("hex")).to.equal(Buffer.concat([Buffer.from([0x80, 0, 0, 1]), Buffer.from("body")]).toString("hex"));
  });

  it("never blocks: a stalled peer's full queue drops the newest messages for that pipe only", async function () {
    const bus = bag.add(await socket("bus", { listen: TCP_ANY }));
    const slow = await bag.connect(urlOf(bus), ID.bus);
    slow.pause();
    await pipes(bus);
    const N = 100;
    for (let i = 0; i < N; i++) {
      const b = Buffer.alloc(64 * 1024);
      b.writeUInt32BE(i);
      await bus.send(b);
    }
    slow.resume();
    const seqs: number[] = [];
    for (;;) {
      let f: Buffer;
      try {
        f = await slow.recv(500);
      } catch {
        break;
      }
      seqs.push(f.readUInt32BE(0));
    }
    expect(seqs.length).to.be.above(0);
    expect(seqs.length).to.be.below(N);
    // Newest dropped: what arrives is the first messages, without gaps.
    expect(seqs).to.deep.equal(Array.from({ length: seqs.length }, (_, i) => i));
  });
});
