/**
 * release() under load: big messages (32 KiB – 1 MiB, sizes mixed) over tcp,
 * ipc and ws, the receiver releasing most at once and holding some across
 * later receives, then checking them again before releasing. Every byte of
 * every message is checked, held ones twice: reused memory must never show
 * through a message still held. RSS sampled after a forced GC must stay flat
 * (the pool keeps at most 32 MiB). Exits 1 on a wrong byte, growth or stall.
 *
 *   node --import tsx --expose-gc spec/stress/release-soak.ts
 */
import os from "node:os";
import path from "node:path";
import { release, socket } from "../../src/index.js";

const MESSAGES = Number(process.env.RELEASE_SOAK_MESSAGES ?? 4000);
const SIZES = [32 * 1024, 40_000, 64 * 1024, 100_000, 256 * 1024, 1 << 20];
const RSS_MARGIN = 96 * 1024 * 1024;
const STALL_MS = 30_000;
const gc = (globalThis as { gc?: () => void }).gc;

// Message `seq` of length n is PATTERN[seq & 255 ..][0, n): cheap to make, checked by memcmp.
const PATTERN = Buffer.alloc((1 << 20) + 256);
for (let i = 0; i < PATTERN.length; i++) PATTERN[i] = i & 255;
const expected = (seq: number, n: number): Buffer => PATTERN.subarray(seq & 255, (seq & 255) + n);

/** A small deterministic generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function rss(): number {
  gc?.();
  return process.memoryUsage().rss;
}

async function run(name: string, url: string): Promise<boolean> {
  const rx = await socket("pull", { listen: url });
  const tx = await socket("push", { dial: rx.listeners[0]!.url, autostart: "sync" });
  const random = rng(0x5eed + name.length);
  const held: { seq: number; m: Uint8Array }[] = [];
  let bad = 0;
  let released = 0;
  const samples: number[] = [];
  const t0 = performance.now();
  const check = (seq: number, m: Uint8Array, when: string): void => {
    const want = expected(seq, SIZES[seq % SIZES.length]!);
    if (m.length !== want.length || Buffer.compare(Buffer.from(m.buffer, m.byteOffset, m.length), want) !== 0) {
      if (bad++ < 5) console.log(`${name}: message ${seq} wrong ${when}`);
    }
  };
  try {
    const sending = (async () => {
      for (let seq = 0; seq < MESSAGES; seq++) await tx.send(expected(seq, SIZES[seq % SIZES.length]!));
    })();
    for (let seq = 0; seq < MESSAGES; seq++) {
      let timer: NodeJS.Timeout | undefined;
      const m = (await Promise.race([
        rx.recv(),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${name} stalled at ${seq}`)), STALL_MS))),
      ]).finally(() => clearTimeout(timer))) as Uint8Array;
      check(seq, m, "on receipt");
      if (random() < 0.2 && held.length < 16) held.push({ seq, m });
      else if (release(m)) released++;
      // Now and then a held message is checked again (after later receives reused memory) and released.
      if (held.length > 0 && random() < 0.15) {
        const h = held.splice(Math.floor(random() * held.length), 1)[0]!;
        check(h.seq, h.m, "while held");
        if (release(h.m)) released++;
      }
      if (seq % Math.max(1, Math.floor(MESSAGES / 20)) === 0) samples.push(rss());
    }
    await sending;
    for (const h of held.splice(0)) check(h.seq, h.m, "while held");
  } finally {
    await tx.close();
    await rx.close();
  }
  const third = Math.max(1, Math.floor(samples.length / 3));
  const first = Math.max(...samples.slice(0, third));
  const last = Math.max(...samples.slice(-third));
  const grew = last - first > RSS_MARGIN;
  const s = (performance.now() - t0) / 1000;
  console.log(
    `${name}: ${MESSAGES} messages in ${s.toFixed(1)} s, ${released} released, ${bad} wrong, RSS ${(first / 1048576).toFixed(0)} → ${(last / 1048576).toFixed(0)} MiB${grew ? " (GREW)" : ""}`,
  );
  return bad === 0 && !grew && released > MESSAGES / 2;
}

const ipc = `ipc://${path.join(os.tmpdir(), `nanonext-release-soak-${process.pid}.ipc`)}`;
let ok = true;
for (const [name, url] of [
  ["tcp", "tcp://127.0.0.1:0"],
  ["ipc", ipc],
  ["ws", "ws://127.0.0.1:0/release-soak"],
] as const) {
  ok = (await run(name, url)) && ok;
}
process.exitCode = ok ? 0 : 1;
