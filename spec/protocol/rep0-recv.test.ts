import { expect } from "chai";
import { Bag, dialing, listening, rejects } from "./support.js";

// The receive side of rep contexts: a receive is the context's own operation (it saves the
// backtrace as it takes the request), so closing, timing out and cancelling must unlink it.

describe("rep0 receives", function () {
  const bag = new Bag();
  afterEach(() => bag.close());

  it("closing a context fails all its waiting receives; the next request goes to another reader", async function () {
    const rep = await listening(bag, "rep", "tcp");
    const req = await dialing(bag, "req", rep);
    const ctx = rep.context();
    const r1 = ctx.recv({ timeout: 5000 });
    const r2 = ctx.recv({ timeout: 5000 });
    await ctx.close();
    await rejects(r1, "ECLOSED");
    await rejects(r2, "ECLOSED");
    await req.send("after");
    expect(await rep.recv({ mode: "string", timeout: 5000 })).to.equal("after");
    await rep.send("ok");
    expect(await req.recv({ mode: "string", timeout: 5000 })).to.equal("ok");
  });

  it("a receive that timed out loses no request, and the reply goes back to its asker", async function () {
    const rep = await listening(bag, "rep", "tcp");
    await rejects(rep.recv({ timeout: 20 }), "ETIMEDOUT");
    const ac = new AbortController();
    const aborted = rep.recv({ signal: ac.signal });
    ac.abort();
    await rejects(aborted, "ECANCELED");
    const req = await dialing(bag, "req", rep);
    await req.send("kept");
    expect(await rep.recv({ mode: "string", timeout: 5000 })).to.equal("kept");
    await rep.send("back");
    expect(await req.recv({ mode: "string", timeout: 5000 })).to.equal("back");
  });

  it("answers many requests in turn, each on the pipe it came from", async function () {
    const rep = await listening(bag, "rep", "tcp");
    const a = await dialing(bag, "req", rep);
    const b = await dialing(bag, "req", rep);
    for (let i = 0; i < 50; i++) {
      const asker = i % 2 ? a : b;
      await asker.send(`q${i}`);
      const q = await rep.recv({ mode: "string", timeout: 5000 });
      await rep.send(`re:${q}`);
      expect(await asker.recv({ mode: "string", timeout: 5000 })).to.equal(`re:q${i}`);
    }
  });
});
