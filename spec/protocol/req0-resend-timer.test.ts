import { expect } from "chai";
import { Message, socket } from "../../src/index.js";
import { Bag, dialing, listening, nothing, text, words } from "./support.js";

// The resend timer is lazy (a round trip neither creates nor clears a timer), so these check
// that it still resends on time for every request and never keeps the process alive.

/** Timers that keep the event loop alive. */
function refedTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
}

describe("req0 resend timer", function () {
  const bag = new Bag();
  afterEach(() => bag.close());

  it("resends a later request a full resend-time after it was sent, not when an earlier timer fires", async function () {
    const xrep = await listening(bag, "rep", "inproc", { raw: true });
    const req = await dialing(bag, "req", xrep, { "req:resend-time": 400 });
    await req.send("a");
    const a = (await xrep.recv({ mode: "message", timeout: 5000 })) as Message;
    await xrep.send(a);
    expect(await req.recv({ mode: "string", timeout: 5000 })).to.equal("a");
    // The timer armed for "a" fires 400 ms after it; "b" sent 200 ms in is not due until 400 ms after that.
    await new Promise((r) => setTimeout(r, 200));
    const t0 = performance.now();
    await req.send("b");
    const b1 = (await xrep.recv({ mode: "message", timeout: 5000 })) as Message;
    const b2 = (await xrep.recv({ mode: "message", timeout: 5000 })) as Message;
    expect(performance.now() - t0).to.be.at.least(395);
    expect(words(b2.header)[1]).to.equal(words(b1.header)[1]);
    expect(text(b2.body)).to.equal("b");
    await xrep.send(b2);
    expect(await req.recv({ mode: "string", timeout: 5000 })).to.equal("b");
    await nothing(xrep, 500);
  });

  it("applies a shorter resend-time to the next request at once", async function () {
    const xrep = await listening(bag, "rep", "inproc", { raw: true });
    const req = await dialing(bag, "req", xrep, { "req:resend-time": 60_000 });
    await req.send("slow");
    const m = (await xrep.recv({ mode: "message", timeout: 5000 })) as Message;
    await xrep.send(m);
    await req.recv({ timeout: 5000 });
    req.setOpt("req:resend-time", 100);
    const t0 = performance.now();
    await req.send("fast");
    await xrep.recv({ timeout: 5000 });
    const again = (await xrep.recv({ mode: "message", timeout: 5000 })) as Message;
    expect(text(again.body)).to.equal("fast");
    expect(performance.now() - t0).to.be.within(95, 5000);
  });

  it("keeps the process alive only while a request is outstanding", async function () {
    const rep = await listening(bag, "rep", "inproc");
    const req = await dialing(bag, "req", rep);
    const before = refedTimers();
    await req.send("q");
    expect(refedTimers()).to.equal(before + 1);
    await rep.send(await rep.recv({ timeout: 5000 }));
    await req.recv({ timeout: 5000 });
    expect(refedTimers()).to.equal(before);
    // Again on the same (kept) timer.
    await req.send("q2");
    expect(refedTimers()).to.equal(before + 1);
    await req.close();
    expect(refedTimers()).to.equal(before);
  });

  it("stops resending when the request is abandoned by a receive timeout", async function () {
    const xrep = await listening(bag, "rep", "inproc", { raw: true });
    const req = await dialing(bag, "req", xrep, { "req:resend-time": 150 });
    await req.send("gone");
    await xrep.recv({ timeout: 5000 });
    try {
      await req.recv({ timeout: 20 });
      expect.fail("recv should time out");
    } catch (err) {
      expect((err as { code?: string }).code).to.equal("ETIMEDOUT");
    }
    await nothing(xrep, 400);
  });

  it("a failed send abandons its request: no resend, recv is ESTATE", async function () {
    const req = bag.add(await socket("req", { "req:resend-time": 50 }));
    const before = refedTimers();
    try {
      await req.send("nowhere", { timeout: 30 });
      expect.fail("send should time out");
    } catch (err) {
      expect((err as { code?: string }).code).to.equal("ETIMEDOUT");
    }
    try {
      await req.recv({ timeout: 0 });
      expect.fail("recv should be refused");
    } catch (err) {
      expect((err as { code?: string }).code).to.equal("ESTATE");
    }
    // A send that fails at once (trySend without a pipe) abandons its request too.
    try {
      await req.trySend("now");
      expect.fail("trySend should fail");
    } catch (err) {
      expect((err as { code?: string }).code).to.equal("EAGAIN");
    }
    try {
      await req.recv({ timeout: 0 });
      expect.fail("recv should be refused");
    } catch (err) {
      expect((err as { code?: string }).code).to.equal("ESTATE");
    }
    expect(refedTimers()).to.equal(before);
  });
});
