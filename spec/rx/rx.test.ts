import { expect } from "chai";
import { firstValueFrom, interval, lastValueFrom, map, merge, of, retry, take, throwError, toArray } from "rxjs";
import { cv, isNngError, nano, recvAio, socket, type Socket } from "../../src/index.js";
import { aio$, cv$, pipes$, recv$, request$, sendAll, survey$, topic$ } from "../../src/rx/index.js";
import { inprocUrl, TCP_ANY } from "../helpers/addr.js";
import { pipes } from "../helpers/wait.js";

describe("rx", () => {
  let open: Socket[] = [];
  afterEach(async () => {
    await Promise.all(open.map((s) => s.close()));
    open = [];
  });
  async function connected(a: string, b: string, url = inprocUrl("rx")): Promise<[Socket, Socket]> {
    const x = await socket(a as "pair", { listen: url });
    const y = await socket(b as "pair", { dial: x.listeners[0]!.url, "reconnect-time-min": 20 });
    open.push(x, y);
    await pipes(x);
    await pipes(y);
    return [x, y];
  }

  describe("recv$", () => {
    it("emits messages in order in the asked mode and completes when the socket closes", async () => {
      const [pull, push] = await connected("pull", "push");
      const got: string[] = [];
      const completed = new Promise<void>((resolve, reject) =>
        recv$(pull, { mode: "string" }).subscribe({
          next: (v) => {
            got.push(v);
            if (got.length === 20) void pull.close();
          },
          error: reject,
          complete: resolve,
        }),
      );
      for (let i = 0; i < 20; i++) await push.send(`m${i}`);
      await completed;
      expect(got).to.deep.equal(Array.from({ length: 20 }, (_, i) => `m${i}`));
    });

    it("unsubscribing cancels the pending receive; no message is lost", async () => {
      const [pull, push] = await connected("pull", "push", TCP_ANY);
      const got: string[] = [];
      for (let round = 0; round < 50; round++) {
        const v = firstValueFrom(recv$(pull, { mode: "string" }));
        const sub = recv$(pull, { mode: "string" }).subscribe(() => expect.fail("this subscriber was cancelled"));
        sub.unsubscribe();
        await push.send(`r${round}`);
        got.push(await v);
      }
      expect(got).to.deep.equal(Array.from({ length: 50 }, (_, i) => `r${i}`));
    });

    it("a message handed over just as the subscriber leaves stays for the next receiver", async () => {
      const [pull, push] = await connected("pull", "push");
      // take(1) unsubscribes synchronously inside next(); the loop must not consume a second message.
      for (let i = 0; i < 30; i++) {
        await push.send(`a${i}`);
        await push.send(`b${i}`);
        expect(await firstValueFrom(recv$(pull, { mode: "string" }))).to.equal(`a${i}`);
        expect(await pull.recv({ mode: "string", timeout: 2000 })).to.equal(`b${i}`);
      }
    });

    it("errors with the NngError that ended it (ETIMEDOUT) and EINVAL for a body that does not fit", async () => {
      const [pair, other] = await connected("pair", "pair");
      const err = await firstValueFrom(recv$(pair, { timeout: 20 })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isNngError(err, "ETIMEDOUT")).to.equal(true);
      await other.send(Uint8Array.of(1, 2, 3));
      const bad = await firstValueFrom(recv$(pair, { mode: "int16" })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isNngError(bad, "EINVAL")).to.equal(true);
    });

    it("nano.recv$ and socket.recv$ exist once nanonext/rx is imported", async () => {
      const url = inprocUrl("nrx");
      const n = await nano("pair", { listen: url });
      const p = await socket("pair", { dial: url });
      open.push(n.socket, p);
      await pipes(p);
      const v = firstValueFrom(n.recv$({ mode: "string" }));
      await p.send("via nano");
      expect(await v).to.equal("via nano");
      const w = firstValueFrom(p.recv$({ mode: "string" }));
      await n.send("via socket");
      expect(await w).to.equal("via socket");
    });
  });

  describe("topic$", () => {
    it("routes several topic streams on one sub socket, subscribing and unsubscribing", async () => {
      const [pub, sub] = await connected("pub", "sub");
      const temps = firstValueFrom(topic$(sub, "temp.", { mode: "string" }).pipe(take(2), toArray()));
      const alarms = firstValueFrom(topic$(sub, "alarm.", { mode: "string" }).pipe(take(1), toArray()));
      const all = firstValueFrom(topic$(sub, "", { mode: "string" }).pipe(take(4), toArray()));
      for (const m of ["temp.a 20", "noise", "alarm.fire", "temp.b 21"]) await pub.send(m);
      expect(await temps).to.deep.equal(["temp.a 20", "temp.b 21"]);
      expect(await alarms).to.deep.equal(["alarm.fire"]);
      expect(await all).to.deep.equal(["temp.a 20", "noise", "alarm.fire", "temp.b 21"]);
      // The socket itself never subscribed to anything.
      await pub.send("temp.c");
      const none = await sub.recv({ timeout: 50 }).then(() => "got", (e: unknown) => (e as { code: string }).code);
      expect(none).to.equal("ETIMEDOUT");
    });

    it("on a context, adds the topic to it and removes it on teardown", async () => {
      const [pub, sub] = await connected("pub", "sub");
      const ctx = sub.context();
      const s = topic$(ctx, "x", { mode: "string" }).subscribe();
      s.unsubscribe();
      expect(() => ctx.unsubscribe("x")).to.throw().that.satisfies((e: unknown) => isNngError(e, "ENOENT"));
      void pub;
    });
  });

  describe("survey$", () => {
    it("collects every respondent's answer and completes at the deadline", async () => {
      const url = inprocUrl("vote");
      const surveyor = await socket("surveyor", { listen: url });
      open.push(surveyor);
      const voters = await Promise.all(["red", "blue", "red"].map(() => socket("respondent", { dial: url })));
      open.push(...voters);
      await pipes(surveyor, 3);
      voters.forEach((v, i) =>
        void (async () => {
          for await (const q of v.messages({ mode: "string" })) await v.send(`${["red", "blue", "red"][i]}:${q}`);
        })(),
      );
      const votes = await lastValueFrom(survey$<string>(surveyor, "colour?", { timeout: 300, recvMode: "string" }).pipe(toArray()));
      expect(votes.sort()).to.deep.equal(["blue:colour?", "red:colour?", "red:colour?"]);
    });
  });

  describe("request$", () => {
    it("emits one reply then completes, and retry() sends again", async () => {
      const [rep, req] = await connected("rep", "req");
      let calls = 0;
      void (async () => {
        for await (const q of rep.messages({ mode: "string" })) {
          calls++;
          // Answer only the second attempt.
          if (calls >= 2) await rep.send(`re:${q}`);
        }
      })();
      const reply = await firstValueFrom(request$<string>(req, "hello", { recvMode: "string", timeout: 100 }).pipe(retry(3)));
      expect(reply).to.equal("re:hello");
      expect(calls).to.equal(2);
    });
  });

  describe("pipes$, cv$, aio$", () => {
    it("pipes$ emits add and remove and completes on close", async () => {
      const url = inprocUrl("pev");
      const s = await socket("bus", { listen: url });
      open.push(s);
      const events = lastValueFrom(pipes$(s).pipe(map((e) => e.type), toArray()));
      const peer = await socket("bus", { dial: url });
      await pipes(s);
      const removed = new Promise<void>((r) => s.once("pipe:remove", () => r()));
      await peer.close();
      await removed;
      await s.close();
      expect(await events).to.deep.equal(["add", "remove"]);
    });

    it("cv$ emits on signals without consuming them; aio$ wraps an aio", async () => {
      const c = cv();
      const seen = firstValueFrom(cv$(c).pipe(take(2), toArray()));
      c.signal();
      c.signal();
      expect(await seen).to.deep.equal([1, 2]);
      expect(c.value).to.equal(2);
      const [a, b] = await connected("pair", "pair");
      const v = firstValueFrom(aio$(recvAio(a, { mode: "string" })));
      await b.send("aio!");
      expect(await v).to.equal("aio!");
    });
  });

  describe("sendAll", () => {
    it("writes a stream in order with back-pressure and resolves with the count", async () => {
      const [pull, push] = await connected("pull", "push");
      const n = sendAll(push, interval(1).pipe(take(50), map((i) => `v${i}`)));
      const got = await firstValueFrom(recv$(pull, { mode: "string" }).pipe(take(50), toArray()));
      expect(await n).to.equal(50);
      expect(got).to.deep.equal(Array.from({ length: 50 }, (_, i) => `v${i}`));
    });

    it("rejects with the source's error or the send's error", async () => {
      const [, push] = await connected("pull", "push");
      const e1 = await sendAll(push, throwError(() => new Error("src"))).catch((e: Error) => e.message);
      expect(e1).to.equal("src");
      const sub = await socket("sub");
      open.push(sub);
      const e2 = await sendAll(sub, merge(of("x"))).catch((e: unknown) => e);
      expect(isNngError(e2, "ENOTSUP")).to.equal(true);
    });
  });
});
