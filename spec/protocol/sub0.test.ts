import { expect } from "chai";
import { type Context, socket, type Socket } from "../../src/index.js";
import { Bag, dialing, ID, listening, nothing, rejects, throws, TRANSPORTS, type Transport } from "./support.js";

describe("sub0", function () {
  const bag = new Bag();
  afterEach(() => bag.close());

  async function pubSub(t: Transport, opts: Record<string, unknown> = {}): Promise<[Socket, Socket]> {
    const pub = await listening(bag, "pub", t);
    const sub = await dialing(bag, "sub", pub, opts);
    return [pub, sub];
  }

  /** Receives strings until `last` arrives. */
  async function until(s: Socket | Context, last: string): Promise<string[]> {
    const got: string[] = [];
    while (got[got.length - 1] !== last) got.push(await s.recv({ mode: "string", timeout: 5000 }));
    return got;
  }

  it("reports its identity (sub 0x21, peer pub 0x20), recv-buffer 128 and prefnew true", async function () {
    const sub = bag.add(await socket("sub"));
    expect(sub.opt("protocol")).to.equal(0x21);
    expect(sub.opt("peer")).to.equal(0x20);
    expect(sub.opt("protocol-name")).to.equal("sub");
    expect(sub.opt("peer-name")).to.equal("pub");
    expect(sub.opt("recv-buffer")).to.equal(128);
    expect(sub.opt("sub:prefnew")).to.equal(true);
    throws(() => sub.opt("sub:subscribe"), "EWRITEONLY");
    throws(() => sub.setOpt("recv-buffer", 0), "EINVAL");
  });

  it("cannot send (ENOTSUP)", async function () {
    const sub = bag.add(await socket("sub"));
    await rejects(sub.send("x"), "ENOTSUP");
    await rejects(sub.context().send("x"), "ENOTSUP");
  });

  for (const t of TRANSPORTS) {
    it(`delivers nothing without a subscription (${t})`, async function () {
      const [pub, sub] = await pubSub(t);
      await pub.send("hello");
      await nothing(sub);
    });

    it(`delivers everything with the empty topic (${t})`, async function () {
      const [pub, sub] = await pubSub(t);
      sub.subscribe("");
      for (const m of ["", "a", "xyz", "\u0000bin"]) await pub.send(m);
      await pub.send("end");
      expect(await until(sub, "end")).to.deep.equal(["", "a", "xyz", "\u0000bin", "end"]);
    });

    it(`filters by byte prefix of the body (${t})`, async function () {
      const [pub, sub] = await pubSub(t);
      sub.subscribe("ab");
      sub.subscribe(new Uint8Array([0xff, 0x00]));
      sub.subscribe("end");
      for (const m of ["xyz", "abc", "a", "ab", "abXYZ", "Ab", " ab"]) await pub.send(m);
      await pub.send(new Uint8Array([0xff, 0x00, 0x01]));
      await pub.send(new Uint8Array([0xff, 0x01]));
      await pub.send("end");
      const got: string[] = [];
      for (;;) {
        const m = Buffer.from(await sub.recv({ timeout: 5000 }));
        got.push(m.toString("hex"));
        if (m.toString() === "end") break;
      }
      const hex = (s: string) => Buffer.from(s).toString("hex");
      expect(got).to.deep.equal([hex("abc"), hex("ab"), hex("abXYZ"), "ff0001", hex("end")]);
    });
  }

  it("unsubscribe: ENOENT for an unknown topic, a duplicate subscribe is a no-op, delivery stops", async function () {
    const [pub, sub] = await pubSub("inproc");
    throws(() => sub.unsubscribe("nope"), "ENOENT");
    sub.subscribe("t");
    sub.subscribe("t");
    sub.subscribe("end");
    sub.unsubscribe("t");
    throws(() => sub.unsubscribe("t"), "ENOENT");
    await pub.send("t1");
    await pub.send("end");
    expect(await until(sub, "end")).to.deep.equal(["end"]);
  });

  it("unsubscribing drops queued messages that no longer match", async function () {
    const [pub, sub] = await pubSub("inproc");
    const watch = sub.context();
    watch.subscribe("");
    sub.subscribe("a");
    sub.subscribe("b");
    for (const m of ["a1", "b1", "a2", "end"]) await pub.send(m);
    await until(watch, "end"); // everything has reached the socket
    sub.unsubscribe("a");
    expect(await sub.recv({ mode: "string", timeout: 1000 })).to.equal("b1");
    await rejects(sub.tryRecv(), "EAGAIN");
  });

  for (const prefnew of [true, false]) {
    it(`with a full recv-buffer drops the ${prefnew ? "oldest" : "newest"} message (sub:prefnew ${prefnew})`, async function () {
      const [pub, sub] = await pubSub("tcp");
      // A second context with room for everything tells when all messages have arrived.
      const watch = sub.context();
      watch.subscribe("");
      sub.setOpt("recv-buffer", 2);
      sub.setOpt("sub:prefnew", prefnew);
      sub.subscribe("m");
      for (let i = 1; i <= 5; i++) await pub.send(`m${i}`);
      await until(watch, "m5");
      const got = [await sub.recv({ mode: "string" }), await sub.recv({ mode: "string" })];
      expect(got).to.deep.equal(prefnew ? ["m4", "m5"] : ["m1", "m2"]);
      await rejects(sub.tryRecv(), "EAGAIN");
    });
  }

  for (const t of TRANSPORTS) {
    it(`gives each context its own subscriptions and its own copy (${t})`, async function () {
      const [pub, sub] = await pubSub(t);
      const c1 = sub.context();
      const c2 = sub.context();
      c1.subscribe("x");
      c2.subscribe("x");
      c2.subscribe("y");
      sub.subscribe("y");
      for (const m of ["x1", "y1", "z1"]) await pub.send(m);
      await pub.send("x-end");
      await pub.send("y-end");
      expect(await until(c1, "x-end")).to.deep.equal(["x1", "x-end"]);
      expect(await until(c2, "y-end")).to.deep.equal(["x1", "y1", "x-end", "y-end"]);
      expect(await until(sub, "y-end")).to.deep.equal(["y1", "y-end"]);
    });
  }

  it("filters raw publisher bytes and never sends anything upstream", async function () {
    const srv = await bag.server(ID.pub);
    const sub = bag.add(await socket("sub", { dial: srv.url }));
    sub.subscribe("ab");
    sub.subscribe("end");
    const peer = await srv.peer(0);
    expect(peer.header!.readUInt16BE(4)).to.equal(0x21);
    for (const m of ["xyz", "abc", "a", "end"]) peer.send(m);
    expect(await until(sub, "end")).to.deep.equal(["abc", "end"]);
    await peer.nothing();
  });
});
