import { expect } from "chai";
import {
  callAio,
  collectAio,
  cv,
  isAio,
  isNngError,
  raceAio,
  recvAio,
  sendAio,
  socket,
  stopAio,
  UNRESOLVED,
  unresolved,
  type Socket,
} from "../../src/index.js";
import { inprocUrl, TCP_ANY } from "../helpers/addr.js";
import { pipes } from "../helpers/wait.js";

describe("aio", () => {
  let open: Socket[] = [];
  afterEach(async () => {
    await Promise.all(open.map((s) => s.close()));
    open = [];
  });
  async function pair(url = inprocUrl("aio")): Promise<[Socket, Socket]> {
    const a = await socket("pair", { listen: url });
    const b = await socket("pair", { dial: a.listeners[0]!.url, "reconnect-time-min": 20 });
    open.push(a, b);
    await pipes(a);
    await pipes(b);
    return [a, b];
  }

  it("reads UNRESOLVED until done, then the value and the pipe id", async () => {
    const [a, b] = await pair();
    const r = recvAio(a, { mode: "string" });
    expect(r.data).to.equal(UNRESOLVED);
    expect(unresolved(r)).to.equal(true);
    expect(unresolved(UNRESOLVED)).to.equal(true);
    const s = sendAio(b, "hi");
    expect(await s).to.equal(0);
    expect(s.result).to.equal(0);
    expect(await r).to.equal("hi");
    expect(r.data).to.equal("hi");
    expect(unresolved(r)).to.equal(false);
    expect(r.pipe).to.equal(a.pipeIds[0]);
    expect(isAio(r)).to.equal(true);
  });

  it("holds the error as data and rejects when awaited (ETIMEDOUT)", async () => {
    const [a] = await pair();
    const r = recvAio(a, { timeout: 20 });
    await r.wait();
    expect(isNngError(r.data, "ETIMEDOUT")).to.equal(true);
    try {
      await r;
      expect.fail("should reject");
    } catch (err) {
      expect(isNngError(err, "ETIMEDOUT")).to.equal(true);
    }
  });

  it("an aio read only through .data does not raise an unhandled rejection", async () => {
    const [a] = await pair();
    let unhandled = false;
    const on = () => (unhandled = true);
    process.on("unhandledRejection", on);
    const r = recvAio(a, { timeout: 5 });
    await new Promise((res) => setTimeout(res, 30));
    await new Promise((res) => setImmediate(res));
    process.off("unhandledRejection", on);
    expect(unhandled).to.equal(false);
    expect(isNngError(r.data, "ETIMEDOUT")).to.equal(true);
  });

  it("stop() cancels with ECANCELED and the message stays for the next receiver", async () => {
    const [a, b] = await pair();
    const r = recvAio(a);
    r.stop();
    await r.wait();
    expect(isNngError(r.data, "ECANCELED")).to.equal(true);
    await b.send("kept");
    expect(await a.recv({ mode: "string", timeout: 2000 })).to.equal("kept");
  });

  it("cancellation racing completion loses nothing (tcp, many rounds)", async () => {
    const [a, b] = await pair(TCP_ANY);
    const N = 200;
    const got: string[] = [];
    let sent = 0;
    const sender = (async () => {
      for (; sent < N; sent++) await b.send(String(sent));
    })();
    while (got.length < N) {
      const r = recvAio(a, { mode: "string" });
      // Stop at a random moment: before, during or after delivery.
      if (Math.random() < 0.5) await new Promise((res) => setImmediate(res));
      r.stop();
      await r.wait();
      if (!isNngError(r.data)) got.push(r.data as string);
      else {
        expect((r.data as { code: string }).code).to.equal("ECANCELED");
        const next = await a.recv({ mode: "string", timeout: 5000 });
        got.push(next);
      }
    }
    await sender;
    expect(got).to.deep.equal(Array.from({ length: N }, (_, i) => String(i)));
  });

  it("collectAio returns values for arrays and records; callAio waits", async () => {
    const [a, b] = await pair();
    const rs = [recvAio(a, { mode: "string" }), recvAio(a, { mode: "string" })];
    await b.send("1");
    await b.send("2");
    expect(await collectAio(rs)).to.deep.equal(["1", "2"]);
    const rec = { x: recvAio(a, { mode: "string" }), y: recvAio(a, { timeout: 10 }) };
    await b.send("3");
    const out = (await collectAio(rec)) as Record<string, unknown>;
    expect(out.x).to.equal("3");
    expect(isNngError(out.y, "ETIMEDOUT")).to.equal(true);
    await callAio(rec);
    expect(rec.x.resolved && rec.y.resolved).to.equal(true);
  });

  it("raceAio gives the index of the first to finish; stopAio stops many", async () => {
    const [a, b] = await pair();
    const [c, d] = await pair();
    const rs = [recvAio(a), recvAio(c)];
    await d.send("x");
    expect(await raceAio(rs)).to.equal(1);
    expect(await raceAio([])).to.equal(-1);
    stopAio(rs);
    await callAio(rs);
    expect(isNngError(rs[0]!.data, "ECANCELED")).to.equal(true);
    void b;
  });

  it("recvAio signals a cv on completion, success or failure", async () => {
    const [a, b] = await pair();
    const c = cv();
    const r1 = recvAio(a, { cv: c });
    await b.send("x");
    expect(await c.until(2000)).to.equal(true);
    expect(r1.resolved).to.equal(true);
    const r2 = recvAio(a, { cv: c, timeout: 5 });
    expect(await c.wait()).to.equal(true);
    expect(isNngError(r2.data, "ETIMEDOUT")).to.equal(true);
    expect(c.value).to.equal(0);
  });

  it("sendAio reports EAGAIN / ETIMEDOUT as its result", async () => {
    const push = await socket("push");
    open.push(push);
    const s = sendAio(push, "nobody", { timeout: 10 });
    await s.wait();
    expect(isNngError(s.result, "ETIMEDOUT")).to.equal(true);
  });
});
