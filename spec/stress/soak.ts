/**
 * Soak: one million messages per protocol pattern (push/pull, req/rep,
 * pub/sub, pair, bus, surveyor/respondent) over inproc and tcp, with RSS and
 * heap sampled after a forced GC. Flat means: the last third of the samples
 * stays within a margin of the first third (RSS +48 MiB, heap +16 MiB). Prints
 * msg/s and memory per run; exits 1 if a run stalls, fails or grows.
 *
 * "Messages" counts every message on the wire: a request/reply or
 * survey/response round trip is two. Run with --expose-gc (spec/stress/run.mjs
 * does); SOAK_MESSAGES overrides the count, SOAK_ONLY=pattern[,…] picks patterns.
 *
 *   node --import tsx --expose-gc spec/stress/soak.ts
 */
import { type Socket, socket } from "../../src/index.js";

const TOTAL = Number(process.env.SOAK_MESSAGES ?? 1_000_000);
const BATCH = Math.max(1000, Math.floor(TOTAL / 60));
const STALL_MS = 30_000;
const RSS_MARGIN = 48 * 1024 * 1024;
const HEAP_MARGIN = 16 * 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;

interface Pattern {
  /** Moves `n` messages (both directions counted). */
  batch(n: number): Promise<void>;
  /** Messages a non-blocking sender (pub, bus) dropped so far. */
  dropped(): number;
  close(): Promise<void>;
}

const payload = new Uint8Array(64).fill(0x61);
const tick = () => new Promise((r) => setImmediate(r));

async function pairOf(a: string, b: string, url: string, aOpts: Record<string, unknown> = {}, bOpts: Record<string, unknown> = {}): Promise<[Socket, Socket]> {
  const x = await socket(a as never, { listen: url, ...aOpts });
  const y = await socket(b as never, { dial: x.listeners[0]!.url, autostart: "sync", ...bOpts });
  return [x, y];
}

/** A one-way stream with back-pressure (push/pull, pair). */
async function stream(kind: "push" | "pair", url: string): Promise<Pattern> {
  const [rx, tx] = kind === "push" ? await pairOf("pull", "push", url) : await pairOf("pair", "pair", url);
  return {
    async batch(n) {
      const sending = (async () => {
        for (let i = 0; i < n; i++) {
          await tx.send(payload);
          if ((i & 1023) === 1023) await tick();
        }
      })();
      for (let i = 0; i < n; i++) await rx.recv();
      await sending;
    },
    dropped: () => 0,
    async close() {
      await tx.close();
      await rx.close();
    },
  };
}

/** Round trips on K contexts each side (req/rep, surveyor/respondent). */
async function roundTrips(kind: "req" | "surveyor", url: string): Promise<Pattern> {
  const K = 32;
  const [server, client] = kind === "req" ? await pairOf("rep", "req", url) : await pairOf("respondent", "surveyor", url);
  if (kind === "surveyor") client.surveyTime(STALL_MS);
  let open = true;
  const servers = Array.from({ length: K }, async () => {
    const ctx = server.context();
    let n = 0;
    while (open) {
      let m: unknown;
      try {
        m = await ctx.recv();
      } catch {
        return;
      }
      await ctx.send(m as Uint8Array).catch(() => undefined);
      if ((++n & 255) === 0) await tick();
    }
  });
  const clients = Array.from({ length: K }, () => client.context());
  return {
    async batch(n) {
      const rounds = Math.ceil(n / 2);
      await Promise.all(
        clients.map(async (ctx, k) => {
          for (let i = k; i < rounds; i += K) {
            await ctx.send(payload);
            await ctx.recv({ timeout: STALL_MS });
            if ((i & 255) === k) await tick();
          }
        }),
      );
    },
    dropped: () => 0,
    async close() {
      open = false;
      await client.close();
      await server.close();
      await Promise.all(servers);
    },
  };
}

/**
 * Non-blocking senders (pub/sub, bus): sent in windows, each waiting for the
 * receiver to catch up; what does not arrive within a second counts as
 * dropped (allowed by the protocol, reported).
 */
async function fanout(kind: "pub" | "bus", url: string): Promise<Pattern> {
  const big = { "send-buffer": 8192, "recv-buffer": 8192 };
  const [rx, tx] = kind === "pub" ? await pairOf("sub", "pub", url, big, big) : await pairOf("bus", "bus", url, big, big);
  if (kind === "pub") rx.subscribe("");
  // A pub/bus dialer's pipe may need a moment on the listening side too.
  await new Promise((r) => setTimeout(r, 50));
  let got = 0;
  let wake: (() => void) | undefined;
  let open = true;
  const reader = (async () => {
    while (open) {
      try {
        await rx.recv();
      } catch {
        return;
      }
      got++;
      wake?.();
    }
  })();
  let sent = 0;
  let lost = 0;
  const W = 512;
  return {
    async batch(n) {
      for (let i = 0; i < n; i += W) {
        const w = Math.min(W, n - i);
        for (let j = 0; j < w; j++) await tx.send(payload);
        sent += w;
        const deadline = Date.now() + 1000;
        while (got + lost < sent && Date.now() < deadline) {
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, 20);
          });
        }
        wake = undefined;
        if (got + lost < sent) lost = sent - got;
        await tick();
      }
    },
    dropped: () => lost,
    async close() {
      open = false;
      await tx.close();
      await rx.close();
      await reader;
    },
  };
}

const PATTERNS: Record<string, (url: string) => Promise<Pattern>> = {
  "push/pull": (u) => stream("push", u),
  pair: (u) => stream("pair", u),
  "req/rep": (u) => roundTrips("req", u),
  "surveyor/respondent": (u) => roundTrips("surveyor", u),
  "pub/sub": (u) => fanout("pub", u),
  bus: (u) => fanout("bus", u),
};

function sample(): { rss: number; heap: number } {
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const mib = (n: number): string => (n / 1048576).toFixed(1);

async function withDeadline<T>(p: Promise<T>, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`${what} stalled for ${STALL_MS} ms`)), STALL_MS)))]);
  } finally {
    clearTimeout(t);
  }
}

async function soak(name: string, transport: "inproc" | "tcp"): Promise<boolean> {
  const url = transport === "tcp" ? "tcp://127.0.0.1:0" : `inproc://soak-${process.pid}-${name}`;
  const p = await PATTERNS[name]!(url);
  const samples: { rss: number; heap: number }[] = [];
  const t0 = performance.now();
  let done = 0;
  try {
    while (done < TOTAL) {
      const n = Math.min(BATCH, TOTAL - done);
      await withDeadline(p.batch(n), `${name} over ${transport}`);
      done += n;
      samples.push(sample());
    }
  } finally {
    await p.close();
  }
  const secs = (performance.now() - t0) / 1000;
  const third = Math.max(1, Math.floor(samples.length / 3));
  // Skip the very first sample (JIT and pools warming up).
  const first = samples.slice(1, third + 1);
  const last = samples.slice(-third);
  const rss0 = mean(first.map((s) => s.rss));
  const rss1 = mean(last.map((s) => s.rss));
  const heap0 = mean(first.map((s) => s.heap));
  const heap1 = mean(last.map((s) => s.heap));
  const flat = rss1 <= rss0 + RSS_MARGIN && heap1 <= heap0 + HEAP_MARGIN;
  const rate = Math.round(done / secs);
  const dropped = p.dropped();
  console.log(
    `${flat ? "ok  " : "FAIL"} ${name.padEnd(20)} ${transport.padEnd(6)} ${done} msgs in ${secs.toFixed(1)} s = ${rate} msg/s; ` +
      `rss ${mib(rss0)} → ${mib(rss1)} MiB, heap ${mib(heap0)} → ${mib(heap1)} MiB${dropped ? `; ${dropped} dropped by the non-blocking sender` : ""}`,
  );
  return flat;
}

if (!gc) console.log("(no --expose-gc: memory samples are taken without a forced GC)");
const only = process.env.SOAK_ONLY?.split(",");
let failed = 0;
for (const name of Object.keys(PATTERNS)) {
  if (only && !only.includes(name)) continue;
  for (const t of ["inproc", "tcp"] as const) {
    try {
      if (!(await soak(name, t))) failed++;
    } catch (err) {
      failed++;
      console.log(`FAIL ${name.padEnd(20)} ${t.padEnd(6)} ${(err as Error).message}`);
    }
  }
}
console.log(failed ? `soak: ${failed} run(s) failed` : "soak: all runs flat");
process.exitCode = failed ? 1 : 0;
