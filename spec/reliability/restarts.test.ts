/**
 * Peer restarts. What is checked, precisely:
 * - dialers: after the listening socket closes and a new one binds the same
 *   address, our dialer reconnects by itself (back-off) and traffic resumes;
 * - req/rep: every request is eventually answered — at least once on the
 *   wire (a request the dead rep had read is resent to the new one), exactly
 *   once to the caller — with `req:resend-time`, and at once when the pipe
 *   carrying it dies;
 * - push/pull: push has no acknowledgements, so a message handed to a pipe
 *   that dies is lost (as in nng). Checked: no duplicates, order kept per
 *   pull, sending resumes on the new pull, everything sent once it is
 *   connected arrives, and at most what was in flight is lost;
 * - the same against nngcat peers killed with SIGKILL mid-stream.
 */
import { expect } from "chai";
import { type Socket, socket, stat } from "../../src/index.js";
import { ipcUrl } from "../helpers/addr.js";
import { peerAvailable, type Peer, spawnPeer, spawnPeerCommand, until } from "../helpers/peers.js";
import { freePort } from "../helpers/raw-stream.js";
import { pipes } from "../helpers/wait.js";

/**
 * nngcat with line-buffered stdout (through stdbuf, which execs it, so the
 * pid is nngcat's own): what it printed survives a SIGKILL.
 */
function spawnLineBuffered(args: string[]): Peer {
  return spawnPeerCommand("stdbuf", ["-oL", "nngcat", ...args]);
}

const FAST = { "reconnect-time-min": 20, "reconnect-time-max": 100 };

describe("reliability: peer restarts", function () {
  this.timeout(30_000);
  const opened: Socket[] = [];
  const peers: Peer[] = [];
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.kill()));
    for (const s of opened.splice(0)) await s.close();
  });
  async function open(...args: Parameters<typeof socket>): Promise<Socket> {
    const s = await socket(...args);
    opened.push(s);
    return s;
  }

  /** A fixed address for each transport, so a restarted listener can bind it again. */
  async function fixedUrl(t: "tcp" | "ipc"): Promise<string> {
    return t === "tcp" ? `tcp://127.0.0.1:${await freePort()}` : ipcUrl("restart");
  }

  for (const t of ["tcp", "ipc"] as const) {
    it(`${t}: a dialer reconnects after its listener's socket closes and comes back, three times`, async () => {
      const url = await fixedUrl(t);
      const req = await open("req", { ...FAST, "req:resend-time": 100 });
      const d = await req.dial(url);
      for (let round = 0; round < 3; round++) {
        const rep = await socket("rep", { listen: url });
        try {
          await req.send(`round ${round}`);
          expect(await rep.recv({ mode: "string", timeout: 10_000 })).to.equal(`round ${round}`);
          await rep.send("ok");
          expect(await req.recv({ mode: "string", timeout: 10_000 })).to.equal("ok");
        } finally {
          await rep.close();
        }
        await until(() => req.pipeIds.length === 0, 5000, "the pipe to go");
      }
      expect(Number(stat(d, "connect"))).to.equal(3);
      expect(Number(stat(d, "disconnect"))).to.equal(3);
    });

    it(`${t}: req loses no request across a rep restart (resend); each caller gets one answer`, async () => {
      const url = await fixedUrl(t);
      const req = await open("req", { ...FAST, "req:resend-time": 200 });
      await req.dial(url);
      const N = 40;
      const rep1 = await socket("rep", { listen: url });
      const ctxs = Array.from({ length: N }, () => req.context());
      const answers = ctxs.map(async (c, i) => {
        await c.send(`q${i}`);
        return c.recv({ mode: "string", timeout: 20_000 });
      });
      // The first rep reads a third of the requests and dies without answering any.
      const seenBy1 = new Set<string>();
      while (seenBy1.size < N / 3) seenBy1.add(await rep1.recv({ mode: "string", timeout: 10_000 }));
      await rep1.close();
      const rep2 = await socket("rep", { listen: url });
      try {
        const seenBy2: string[] = [];
        const serving = (async () => {
          for (;;) {
            const q = await rep2.recv({ mode: "string", timeout: 20_000 });
            seenBy2.push(q);
            await rep2.send(`a${q.slice(1)}`);
          }
        })().catch(() => undefined);
        const got = await Promise.all(answers);
        expect(got).to.deep.equal(ctxs.map((_, i) => `a${i}`));
        // Every request the first rep swallowed reached the second one.
        for (const q of seenBy1) expect(seenBy2).to.include(q);
        await rep2.close();
        await serving;
      } finally {
        await rep2.close();
        for (const c of ctxs) await c.close();
      }
    });

    it(`${t}: push resumes after its pull restarts; no duplicates, order kept, only in-flight messages lost`, async () => {
      const url = await fixedUrl(t);
      const push = await open("push", FAST);
      await push.dial(url);
      const pull1 = await socket("pull", { listen: url });
      await pipes(push, 1);
      const got1: number[] = [];
      let next = 0;
      // Send 0..99 to the first pull and read 50 of them; then it dies with the rest unread.
      for (; next < 100; next++) await push.send(String(next));
      while (got1.length < 50) got1.push(Number(await pull1.recv({ mode: "string", timeout: 5000 })));
      await pull1.close();
      await until(() => push.pipeIds.length === 0, 5000, "the pipe to go");
      // Sends with no pull connected wait in push's queue (back-pressure), then go to the new pull.
      const sending = (async () => {
        for (; next < 300; next++) await push.send(String(next), { timeout: 20_000 });
      })();
      const pull2 = await socket("pull", { listen: url });
      try {
        const got2: number[] = [];
        while (got2[got2.length - 1] !== 299) got2.push(Number(await pull2.recv({ mode: "string", timeout: 10_000 })));
        await sending;
        expect(got1).to.deep.equal([...Array(50).keys()]);
        // Strictly increasing: no duplicates, no reordering.
        for (let i = 1; i < got2.length; i++) expect(got2[i]).to.be.greaterThan(got2[i - 1]!);
        // Every message sent after the first pull died arrived.
        const lost = [...Array(300).keys()].filter((n) => n >= 50 && !got2.includes(n));
        expect(lost.every((n) => n < 100), `lost ${lost.join(",")}`).to.equal(true);
      } finally {
        await pull2.close();
      }
    });
  }

  describe("nngcat peers killed with SIGKILL mid-stream", function () {
    before(function () {
      if (!peerAvailable("nngcat")) {
        console.log("      (nngcat not installed: skipping; apt-get install nng-utils)");
        this.skip();
      }
    });

    it("our req → nngcat --rep, killed and restarted: every request is answered", async () => {
      const url = `tcp://127.0.0.1:${await freePort()}`;
      const req = await open("req", { ...FAST, "req:resend-time": 300 });
      await req.dial(url);
      const start = () => {
        const p = spawnPeer("nngcat", ["--rep", "--listen", url, "--data", "pong", "--ascii"]);
        peers.push(p);
        return p;
      };
      let peer = start();
      for (let i = 0; i < 60; i++) {
        if (i === 20 || i === 40) {
          // Request in flight, then the peer dies before (or while) answering it.
          await req.send(`ping ${i}`);
          await peer.kill();
          peer = start();
          expect(await req.recv({ mode: "string", timeout: 15_000 })).to.equal("pong");
          continue;
        }
        await req.send(`ping ${i}`);
        expect(await req.recv({ mode: "string", timeout: 15_000 })).to.equal("pong");
      }
    });

    it("our push → nngcat --pull0, killed and restarted: delivery resumes in order", async () => {
      const url = `tcp://127.0.0.1:${await freePort()}`;
      const push = await open("push", FAST);
      await push.dial(url);
      const start = () => {
        const p = spawnLineBuffered(["--pull0", "--listen", url, "--ascii"]);
        peers.push(p);
        return p;
      };
      const seen = (p: Peer): number[] =>
        // --ascii prints each message as is, without a separator: m0m1m2…
        [...p.out().matchAll(/m(\d+)/g)].map((x) => Number(x[1]));
      const first = start();
      let n = 0;
      for (; n < 50; n++) await push.send(`m${n}`, { timeout: 10_000 });
      await until(() => seen(first).includes(49), 10_000, "nngcat to print m49").catch((e: Error) => {
        throw new Error(`${e.message}; it printed ${JSON.stringify(first.out().slice(-300))}`);
      });
      await first.kill();
      // Messages written to a connection whose peer is dead but not yet seen to be are lost
      // (no acknowledgements in push/pull, as in nng); once the pipe is gone, sends wait for the next peer.
      await until(() => push.pipeIds.length === 0, 10_000, "our push to see the peer gone");
      const second = start();
      for (; n < 100; n++) await push.send(`m${n}`, { timeout: 10_000 });
      await until(() => seen(second).includes(99), 10_000, "the new nngcat to print m99").catch((e: Error) => {
        throw new Error(`${e.message}; it printed ${JSON.stringify(second.out().slice(-300))}; pipes ${push.pipeIds.length}`);
      });
      const a = seen(first);
      const b = seen(second);
      expect(a).to.deep.equal([...Array(50).keys()]);
      for (let i = 1; i < b.length; i++) expect(b[i]).to.be.greaterThan(b[i - 1]!);
      // Nothing sent after the first peer had printed everything was lost.
      expect(b).to.deep.equal([...Array(50).keys()].map((i) => i + 50));
    });
  });
});
