import { expect } from "chai";
import { socket } from "../../src/index.js";
import { Bag, dialing, listening, rejects, TRANSPORTS } from "./support.js";

// sendMany / recvMany: the batched forms of send and recv (one promise per batch).
describe("sendMany / recvMany", function () {
  const bag = new Bag();
  afterEach(() => bag.close());

  for (const t of TRANSPORTS) {
    it(`${t}: thousands of messages arrive complete and in order, in batches of at most max`, async function () {
      const pull = await listening(bag, "pull", t, { "recv-buffer": 64 });
      const push = await dialing(bag, "push", pull);
      const N = 5000;
      const items = Array.from({ length: N }, (_, i) => `m${i}`);
      const sending = push.sendMany(items);
      const got: string[] = [];
      while (got.length < N) {
        const batch = await pull.recvMany(100, { mode: "string", timeout: 5000 });
        expect(batch.length).to.be.within(1, 100);
        got.push(...batch);
      }
      await sending;
      expect(got).to.deep.equal(items);
    });
  }

  it("recvMany waits for the first message as recv does: ETIMEDOUT, EAGAIN without waiting", async function () {
    const pull = await listening(bag, "pull", "inproc");
    await rejects(pull.recvMany(10, { timeout: 50 }), "ETIMEDOUT");
    await rejects(pull.recvMany(10, { timeout: 0 }), "EAGAIN");
  });

  it("recvMany refuses a count that is not a positive integer (EINVAL)", async function () {
    const pull = await listening(bag, "pull", "inproc");
    for (const bad of [0, -1, 1.5, Number.NaN]) await rejects(pull.recvMany(bad), "EINVAL");
  });

  it("a message that does not fit the mode stays queued for the next receive", async function () {
    const pull = await listening(bag, "pull", "inproc", { "recv-buffer": 8 });
    const push = await dialing(bag, "push", pull);
    await push.sendMany([new Uint8Array(4), new Uint8Array(3), new Uint8Array(8)]);
    const first = await pull.recvMany(10, { mode: "int32", timeout: 1000 });
    expect(first.map((a) => a.length)).to.deep.equal([1]);
    const bad = await rejects(pull.recv({ mode: "int32" }), "EINVAL");
    expect((bad.data as Uint8Array).length).to.equal(3);
    const rest = await pull.recvMany(10, { mode: "int32", timeout: 1000 });
    expect(rest.map((a) => a.length)).to.deep.equal([2]);
  });

  it("sendMany waits for a peer like send, and rejects ECLOSED once the socket closes", async function () {
    const push = bag.add(await socket("push"));
    const pending = push.sendMany(["a", "b"]);
    await push.close();
    await rejects(pending, "ECLOSED");
    await rejects(push.sendMany(["c"]), "ECLOSED");
  });

  it("sendMany on a socket that cannot send rejects ENOTSUP", async function () {
    const pull = await listening(bag, "pull", "inproc");
    await rejects(pull.sendMany(["x"]), "ENOTSUP");
  });
});
