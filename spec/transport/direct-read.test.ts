/**
 * Direct reads (SocketReader): tcp and ipc frames read straight into their
 * message buffers, both on the dialing and on the accepting side, with
 * Node's plain "data" path as the reference. Every message's bytes are
 * checked: mixed sizes from empty to 3 MiB, frames split at every kind of
 * boundary, back-pressure with a stalled reader, and recv-size-max.
 */
import net from "node:net";
import { expect } from "chai";
import { type Socket, socket } from "../../src/index.js";
import { FrameDecoder, writeFramePrefix } from "../../src/transport/codec/frame.js";
import { setDirectRead } from "../../src/transport/socket-reader.js";
import { ipcUrl, TCP_ANY } from "../helpers/addr.js";
import { pipeRemoved } from "../helpers/wait.js";

/** A message of `size` bytes whose content depends on its index, so mix-ups show. */
function body(i: number, size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let k = 0; k < size; k += 4096) b[k] = (i + k / 4096) & 0xff;
  if (size > 0) b[size - 1] = (i * 7) & 0xff;
  return b;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** Sizes around the reader's thresholds: tiny, within a scratch read, direct-read-sized, bigger than a read. */
const SIZES = [0, 1, 63, 4095, 4096, 4097, 16 * 1024, 65535, 65536, 65537, 200_000, 1 << 20, 3 << 20, 7, 100_000, 64 * 1024 - 9, 5];

describe("direct reads into message buffers (tcp, ipc)", function () {
  this.timeout(60_000);
  const open: Socket[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  async function pair(url: string, receiverListens: boolean, opts: Record<string, unknown> = {}): Promise<{ push: Socket; pull: Socket }> {
    const pull = await socket("pull", opts);
    const push = await socket("push");
    open.push(push, pull);
    if (receiverListens) {
      const l = await pull.listen(url);
      await push.dial(l.url, { autostart: "sync" });
    } else {
      const l = await push.listen(url);
      await pull.dial(l.url, { autostart: "sync" });
    }
    return { push, pull };
  }

  for (const direct of [true, false]) {
    for (const transport of ["tcp", "ipc"] as const) {
      for (const receiverListens of [true, false]) {
        const name = `${transport}, receiver ${receiverListens ? "accepted" : "dialed"}${direct ? "" : ", direct reads off"}`;
        it(`every byte of mixed sizes arrives in order (${name})`, async () => {
          const prev = setDirectRead(direct);
          let p: { push: Socket; pull: Socket };
          try {
            p = await pair(transport === "tcp" ? TCP_ANY : ipcUrl("dr"), receiverListens);
          } finally {
            setDirectRead(prev);
          }
          const msgs: Uint8Array[] = [];
          for (let round = 0; round < 3; round++) for (const s of SIZES) msgs.push(body(msgs.length, s));
          const sending = (async () => {
            for (const m of msgs) await p.push.send(m);
          })();
          for (let i = 0; i < msgs.length; i++) {
            const got = (await p.pull.recv({ timeout: 20_000 })) as Uint8Array;
            if (!same(got, msgs[i]!)) expect.fail(`message ${i} (${msgs[i]!.length} bytes) arrived as ${got.length} bytes with other content`);
          }
          await sending;
        });
      }
    }
  }

  it("a stalled reader holds big frames back without loss, then gets them all (tcp, accepted)", async () => {
    const { push, pull } = await pair(TCP_ANY, true, { "recv-buffer": 2 });
    const msgs = Array.from({ length: 24 }, (_, i) => body(i, i % 3 === 0 ? 700_000 : i % 3 === 1 ? 70_000 : 10));
    const sending = Promise.all(msgs.map((m) => push.send(m, { timeout: 30_000 })));
    // Let the sender run ahead into back-pressure before anyone reads.
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 0; i < msgs.length; i++) {
      const got = (await pull.recv({ timeout: 20_000 })) as Uint8Array;
      if (!same(got, msgs[i]!)) expect.fail(`message ${i} differs`);
    }
    await sending;
  });

  it("a frame over recv-size-max drops the pipe (ipc, dialed receiver)", async () => {
    const url = ipcUrl("drmax");
    const push = await socket("push", { listen: url });
    const pull = await socket("pull", { "recv-size-max": 100_000 });
    open.push(push, pull);
    await pull.dial(url, { autostart: "sync" });
    const gone = pipeRemoved(pull);
    await push.send(body(1, 200_000));
    await gone;
  });

  it("peers that write frames a byte, a prefix or a megabyte at a time are read whole (tcp, accepted)", async () => {
    const pull = await socket("pull");
    open.push(pull);
    const l = await pull.listen(TCP_ANY);
    const port = Number(new URL(l.url.replace("tcp://", "http://")).port);
    const raw = net.connect(port, "127.0.0.1");
    await new Promise((r) => raw.once("connect", r));
    raw.write(Uint8Array.of(0, 0x53, 0x50, 0, 0, 0x50, 0, 0)); // SP header: push0
    const msgs = [body(1, 5), body(2, 300_000), body(3, 1 << 20), body(4, 0), body(5, 70_000)];
    const wire: Uint8Array[] = [];
    for (const m of msgs) {
      const pre = new Uint8Array(8);
      writeFramePrefix(pre, 0, m.length, false);
      wire.push(pre, m);
    }
    const all = Buffer.concat(wire);
    // Irregular pieces: single bytes, a split prefix, big runs.
    const cuts = [1, 2, 3, 8, 13, 4096, 100_000, 1, 1, 1, 650_000];
    let off = 0;
    for (let i = 0; off < all.length; i++) {
      const n = cuts[i % cuts.length]!;
      const piece = all.subarray(off, off + n);
      off += n;
      if (!raw.write(piece)) await new Promise((r) => raw.once("drain", r));
      if (i % 5 === 0) await new Promise((r) => setImmediate(r));
    }
    for (let i = 0; i < msgs.length; i++) {
      const got = (await pull.recv({ timeout: 20_000 })) as Uint8Array;
      if (!same(got, msgs[i]!)) expect.fail(`message ${i} differs`);
    }
    raw.destroy();
  });
});

describe("FrameDecoder direct targets", () => {
  it("offers the rest of a started frame and takes bytes written there", () => {
    const d = new FrameDecoder(false);
    const pre = new Uint8Array(8);
    writeFramePrefix(pre, 0, 10_000, false);
    d.push(Buffer.concat([pre, Buffer.alloc(100, 1)]));
    expect(d.next()).to.equal(null);
    const t = d.directTarget(4096)!;
    expect(t.length).to.equal(9_900);
    t.fill(2, 0, 5_000);
    d.filledDirect(5_000);
    expect(d.directTarget(4_900)!.length).to.equal(4_900);
    expect(d.directTarget(4_901)).to.equal(undefined);
    d.push(Buffer.alloc(4_900, 3));
    expect(d.directTarget(1)).to.equal(undefined); // pushed bytes wait: no direct target
    const f = d.next()!;
    expect([f.length, f[0], f[100], f[5_099], f[5_100], f[9_999]]).to.deep.equal([10_000, 1, 2, 2, 3, 3]);
  });

  it("counts frames handed out as views", () => {
    const d = new FrameDecoder(true);
    const small = new Uint8Array(9 + 3);
    writeFramePrefix(small, 0, 3, true);
    d.push(small);
    expect(d.next()!.length).to.equal(3);
    expect(d.views).to.equal(1);
    const big = new Uint8Array(9);
    writeFramePrefix(big, 0, 70_000, true);
    d.push(big);
    expect(d.next()).to.equal(null);
    d.filledDirect(d.directTarget(1)!.length);
    expect(d.next()!.length).to.equal(70_000);
    expect([d.views, d.queued]).to.deep.equal([1, 0]);
  });
});
