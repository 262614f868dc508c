import { expect } from "chai";
import { socket } from "../../src/index.js";
import { TCP_ANY } from "../helpers/addr.js";
import { pipes } from "../helpers/wait.js";
import { Bag, dialing, ID, listening, rejects, settle, throws, TRANSPORTS, urlOf } from "./support.js";

describe("pull0", function () {
  const bag = new Bag();
  afterEach(() => bag.close());

  it("reports its identity (pull 0x51, peer push 0x50) and recv-buffer 1", async function () {
    const pull = bag.add(await socket("pull"));
    expect(pull.opt("protocol")).to.equal(0x51);
    expect(pull.opt("peer")).to.equal(0x50);
    expect(pull.opt("protocol-name")).to.equal("pull");
    expect(pull.opt("peer-name")).to.equal("push");
    expect(pull.opt("recv-buffer")).to.equal(1);
  });

  it("cannot send (ENOTSUP) and has no contexts", async function () {
    const pull = bag.add(await socket("pull"));
    await rejects(pull.send("x"), "ENOTSUP");
    throws(() => pull.context(), "ENOTSUP");
  });

  for (const t of TRANSPORTS) {
    it(`receives everything from several pushers, each in its own order (${t})`, async function () {
      const pull = await listening(bag, "pull", t);
      const a = await dialing(bag, "push", pull);
      const b = await dialing(bag, "push", pull);
      const N = 50;
      const sends = [];
      for (let i = 0; i < N; i++) sends.push(a.send(`a${i}`), b.send(`b${i}`));
      await Promise.all(sends);
      const got: Record<string, number[]> = { a: [], b: [] };
      for (let i = 0; i < 2 * N; i++) {
        const s = await pull.recv({ mode: "string", timeout: 5000 });
        got[s[0]!]!.push(Number(s.slice(1)));
      }
      const all = Array.from({ length: N }, (_, i) => i);
      expect(got.a).to.deep.equal(all);
      expect(got.b).to.deep.equal(all);
    });
  }

  it("fair-queues: a flooding pusher cannot starve another one", async function () {
    const pull = await listening(bag, "pull", "inproc");
    const flood = await dialing(bag, "push", pull);
    const quiet = await dialing(bag, "push", pull);
    for (let i = 0; i < 100; i++) await flood.send(`f${i}`);
    await quiet.send("q0");
    await settle();
    const first: string[] = [];
    for (let i = 0; i < 4; i++) first.push(await pull.recv({ mode: "string", timeout: 5000 }));
    expect(first).to.include("q0");
    expect(first[0]).to.equal("f0");
  });

  it("takes bare bodies from the wire, including an empty message", async function () {
    const pull = bag.add(await socket("pull", { listen: TCP_ANY }));
    const peer = await bag.connect(urlOf(pull), ID.push);
    await pipes(pull);
    peer.send("one");
    peer.send();
    peer.send(Buffer.from([0x80, 0, 0, 1]), "looks like a header");
    expect(await pull.recv({ mode: "string", timeout: 5000 })).to.equal("one");
    expect((await pull.recv({ timeout: 5000 })).length).to.equal(0);
    const third = Buffer.from(await pull.recv({ timeout: 5000 }));
    expect(third.subarray(0, 4).toString("hex")).to.equal("80000001");
  });
});
