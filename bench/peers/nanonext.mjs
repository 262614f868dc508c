// nanonext peer for bench/run.mjs (roles as bench/c/nngbench.c): the public API, one await per message.
import { Meter, measureRoundTrips, print, ready, stdinClosed } from "./measure.mjs";

const { socket, release } = await import(process.env.NANONEXT_DIST ?? "nanonext");
const [role, ...args] = process.argv.slice(2);
// BENCH_BATCH=n: the batched API (sendMany / recvMany of n, recv-buffer n) instead of one await per message.
const BATCH = +(process.env.BENCH_BATCH ?? 0);
const pullOpts = BATCH ? { "recv-buffer": Math.min(BATCH, 8192) } : {};
// BENCH_RELEASE=1: each received message is given back with release() once counted.
const RELEASE = process.env.BENCH_RELEASE === "1";

async function sendFor(push, size, ms) {
  const body = new Uint8Array(size);
  const end = performance.now() + ms;
  if (BATCH) {
    const batch = new Array(BATCH).fill(body);
    do await push.sendMany(batch);
    while (performance.now() < end);
  } else {
    for (let i = 1; ; i++) {
      await push.send(body);
      if ((i & 255) === 0 && performance.now() >= end) break;
    }
  }
  await push.send(new Uint8Array(0));
}

async function countUntilEmpty(pull, warmupMs) {
  const meter = new Meter(warmupMs);
  if (BATCH) {
    for (;;) {
      const ms = await pull.recvMany(BATCH);
      for (let i = 0; i < ms.length; i++) if (meter.add(ms[i].length)) return meter.result();
    }
  }
  for (;;) {
    const m = await pull.recv();
    if (meter.add(m.length)) break;
    if (RELEASE) release(m);
  }
  return meter.result();
}

switch (role) {
  case "pull": {
    const [url, warmup] = args;
    const pull = await socket("pull", { listen: url, ...pullOpts });
    ready();
    print(await countUntilEmpty(pull, +warmup));
    await pull.close();
    break;
  }
  case "push": {
    const [url, size, ms] = args;
    const push = await socket("push");
    await push.dial(url, { autostart: "sync" });
    await sendFor(push, +size, +ms);
    await stdinClosed();
    await push.close();
    break;
  }
  case "rep": {
    const [url] = args;
    const rep = await socket("rep", { listen: url });
    ready();
    for (;;) await rep.send(await rep.recv());
  }
  case "req": {
    const [url, size, ms, warmup] = args;
    const req = await socket("req");
    await req.dial(url, { autostart: "sync" });
    const body = new Uint8Array(+size);
    const roundTrip = async () => {
      await req.send(body);
      await req.recv();
    };
    print(await measureRoundTrips(roundTrip, +ms, +warmup));
    await req.close();
    break;
  }
  case "inproc": {
    const [size, ms, warmup] = args;
    const url = `inproc://bench-${process.pid}`;
    const pull = await socket("pull", { listen: url, ...pullOpts });
    const push = await socket("push");
    await push.dial(url, { autostart: "sync" });
    const [r] = await Promise.all([countUntilEmpty(pull, +warmup), sendFor(push, +size, +ms)]);
    print(r);
    await push.close();
    await pull.close();
    break;
  }
  case "soak": {
    // Many messages through one pair, reporting RSS as it goes: memory must stay flat.
    const [url, size, count] = args;
    const n = +count;
    const pull = await socket("pull", { listen: url });
    const push = await socket("push");
    await push.dial(pull.listeners[0].url, { autostart: "sync" });
    const body = new Uint8Array(+size);
    const rss = [];
    const every = Math.max(1, Math.floor(n / 20));
    const t0 = performance.now();
    const reader = (async () => {
      for (let i = 1; i <= n; i++) {
        await pull.recv();
        if (i % every === 0) rss.push(Math.round(process.memoryUsage.rss() / 1024));
      }
    })();
    for (let i = 0; i < n; i++) await push.send(body);
    await reader;
    const seconds = (performance.now() - t0) / 1000;
    print({ msgs: n, bytes: n * +size, seconds, rss: rss.at(-1), rssSamples: rss });
    await push.close();
    await pull.close();
    break;
  }
  default:
    console.error(`nanonext peer: unknown role ${role}`);
    process.exit(2);
}
