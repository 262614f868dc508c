// Shared by the Node peers: the receiver's clock and the output lines bench/run.mjs reads.
import { monotonicNow } from "./clock.mjs";

/**
 * Counts received messages: the clock starts `warmupMs` after the first one (so JIT
 * warm-up and connection set-up are not measured) and stops at the empty end marker.
 * The clock is read every 256 messages only, to keep it off the per-message path.
 */
export class Meter {
  constructor(warmupMs) {
    this.warmup = warmupMs / 1000;
    this.n = 0;
    this.bytes = 0;
    this.first = 0;
    this.t0 = -1;
    this.n0 = 0;
    this.b0 = 0;
    this.cpu0 = undefined;
  }
  /** Returns true at the end marker. */
  add(len) {
    if (len === 0) return true;
    const n = ++this.n;
    this.bytes += len;
    if (n === 1) this.first = monotonicNow();
    if (this.t0 < 0 && ((n & 255) === 0 || len >= 4096)) {
      const t = monotonicNow();
      if (t - this.first >= this.warmup) {
        this.t0 = t;
        this.n0 = n;
        this.b0 = this.bytes;
        this.cpu0 = process.cpuUsage();
      }
    }
    return false;
  }
  result() {
    const t1 = monotonicNow();
    if (this.t0 < 0) {
      this.t0 = this.first;
      this.n0 = 1;
      this.b0 = this.n ? this.bytes / this.n : 0;
    }
    const msgs = this.n - this.n0;
    const cpu = process.cpuUsage(this.cpu0);
    // The receiving process's CPU time per message: steadier than rates on a busy machine.
    const cpu_us = msgs > 0 ? +((cpu.user + cpu.system) / msgs).toFixed(3) : undefined;
    return { msgs, bytes: this.bytes - this.b0, seconds: t1 - this.t0, rss: Math.round(process.memoryUsage.rss() / 1024), cpu_us };
  }
}

/** Latency samples (µs) → median and p99. */
export function latencyResult(samples) {
  const s = Float64Array.from(samples).sort();
  const at = (q) => (s.length ? s[Math.min(s.length - 1, Math.floor(s.length * q))] : 0);
  return { samples: s.length, median_us: +at(0.5).toFixed(2), p99_us: +at(0.99).toFixed(2), rss: Math.round(process.memoryUsage.rss() / 1024) };
}

/**
 * Times `roundTrip()` back to back for `warmupMs + ms`, keeping the samples after the
 * warm-up; returns {@link latencyResult} of them.
 */
export async function measureRoundTrips(roundTrip, ms, warmupMs) {
  const samples = [];
  const start = performance.now();
  for (;;) {
    const t0 = performance.now();
    if (t0 - start >= warmupMs + ms) break;
    await roundTrip();
    if (t0 - start >= warmupMs) samples.push((performance.now() - t0) * 1000);
  }
  return latencyResult(samples);
}

export function print(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

export function ready() {
  process.stdout.write("READY\n");
}

/** Resolves when the runner closes our stdin (senders stay up until the receiver is done). */
export function stdinClosed() {
  return new Promise((resolve) => {
    process.stdin.on("data", () => undefined);
    process.stdin.on("end", resolve);
    process.stdin.on("close", resolve);
    process.stdin.resume();
  });
}
