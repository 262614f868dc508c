import { expect } from "chai";
import { collectAio, context, isNngError, isNulByte, reply, request, socket, type Socket } from "../../src/index.js";
import { inprocUrl, TCP_ANY } from "../helpers/addr.js";
import { pipes } from "../helpers/wait.js";

describe("contexts, request() and reply()", () => {
  let open: Socket[] = [];
  afterEach(async () => {
    await Promise.all(open.map((s) => s.close()));
    open = [];
  });

  for (const url of [TCP_ANY, "inproc"]) {
    it(`300 concurrent requests on one req socket each get their own reply (${url === TCP_ANY ? "tcp" : "inproc"})`, async () => {
      const rep = await socket("rep", { listen: url === TCP_ANY ? url : inprocUrl("rpc") });
      const req = await socket("req", { dial: rep.listeners[0]!.url, "reconnect-time-min": 20 });
      open.push(rep, req);
      await pipes(req);
      // Eight server contexts answer concurrently, each request with its own number doubled.
      const servers = Array.from({ length: 8 }, async () => {
        const ctx = rep.context();
        for (;;) {
          try {
            await reply(ctx, (n: number) => n * 2, { recvMode: "serial", sendMode: "serial" });
          } catch (err) {
            if (isNngError(err, "ECLOSED")) return;
            throw err;
          }
        }
      });
      const N = 300;
      const aios = Array.from({ length: N }, (_, i) => request(context(req), i, { sendMode: "serial", recvMode: "serial", timeout: 10_000 }));
      const replies = (await collectAio(aios)) as number[];
      expect(replies).to.deep.equal(Array.from({ length: N }, (_, i) => i * 2));
      await rep.close();
      await Promise.all(servers);
    });
  }

  it("reply() answers a NUL byte when the handler throws, and keeps serving", async () => {
    const url = inprocUrl("nul");
    const rep = await socket("rep", { listen: url });
    const req = await socket("req", { dial: url });
    open.push(rep, req);
    const served = (async () => {
      await reply(rep, () => {
        throw new Error("boom");
      });
      await reply(rep, (s: Uint8Array) => s);
    })();
    expect(isNulByte(await request(req, "x", { timeout: 2000 }))).to.equal(true);
    expect(await request(req, "echo", { recvMode: "string", timeout: 2000 })).to.equal("echo");
    await served;
  });

  it("request() times out with ETIMEDOUT and records the pipe on success", async () => {
    const url = inprocUrl("rto");
    const rep = await socket("rep", { listen: url });
    const req = await socket("req", { dial: url });
    open.push(rep, req);
    const a = request(req.context(), "q", { timeout: 30 });
    await a.wait();
    expect(isNngError(a.data, "ETIMEDOUT")).to.equal(true);
    const b = request(req.context(), "q2", { recvMode: "string", timeout: 2000 });
    const ctx = rep.context();
    // The first request was abandoned by its context; the server may see both.
    for (;;) {
      const q = await ctx.recv({ mode: "string", timeout: 2000 });
      await ctx.send(`re:${q}`);
      if (q === "q2") break;
    }
    expect(await b).to.equal("re:q2");
    expect(b.pipe).to.be.greaterThan(0);
  });

  it("contexts are refused with ENOTSUP on protocols without them", async () => {
    for (const p of ["push", "pull", "pub", "bus", "pair", "pair1", "poly"] as const) {
      const s = await socket(p);
      open.push(s);
      expect(() => s.context()).to.throw().that.satisfies((e: unknown) => isNngError(e, "ENOTSUP"));
    }
    const raw = await socket("req", { raw: true });
    open.push(raw);
    expect(() => raw.context()).to.throw().that.satisfies((e: unknown) => isNngError(e, "ENOTSUP"));
  });

  it("a surveyor context runs its own survey; a sub context its own topics", async () => {
    const url = inprocUrl("sctx");
    const surv = await socket("surveyor", { listen: url, "surveyor:survey-time": 2000 });
    const resp = await socket("respondent", { dial: url });
    open.push(surv, resp);
    await pipes(surv);
    const c1 = surv.context();
    const c2 = surv.context();
    await c1.send("q1");
    await c2.send("q2");
    const r = resp.context();
    for (let i = 0; i < 2; i++) {
      const q = await r.recv({ mode: "string", timeout: 2000 });
      await r.send(`a-${q}`);
    }
    expect(await c1.recv({ mode: "string", timeout: 2000 })).to.equal("a-q1");
    expect(await c2.recv({ mode: "string", timeout: 2000 })).to.equal("a-q2");

    const purl = inprocUrl("subctx");
    const pub = await socket("pub", { listen: purl });
    const sub = await socket("sub", { dial: purl });
    open.push(pub, sub);
    await pipes(sub);
    const news = sub.context();
    const sport = sub.context();
    news.subscribe("news");
    sport.subscribe("sport");
    await pub.send("news: one");
    await pub.send("sport: two");
    expect(await news.recv({ mode: "string", timeout: 2000 })).to.equal("news: one");
    expect(await sport.recv({ mode: "string", timeout: 2000 })).to.equal("sport: two");
    await news.close();
    const err = await news.recv().then(() => undefined, (e: unknown) => e);
    expect(isNngError(err, "ECLOSED")).to.equal(true);
  });
});
