/**
 * release(): received big messages give their memory back for later
 * receives (nng_msg_free's counterpart). Memory is reused only when nobody
 * else can see it: not after it was sent on, not when several sub contexts
 * share it, not twice; every reused message carries its own bytes.
 */
import net from "node:net";
import { expect } from "chai";
import { Message, release, type Socket, socket, stream } from "../../src/index.js";
import { allocFrame, resetFramePool } from "../../src/core/frame-pool.js";
import { inprocUrl, ipcUrl, TCP_ANY } from "../helpers/addr.js";

const BIG = 1 << 20;

/** `size` bytes whose content depends on `i`, so a message overwritten by another shows. */
function body(i: number, size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let k = 0; k < size; k += 1024) b[k] = (i * 31 + k / 1024) & 0xff;
  b[size - 1] = (i * 7 + 1) & 0xff;
  return b;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
}

async function pair(url: string, a = "push", b = "pull"): Promise<[Socket, Socket]> {
  const rx = await socket(b as "pull", { listen: url });
  const tx = await socket(a as "push");
  await tx.dial(rx.listeners[0]!.url, { autostart: "sync" });
  return [tx, rx];
}

describe("release(): reusing received message memory", function () {
  const open: Socket[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    resetFramePool();
  });

  for (const [name, url] of [["tcp", () => TCP_ANY], ["ipc", () => ipcUrl("rel")], ["ws", () => "ws://127.0.0.1:0/rel"]] as const) {
    it(`${name}: a released 1 MiB message's memory carries the next one, bytes intact`, async () => {
      const [tx, rx] = await pair(url());
      open.push(tx, rx);
      let prev: ArrayBufferLike | undefined;
      let reused = 0;
      for (let i = 0; i < 6; i++) {
        const sent = body(i, BIG);
        await tx.send(sent);
        const m = await rx.recv();
        expect(same(m, sent), `message ${i}`).to.equal(true);
        if (m.buffer === prev) reused++;
        prev = m.buffer;
        expect(release(m)).to.equal(true);
        expect(release(m), "a second release").to.equal(false);
      }
      // The first message came from fresh memory; every later one from the one released before it.
      expect(reused).to.equal(5);
    });
  }

  it("held messages are never overwritten by later receives, with released ones in the mix", async () => {
    const [tx, rx] = await pair(TCP_ANY);
    open.push(tx, rx);
    const sizes = [40_000, BIG, 65_536, 100_000, BIG, 33_000];
    let held: { got: Uint8Array; sent: Uint8Array }[] = [];
    let taken = 0;
    for (let round = 0; round < 4; round++) {
      const sent = sizes.map((s, i) => body(round * 10 + i, s));
      for (const s of sent) await tx.send(s);
      const now: typeof held = [];
      for (let i = 0; i < sent.length; i++) now.push({ got: (await rx.recv()) as Uint8Array, sent: sent[i]! });
      // Last round's messages, still held, kept their bytes through this round's receives.
      for (const h of [...held, ...now]) expect(same(h.got, h.sent), `round ${round}`).to.equal(true);
      // Small frames may arrive as views of a shared read buffer: those are not releasable.
      for (const h of held) if (release(h.got)) taken++;
      held = now;
    }
    expect(taken).to.be.at.least(6);
  });

  it("rep: a released request body (a view after the request id) is reused, replies stay right", async () => {
    const rep = await socket("rep", { listen: TCP_ANY });
    const req = await socket("req", { dial: rep.listeners[0]!.url });
    open.push(rep, req);
    for (let i = 0; i < 4; i++) {
      const ask = body(i, 70_000);
      const answer = req.send(ask).then(() => req.recv());
      const got = (await rep.recv()) as Uint8Array;
      expect(same(got, ask)).to.equal(true);
      expect(release(got)).to.equal(true);
      await rep.send(`reply ${i}`);
      expect(Buffer.from((await answer) as Uint8Array).toString()).to.equal(`reply ${i}`);
    }
  });

  it("a Message (recv mode message) is released by its body", async () => {
    const [tx, rx] = await pair(TCP_ANY);
    open.push(tx, rx);
    await tx.send(body(1, BIG));
    const m = await rx.recv({ mode: "message" });
    expect(m).to.be.instanceOf(Message);
    expect(release(m)).to.equal(true);
  });

  it("a message sent on after it was received is not released (it may still be queued or written)", async () => {
    const [tx, rx] = await pair(TCP_ANY);
    const [fwd, sink] = await pair(TCP_ANY);
    open.push(tx, rx, fwd, sink);
    const sent = body(3, BIG);
    await tx.send(sent);
    const m = await rx.recv();
    await fwd.send(m);
    expect(release(m)).to.equal(false);
    // The next receive gets other memory, and the forwarded copy arrives whole.
    await tx.send(body(4, BIG));
    const next = await rx.recv();
    expect(next.buffer).to.not.equal(m.buffer);
    expect(same(await sink.recv(), sent)).to.equal(true);
    // A part of a message, sent on, makes the whole of it unreleasable too; so does a short
    // prefix (at offset 0, as small as a fresh array that lives on the JS heap).
    const part = next.subarray(1000, 2000);
    await fwd.send(part);
    expect(release(next)).to.equal(false);
    expect(same(await sink.recv(), part)).to.equal(true);
    await tx.send(body(8, BIG));
    const third = await rx.recv();
    const head = third.subarray(0, 10);
    await fwd.send(head);
    expect(release(third)).to.equal(false);
    expect(same(await sink.recv(), head)).to.equal(true);
  });

  it("a message passed through a device is not released by the receiver at its end", async () => {
    const [tx, rx] = await pair(TCP_ANY);
    const [fwd, sink] = await pair(inprocUrl("rel"));
    open.push(tx, rx, fwd, sink);
    await tx.send(body(5, BIG));
    await fwd.send(await rx.recv({ mode: "message" }));
    const m = await sink.recv();
    expect(same(m, body(5, BIG))).to.equal(true);
    expect(release(m)).to.equal(false);
  });

  it("one message delivered to several sub contexts is not releasable", async () => {
    const sub = await socket("sub", { listen: TCP_ANY });
    const pub = await socket("pub", { dial: sub.listeners[0]!.url });
    open.push(sub, pub);
    const c1 = sub.context();
    const c2 = sub.context();
    c1.subscribe("");
    c2.subscribe("");
    const [r1, r2] = [c1.recv(), c2.recv()];
    // A pub drops messages sent before the connection is up: send until both contexts have one.
    await new Promise<void>((resolve) => {
      const t = setInterval(() => void pub.send(body(6, BIG)), 20);
      void Promise.all([r1, r2]).finally(() => {
        clearInterval(t);
        resolve();
      });
    });
    const [m1, m2] = await Promise.all([r1, r2]);
    expect(m1.buffer).to.equal(m2.buffer);
    expect(release(m1)).to.equal(false);
    expect(release(m2)).to.equal(false);
    await Promise.all([c1.close(), c2.close()]);
  });

  it("ignores what nanonext did not allocate: small messages, inproc messages, own buffers, non-bytes", async () => {
    const [tx, rx] = await pair(TCP_ANY);
    const [itx, irx] = await pair(inprocUrl("rel"));
    open.push(tx, rx, itx, irx);
    await tx.send("small");
    expect(release(await rx.recv())).to.equal(false);
    await itx.send(body(7, BIG));
    expect(release(await irx.recv())).to.equal(false);
    expect(release(new Uint8Array(BIG))).to.equal(false);
    expect(release(Buffer.allocUnsafe(BIG))).to.equal(false);
    expect(release(new Message())).to.equal(false);
    expect(release("text" as unknown as Uint8Array)).to.equal(false);
    expect(release(undefined as unknown as Uint8Array)).to.equal(false);
  });

  it("string, json and typed-array receives release the bytes they decoded; a failed decode keeps them", async () => {
    const [tx, rx] = await pair(TCP_ANY);
    open.push(tx, rx);
    resetFramePool();
    await tx.send("x".repeat(BIG));
    expect(((await rx.recv({ mode: "string" })) as string).length).to.equal(BIG);
    expect(resetFramePool()).to.equal(BIG);
    await tx.send(JSON.stringify("y".repeat(BIG - 2)));
    expect(((await rx.recv({ mode: "json" })) as string).length).to.equal(BIG - 2);
    expect(resetFramePool()).to.equal(BIG);
    await tx.send(new Float64Array(BIG / 8).fill(1.5));
    const f = (await rx.recv({ mode: "float64" })) as Float64Array;
    expect(f.length).to.equal(BIG / 8);
    expect(f[BIG / 8 - 1]).to.equal(1.5);
    expect(resetFramePool()).to.equal(BIG);
    const odd = body(9, BIG + 1);
    await tx.send(odd);
    const err = await rx.recv({ mode: "float64" }).then(
      () => undefined,
      (e: { code?: string; data?: Uint8Array }) => e,
    );
    expect(err?.code).to.equal("EINVAL");
    expect(same(err!.data!, odd)).to.equal(true);
    expect(resetFramePool()).to.equal(0);
  });

  it("keeps at most 32 MiB; sizes round to 4 KiB once pooling, lengths stay exact", () => {
    const fresh = (n: number): Uint8Array => new Uint8Array(new ArrayBuffer(n));
    const view = (ab: ArrayBuffer, n: number): Uint8Array => new Uint8Array(ab, 0, n);
    const held = Array.from({ length: 40 }, () => allocFrame(BIG, fresh, view));
    for (const h of held) expect(release(h)).to.equal(true);
    const odd = allocFrame(40_001, fresh, view);
    expect(odd.length).to.equal(40_001);
    expect(odd.buffer.byteLength).to.equal(40_960);
    expect(allocFrame(1000, fresh, view).buffer.byteLength).to.equal(1000);
    expect(resetFramePool()).to.equal(32 * BIG);
  });

  it("memory transferred away (detached) is neither taken back nor handed out again", () => {
    const fresh = (n: number): Uint8Array => new Uint8Array(new ArrayBuffer(n));
    const view = (ab: ArrayBuffer, n: number): Uint8Array => new Uint8Array(ab, 0, n);
    const moved = allocFrame(BIG, fresh, view);
    structuredClone(moved.buffer, { transfer: [moved.buffer as ArrayBuffer] });
    expect(release(moved)).to.equal(false);
    // Released first, transferred after (a misuse): the next receive still gets usable memory.
    const a = allocFrame(BIG, fresh, view);
    expect(release(a)).to.equal(true);
    structuredClone(a.buffer, { transfer: [a.buffer as ArrayBuffer] });
    const next = allocFrame(BIG, fresh, view);
    expect(next.length).to.equal(BIG);
    next[BIG - 1] = 7;
    expect(next[BIG - 1]).to.equal(7);
    expect(resetFramePool()).to.equal(0);
  });

  it("a slice of a shared allocation is never marked releasable", () => {
    const shared = new ArrayBuffer(4 * BIG);
    const slice = (n: number): Uint8Array => new Uint8Array(shared, 100, n);
    const view = (ab: ArrayBuffer, n: number): Uint8Array => new Uint8Array(ab, 0, n);
    expect(release(allocFrame(BIG, slice, view))).to.equal(false);
    expect(release(allocFrame(BIG, (n) => new Uint8Array(n), view))).to.equal(true);
    // Pooling now, with nothing released of this size: a fresh slice stays unmarked too.
    const other = allocFrame(BIG + 5000, slice, view);
    expect(other.length).to.equal(BIG + 5000);
    expect(release(other)).to.equal(false);
  });

  it("messages keep their transport's kind when memory moves between transports", async () => {
    const [tcpTx, tcpRx] = await pair(TCP_ANY);
    const [wsTx, wsRx] = await pair("ws://127.0.0.1:0/kind");
    open.push(tcpTx, tcpRx, wsTx, wsRx);
    for (let i = 0; i < 3; i++) {
      await wsTx.send(body(i, BIG));
      const w = await wsRx.recv();
      expect(Buffer.isBuffer(w), "ws: a plain Uint8Array").to.equal(false);
      release(w);
      await tcpTx.send(body(i, BIG));
      const t = await tcpRx.recv();
      expect(Buffer.isBuffer(t), "tcp: a Buffer").to.equal(true);
      release(t);
    }
  });

  it("bytes sent on a stream() are not released", async () => {
    const [tx, rx] = await pair(TCP_ANY);
    open.push(tx, rx);
    // A byte sink: the stream's write may still be under way when send resolves.
    const sockets: net.Socket[] = [];
    const server = net.createServer((c) => {
      sockets.push(c);
      c.resume();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const client = await stream({ dial: `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}` });
    try {
      await tx.send(body(9, BIG));
      const m = await rx.recv();
      await client.send(m);
      expect(release(m)).to.equal(false);
    } finally {
      await client.close();
      for (const c of sockets) c.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
