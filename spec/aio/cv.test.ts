import { expect } from "chai";
import { cv, pipeNotify, socket, type Socket } from "../../src/index.js";
import { inprocUrl } from "../helpers/addr.js";

describe("condition variables and pipeNotify", () => {
  let open: Socket[] = [];
  afterEach(async () => {
    await Promise.all(open.map((s) => s.close()));
    open = [];
  });

  it("signal/wait/until/value/reset", async () => {
    const c = cv();
    expect(c.value).to.equal(0);
    expect(await c.until(10)).to.equal(false);
    c.signal();
    c.signal();
    expect(c.value).to.equal(2);
    expect(await c.wait()).to.equal(true);
    expect(c.value).to.equal(1);
    c.reset();
    expect(c.value).to.equal(0);
    const w = c.wait();
    setImmediate(() => c.signal());
    expect(await w).to.equal(true);
    expect(c.value).to.equal(0);
  });

  it("pipeNotify signals on add and remove, and flag makes wait() return false", async () => {
    const url = inprocUrl("cv");
    const a = await socket("pair", { listen: url });
    open.push(a);
    const c = cv();
    pipeNotify(a, c, { add: true, remove: true });
    const b = await socket("pair", { dial: url });
    expect(await c.until(2000)).to.equal(true);
    await b.close();
    expect(await c.until(2000)).to.equal(true);
    pipeNotify(a, c, { add: true, flag: true });
    const d = await socket("pair", { dial: url });
    open.push(d);
    expect(await c.until(2000)).to.equal(false);
    expect(c.flag).to.equal(true);
    c.reset();
    pipeNotify(a, null, { add: true, remove: true });
    await d.close();
    expect(await c.until(50)).to.equal(false);
  });
});
