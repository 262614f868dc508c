// A tight inproc request/reply loop completes every exchange without an event-loop
// turn; the transport must still let timers and I/O run now and then.
import { expect } from "chai";
import { socket } from "../../src/index.js";
import { inprocUrl } from "../helpers/addr.js";

describe("inproc fairness", () => {
  it("a tight req/rep loop over inproc does not starve timers", async () => {
    const url = inprocUrl("fair");
    const rep = await socket("rep", { listen: url });
    const req = await socket("req", { dial: url });
    try {
      let fired = false;
      const timer = setTimeout(() => (fired = true), 1);
      let rounds = 0;
      for (; rounds < 200_000 && !fired; rounds++) {
        await req.send("x");
        await rep.send(await rep.recv());
        await req.recv();
      }
      clearTimeout(timer);
      expect(fired, `timer still pending after ${rounds} round trips`).to.equal(true);
    } finally {
      await req.close();
      await rep.close();
    }
  });
});
