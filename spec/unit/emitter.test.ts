// The socket's event emitter (core/emitter.ts) keeps node:events semantics.
import { expect } from "chai";
import { Emitter } from "../../src/core/emitter.js";

type Events = { a: [number]; b: [] };

describe("Emitter", () => {
  it("calls listeners in order with the arguments; emit reports whether any ran", () => {
    const e = new Emitter<Events>();
    const calls: string[] = [];
    expect(e.emit("a", 1)).to.equal(false);
    e.on("a", (n) => calls.push(`x${n}`));
    e.on("a", (n) => calls.push(`y${n}`));
    expect(e.emit("a", 7)).to.equal(true);
    expect(calls).to.deep.equal(["x7", "y7"]);
  });

  it("once runs a listener once; off removes it before it runs", () => {
    const e = new Emitter<Events>();
    let n = 0;
    const f = () => n++;
    e.once("b", f);
    e.emit("b");
    e.emit("b");
    expect(n).to.equal(1);
    e.once("b", f);
    e.off("b", f);
    e.emit("b");
    expect(n).to.equal(1);
  });

  it("off removes the latest registration only; listeners added during emit wait for the next", () => {
    const e = new Emitter<Events>();
    const calls: string[] = [];
    const f = () => calls.push("f");
    e.on("b", f);
    e.on("b", f);
    e.off("b", f);
    e.on("b", () => e.on("b", () => calls.push("late")));
    e.emit("b");
    expect(calls).to.deep.equal(["f"]);
    e.emit("b");
    expect(calls).to.deep.equal(["f", "f", "late"]);
  });

  it("a throwing listener's error propagates out of emit (not swallowed)", () => {
    const e = new Emitter<Events>();
    e.on("a", () => {
      throw new Error("boom");
    });
    expect(() => e.emit("a", 1)).to.throw("boom");
    expect(() => e.on("a", 1 as never)).to.throw(TypeError);
  });
});
