/**
 * `nanonext bench`: a quick in-process throughput and latency check of
 * nanonext's own sockets (both ends in this process), push/pull per
 * transport and size, then req/rep round trips.
 */
import os from "node:os";
import path from "node:path";
// The package entry: it registers every Node transport.
import { Socket } from "../index.js";

/**
 * Transports `nanonext bench` can measure.
 * @example
 * ```ts
 * const t: BenchTransport = "ipc";
 * ```
 */
export type BenchTransport = "inproc" | "ipc" | "tcp";

/**
 * What to run. `count` messages per push/pull run; req/rep makes `count / 10` round trips.
 * @example
 * ```ts
 * const o: BenchOptions = { count: 20000, sizes: [64, 1024], transports: ["inproc", "ipc", "tcp"] };
 * ```
 */
export interface BenchOptions {
  count: number;
  sizes: number[];
  transports: BenchTransport[];
}

/**
 * One measured run.
 * @example
 * ```ts
 * const r: BenchResult = { transport: "tcp", pattern: "push/pull", size: 64, count: 20000, seconds: 0.1 };
 * ```
 */
export interface BenchResult {
  transport: BenchTransport;
  pattern: "push/pull" | "req/rep";
  size: number;
  count: number;
  seconds: number;
}

/**
 * The usage text of `nanonext bench`.
 * @example
 * ```ts
 * console.error(BENCH_USAGE);
 * ```
 */
export const BENCH_USAGE = `Usage: nanonext bench [--count <n>] [--size <bytes>[,<bytes>...]] [--transport <inproc|ipc|tcp|all>[,...]]

  --count <n>        messages per push/pull run (default 20000); req/rep makes n/10 round trips
  --size <bytes>     message sizes (default 64,1024)
  --transport <t>    inproc, ipc, tcp or all (default all)
`;

const ALL: BenchTransport[] = ["inproc", "ipc", "tcp"];

function positive(v: string | undefined, what: string): number {
  if (v === undefined || !/^[0-9]+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) {
    throw new Error(`${what} must be a positive integer, not ${JSON.stringify(v ?? "")}`);
  }
  return Number(v);
}

/**
 * Parses `nanonext bench` arguments (`--opt value` or `--opt=value`).
 *
 * @throws Error with a one-line explanation for an unknown option or bad value
 * @example
 * ```ts
 * parseBenchArgs(["--count", "1000", "--transport", "inproc"]); // { count: 1000, sizes: [64, 1024], transports: ["inproc"] }
 * ```
 */
export function parseBenchArgs(args: readonly string[]): BenchOptions | "help" {
  const o: BenchOptions = { count: 20_000, sizes: [64, 1024], transports: [...ALL] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--help" || arg === "-h") return "help";
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    switch (name) {
      case "--count":
        o.count = positive(value, "--count");
        break;
      case "--size":
        o.sizes = (value ?? "").split(",").map((s) => positive(s, "--size"));
        break;
      case "--transport": {
        const list = (value ?? "").split(",");
        if (list.includes("all")) {
          o.transports = [...ALL];
          break;
        }
        for (const t of list) if (!ALL.includes(t as BenchTransport)) throw new Error(`--transport must be inproc, ipc, tcp or all, not ${JSON.stringify(t)}`);
        o.transports = list as BenchTransport[];
        break;
      }
      default:
        throw new Error(`unknown option ${arg}`);
    }
  }
  return o;
}

let seq = 0;
function urlFor(t: BenchTransport): string {
  seq++;
  if (t === "inproc") return `inproc://nanonext-bench-${process.pid}-${seq}`;
  if (t === "ipc") return `ipc://${path.join(os.tmpdir(), `nanonext-bench-${process.pid}-${seq}.ipc`)}`;
  return "tcp://127.0.0.1:0";
}

/** Opens `listenProto` on a fresh address and `dialProto` connected to it. */
async function pairUp(t: BenchTransport, listenProto: "pull" | "rep", dialProto: "push" | "req"): Promise<[Socket, Socket]> {
  const a = new Socket(listenProto);
  const b = new Socket(dialProto);
  try {
    const l = await a.listen(urlFor(t));
    await b.dial(l.url, { autostart: "sync" });
    return [a, b];
  } catch (err) {
    await Promise.all([a.close(), b.close()]);
    throw err;
  }
}

async function pushPull(t: BenchTransport, size: number, count: number): Promise<BenchResult> {
  const [pull, push] = await pairUp(t, "pull", "push");
  try {
    const body = new Uint8Array(size);
    const t0 = performance.now();
    const reader = (async () => {
      for (let i = 0; i < count; i++) await pull.recv();
    })();
    for (let i = 0; i < count; i++) await push.send(body);
    await reader;
    return { transport: t, pattern: "push/pull", size, count, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await Promise.all([push.close(), pull.close()]);
  }
}

async function reqRep(t: BenchTransport, size: number, count: number): Promise<BenchResult> {
  const [rep, req] = await pairUp(t, "rep", "req");
  try {
    const body = new Uint8Array(size);
    const server = (async () => {
      for (let i = 0; i < count; i++) {
        await rep.send(await rep.recv());
      }
    })();
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      await req.send(body);
      await req.recv();
    }
    const seconds = (performance.now() - t0) / 1000;
    await server;
    return { transport: t, pattern: "req/rep", size, count, seconds };
  } finally {
    await Promise.all([req.close(), rep.close()]);
  }
}

/**
 * Runs the benchmark, handing each result to `report` as it completes.
 * @example
 * ```ts
 * const rows = await runBench({ count: 2000, sizes: [64], transports: ["inproc"] });
 * ```
 */
export async function runBench(o: BenchOptions, report: (r: BenchResult) => void = () => {}): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const add = (r: BenchResult) => {
    out.push(r);
    report(r);
  };
  for (const t of o.transports) for (const size of o.sizes) add(await pushPull(t, size, o.count));
  const trips = Math.max(1, Math.floor(o.count / 10));
  for (const t of o.transports) add(await reqRep(t, o.sizes[0] ?? 64, trips));
  return out;
}

/**
 * One printed line of a result: msgs/s and MB/s, and the mean round trip for req/rep.
 * @example
 * ```ts
 * formatBenchRow({ transport: "tcp", pattern: "push/pull", size: 64, count: 1000, seconds: 0.01 });
 * ```
 */
export function formatBenchRow(r: BenchResult): string {
  const rate = r.count / r.seconds;
  const mbps = (r.count * r.size * (r.pattern === "req/rep" ? 2 : 1)) / r.seconds / 1e6;
  const latency = r.pattern === "req/rep" ? `${((r.seconds / r.count) * 1e6).toFixed(1)} us/rt` : "";
  return [r.transport.padEnd(9), r.pattern.padEnd(10), String(r.size).padStart(6), String(r.count).padStart(8), Math.round(rate).toString().padStart(10), mbps.toFixed(1).padStart(9), latency.padStart(12)].join(" ").trimEnd();
}

/** Header matching {@link formatBenchRow}. */
const HEADER = ["transport".padEnd(9), "pattern".padEnd(10), "size".padStart(6), "count".padStart(8), "msgs/s".padStart(10), "MB/s".padStart(9), "latency".padStart(12)].join(" ");

/**
 * `nanonext bench [--count n] [--size bytes[,…]] [--transport t[,…]]`; resolves with the exit code.
 * @example
 * ```ts
 * process.exitCode = await benchMain(["--transport", "inproc"]);
 * ```
 */
export async function benchMain(args: readonly string[], out: (line: string) => void = (l) => void process.stdout.write(`${l}\n`), err: (line: string) => void = (l) => void process.stderr.write(`${l}\n`)): Promise<number> {
  let o: BenchOptions | "help";
  try {
    o = parseBenchArgs(args);
  } catch (e) {
    err(`nanonext bench: ${(e as Error).message}`);
    err(BENCH_USAGE.trimEnd());
    return 1;
  }
  if (o === "help") {
    out(BENCH_USAGE.trimEnd());
    return 0;
  }
  out(HEADER);
  await runBench(o, (r) => out(formatBenchRow(r)));
  return 0;
}
