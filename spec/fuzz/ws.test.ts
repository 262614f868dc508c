/**
 * Random request heads and random WebSocket frames (any opcode, fin, mask,
 * announced length up to 2^64-1, garbage) at our ws:// listener: the
 * offending connection alone is refused or closed, nothing throws, and a
 * real req dialer on the same path is served afterwards.
 */
import { expect } from "chai";
import fc from "fast-check";
import { type Socket, socket } from "../../src/index.js";
import { until } from "../helpers/peers.js";
import { pipes } from "../helpers/wait.js";
import { destroyAllRawWs, RawWs, upgradeRequest, wsFrame } from "../ws/raw-ws.js";

/** FUZZ_SCALE multiplies the runs (spec/stress/fuzz-long.mjs runs the folder with a large one). */
const RUNS = { numRuns: 25 * Number(process.env.FUZZ_SCALE ?? 1) };

const wsFrameArb = fc.record({
  opcode: fc.oneof({ weight: 4, arbitrary: fc.constant(0x2) }, { weight: 3, arbitrary: fc.integer({ min: 0, max: 15 }) }),
  payload: fc.uint8Array({ maxLength: 40 }),
  fin: fc.boolean(),
  mask: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  length: fc.option(fc.oneof(fc.integer({ min: 0, max: 70_000 }), fc.constantFrom(2 ** 53 - 1, 2 ** 32, 1024 * 1024 + 1)), { freq: 4 }),
});
const wsWrite = fc.oneof(
  { weight: 5, arbitrary: wsFrameArb.map((f) => wsFrame(f.opcode, f.payload, { fin: f.fin, mask: f.mask, ...(f.length === null ? {} : { length: f.length }) })) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 32 }).map((b) => Buffer.from(b)) },
  // 127 with all-ones: an announced length of 2^64-1.
  { weight: 1, arbitrary: fc.constant(Buffer.from("82ffffffffffffffffff00000000", "hex")) },
);
const headArb = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  fc.record({ target: fc.constantFrom("/fz", "/", "", "/other", "/fz?x=1"), protocol: fc.option(fc.constantFrom("rep.sp.nanomsg.org", "req.sp.nanomsg.org", "x"), { nil: undefined }) }).map((o) => Buffer.from(upgradeRequest(o))),
);

describe("fuzz: WebSocket listener", function () {
  this.timeout(20_000 * Number(process.env.FUZZ_SCALE ?? 1));
  let rep: Socket;
  let port: number;
  let url: string;

  before(async () => {
    rep = await socket("rep", { listen: "ws://127.0.0.1:0/fz", "recv-size-max": 4096 });
    url = rep.listeners[0]!.url;
    port = Number(new URL(url).port);
  });
  after(async () => {
    destroyAllRawWs();
    await rep.close();
  });

  /** A real req over ws is served: the listener still works. */
  async function served(tag: string): Promise<void> {
    await until(() => rep.pipeIds.length === 0, 5000, "fuzzed pipes to go");
    const req = await socket("req", { dial: url, autostart: "sync" });
    try {
      await pipes(rep, 1);
      await req.send(tag);
      // Fuzzed binary frames that formed a valid request may be queued before ours.
      for (;;) {
        const m = Buffer.from((await rep.recv({ timeout: 5000 })) as Uint8Array).toString("latin1");
        if (m === tag) break;
      }
      await rep.send("ok");
      expect(await req.recv({ mode: "string", timeout: 5000 })).to.equal("ok");
    } finally {
      await req.close();
    }
  }

  it("random request heads are refused or upgraded; the listener keeps serving", async () => {
    await fc.assert(
      fc.asyncProperty(headArb, async (head) => {
        const c = await RawWs.connect(port, head);
        c.sock.end();
        await c.closed;
        await served("after head");
      }),
      RUNS,
    );
  });

  it("random frames after a valid upgrade close at most that connection; the listener keeps serving", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(wsWrite, { minLength: 1, maxLength: 6 }), async (writes) => {
        const c = await RawWs.connect(port, upgradeRequest({ target: "/fz", protocol: "rep.sp.nanomsg.org" }));
        expect((await c.response()).status).to.equal(101);
        for (const w of writes) c.send(w);
        c.sock.end();
        await c.closed;
        await served("after frames");
      }),
      RUNS,
    );
  });
});
