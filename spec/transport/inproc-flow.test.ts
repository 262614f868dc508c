// inproc push/pull flow: a reader's receive hands it the next queued message at
// once (no promise job per message); back-pressure, order, cancellation and the
// timer fairness of the transport must hold around that shortcut.
import { expect } from "chai";
import { socket, type Socket } from "../../src/index.js";
import type { NngError } from "../../src/core/errors.js";
import { inprocUrl } from "../helpers/addr.js";

async function pair(tag: string): Promise<{ push: Socket; pull: Socket }> {
  const url = inprocUrl(tag);
  const pull = await socket("pull", { listen: url });
  const push = await socket("push");
  await push.dial(url, { autostart: "sync" });
  return { push, pull };
}

const seq = (i: number): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint32(0, i);
  return b;
};
const seqOf = (b: Uint8Array): number => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(0);

describe("inproc flow (push/pull)", () => {
  let socks: Socket[] = [];
  afterEach(async () => {
    await Promise.all(socks.map((s) => s.close()));
    socks = [];
  });

  it("one await per message, sender and reader side by side: all arrive, in order, across many turns", async () => {
    const { push, pull } = await pair("order");
    socks.push(push, pull);
    const N = 50_000; // many times the per-turn budget, so the deferred paths run too
    const reader = (async () => {
      for (let i = 0; i < N; i++) expect(seqOf(await pull.recv())).to.equal(i);
    })();
    for (let i = 0; i < N; i++) await push.send(seq(i));
    await reader;
    expect(pull.stat("rx_msgs")).to.equal(N);
  });

  it("a tight push/pull loop does not starve timers", async () => {
    const { push, pull } = await pair("fair");
    socks.push(push, pull);
    let fired = false;
    let done = false;
    const timer = setTimeout(() => (fired = true), 1);
    let n = 0;
    const reader = (async () => {
      while (!done) {
        await pull.recv();
        n++;
      }
    })();
    for (let i = 0; i < 2_000_000 && !fired; i++) await push.send(seq(i));
    clearTimeout(timer);
    expect(fired, `timer still pending after ${n} messages`).to.equal(true);
    done = true;
    await push.send(seq(0)); // the reader reads up to this one, then stops
    await reader;
  });

  it("without a reader, the sender is held back after a bounded number of messages, and loses none", async () => {
    const { push, pull } = await pair("bound");
    socks.push(push, pull);
    let accepted = 0;
    for (;;) {
      try {
        await push.send(seq(accepted), { timeout: 0 });
        accepted++;
      } catch (err) {
        expect((err as NngError).code).to.equal("EAGAIN");
        break;
      }
      if (accepted > 100_000) break;
    }
    // The transport's queue (1024) plus the pull socket's own slots: bounded.
    expect(accepted).to.be.above(0).and.below(2000);
    const more = push.send(seq(accepted)); // blocks until the reader drains
    for (let i = 0; i <= accepted; i++) expect(seqOf(await pull.recv())).to.equal(i);
    await more;
    expect(await pull.recv({ timeout: 0 }).catch((e: NngError) => e.code)).to.equal("EAGAIN");
  });

  it("a blocked sender resumes once the reader drains with immediate receives", async () => {
    const { push, pull } = await pair("drain");
    socks.push(push, pull);
    const N = 5000; // well past the transport queue: the sender must wait for drain
    let sent = 0;
    const sender = (async () => {
      for (; sent < N; sent++) await push.send(seq(sent));
    })();
    await new Promise((r) => setImmediate(r));
    expect(sent).to.be.below(N);
    for (let i = 0; i < N; i++) expect(seqOf(await pull.recv({ timeout: 5000 }))).to.equal(i);
    await sender;
  });

  it("cancelled and timed-out receives lose nothing", async () => {
    const { push, pull } = await pair("cancel");
    socks.push(push, pull);
    const ac = new AbortController();
    const waiting = pull.recv({ signal: ac.signal });
    ac.abort();
    expect(await waiting.catch((e: NngError) => e.code)).to.equal("ECANCELED");
    expect(await pull.recv({ timeout: 1 }).catch((e: NngError) => e.code)).to.equal("ETIMEDOUT");
    let i = 0;
    for (let round = 0; round < 50; round++) {
      // A receive waiting on an empty queue is cancelled; the messages after it all arrive.
      const c = new AbortController();
      const w = pull.recv({ signal: c.signal });
      c.abort();
      expect(await w.catch((e: NngError) => e.code)).to.equal("ECANCELED");
      const from = i;
      for (let k = 0; k < 100; k++) await push.send(seq(i++));
      for (let k = from; k < i; k++) expect(seqOf(await pull.recv())).to.equal(k);
    }
  });

  it("two pushers into one puller: each arrives in its own order, neither starved", async () => {
    const url = inprocUrl("two");
    const pull = await socket("pull", { listen: url });
    const a = await socket("push", { dial: url });
    const b = await socket("push", { dial: url });
    socks.push(pull, a, b);
    const N = 3000;
    const send = async (s: Socket, tag: number): Promise<void> => {
      for (let i = 0; i < N; i++) await s.send(seq(tag * 1_000_000 + i));
    };
    const sending = Promise.all([send(a, 1), send(b, 2)]);
    const next = [0, 0, 0];
    let firstB = -1;
    for (let k = 0; k < 2 * N; k++) {
      const v = seqOf(await pull.recv({ timeout: 5000 }));
      const tag = Math.floor(v / 1_000_000);
      expect(v % 1_000_000).to.equal(next[tag]);
      next[tag]!++;
      if (tag === 2 && firstB < 0) firstB = k;
    }
    await sending;
    expect(firstB).to.be.within(0, N);
  });

  it("closing the puller while the pusher is blocked rejects nothing silently", async () => {
    const { push, pull } = await pair("close");
    socks.push(push, pull);
    const results: string[] = [];
    const sender = (async () => {
      for (let i = 0; i < 5000; i++) {
        try {
          await push.send(seq(i), { timeout: 2000 });
        } catch (err) {
          results.push((err as NngError).code);
          return;
        }
      }
      results.push("done");
    })();
    await new Promise((r) => setImmediate(r));
    await pull.close();
    await push.close();
    await sender;
    expect(results).to.have.length(1);
    expect(["ECLOSED", "done"]).to.include(results[0]);
  });
});
