#!/usr/bin/env node
// nanonext vs libnng (C) vs zeromq.js, side by side in one run: push/pull throughput
// (sender and receiver in two processes; inproc in one), req/rep latency, and a
// memory soak. See bench/README.md.
//
//   node bench/run.mjs [--quick] [--soak] [--latency-only] [--runs N] [--ms N] [--only tcp,64] [--out file]
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildNngPeer } from "./lib/build-c.mjs";
import { markdownTable, median, ratio, si, sizeName } from "./lib/stats.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(HERE);

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const value = (name, def) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : def;
};
if (flag("--help") || flag("-h")) {
  console.log(`node bench/run.mjs [options]
  --quick        one short run per cell (~1 minute)
  --soak         also push 10M 64 B messages through inproc and tcp, reporting RSS
  --soak-count N messages per soak run (default 10000000)
  --runs N       runs per cell, the median is reported (default 3; 1 with --quick)
  --ms N         measured time per run in ms, after a warm-up (default 800; 400 with --quick)
  --only a,b     only cells whose transport or size matches (e.g. --only tcp,64)
  --latency-only only the req/rep latency cell (no throughput cells)
  --out FILE     results JSON (default bench/results.json)
  NANONEXT_DIST=/path/to/dist/index.js benchmarks another build of nanonext.`);
  process.exit(0);
}
const QUICK = flag("--quick");
const RUNS = +value("--runs", QUICK ? 1 : 3);
const MS = +value("--ms", QUICK ? 400 : 800);
const WARMUP = QUICK ? 150 : 200;
const ONLY = value("--only", "").split(",").filter(Boolean);
const OUT = path.resolve(value("--out", path.join(HERE, "results.json")));
const SOAK = flag("--soak");
const LATENCY_ONLY = flag("--latency-only");
const SOAK_COUNT = +value("--soak-count", 10_000_000);
const RUN_TIMEOUT_MS = 60_000 + MS * 5;

const SIZES = [64, 1024, 65536, 1 << 20];
const TRANSPORTS = ["tcp", "ipc", "ws", "inproc"];

// ---- peers ---------------------------------------------------------------------------

const nanonextDist = process.env.NANONEXT_DIST ?? path.join(ROOT, "dist", "index.js");
if (!fs.existsSync(nanonextDist)) {
  console.error(`nanonext is not built (${nanonextDist} is missing): run npm run build first`);
  process.exit(1);
}
const childEnv = { ...process.env, NANONEXT_DIST: nanonextDist };

let zmqVersion;
try {
  const require = createRequire(import.meta.url);
  zmqVersion = JSON.parse(fs.readFileSync(require.resolve("zeromq/package.json"), "utf8")).version;
} catch {
  zmqVersion = undefined;
}
const nng = buildNngPeer();

const node = (script) => (args) => [process.execPath, [path.join(HERE, "peers", script), ...args]];
/** name → { cmd(args) → [file, argv], transports it speaks, sizes (all if absent), extra env } */
const PEERS = {
  nanonext: { label: "nanonext", cmd: node("nanonext.mjs"), transports: TRANSPORTS },
  // The same peer with sendMany/recvMany (batches of 1024, recv-buffer 1024) for small messages.
  batched: { label: "nanonext sendMany/recvMany", cmd: node("nanonext.mjs"), transports: ["tcp", "ipc", "inproc"], sizes: [64], env: { BENCH_BATCH: "1024" } },
  // The same peer giving each received message back with release() (as the C peer calls nng_msg_free).
  released: { label: "nanonext + release()", cmd: node("nanonext.mjs"), transports: ["tcp", "ipc", "ws"], sizes: [65536, 1 << 20], env: { BENCH_RELEASE: "1" } },
  zeromq: zmqVersion && { label: `zeromq.js ${zmqVersion}`, cmd: node("zmq.mjs"), transports: ["tcp", "ipc", "inproc"] },
  libnng: nng.bin && { label: `libnng ${nng.version} (C)`, cmd: (args) => [nng.bin, args], transports: TRANSPORTS },
};
const active = Object.entries(PEERS).filter(([, p]) => p);

// ---- process plumbing ----------------------------------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

let ipcSeq = 0;
async function urlFor(transport) {
  switch (transport) {
    case "tcp":
      return `tcp://127.0.0.1:${await freePort()}`;
    case "ws":
      return `ws://127.0.0.1:${await freePort()}/bench`;
    case "ipc":
      return `ipc://${path.join(os.tmpdir(), `nanonext-bench-${process.pid}-${ipcSeq++}.ipc`)}`;
    default:
      throw new Error(transport);
  }
}

/** A child with its stdout lines; `line(pred)` waits for a matching one. */
function start([file, args], env = childEnv) {
  const proc = spawn(file, args, { stdio: ["pipe", "pipe", "pipe"], env });
  const lines = [];
  const waiters = [];
  let buf = "";
  let err = "";
  proc.stdout.on("data", (d) => {
    buf += d;
    for (let i; (i = buf.indexOf("\n")) >= 0; ) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(l);
      for (const w of [...waiters]) w();
    }
  });
  proc.stderr.on("data", (d) => (err += d));
  proc.stdin.on("error", () => undefined);
  const exited = new Promise((resolve) => proc.on("close", (code, sig) => resolve(code ?? sig)));
  exited.then(() => [...waiters].forEach((w) => w()));
  let gone = false;
  exited.then(() => (gone = true));
  return {
    proc,
    exited,
    stderr: () => err.trim(),
    line(pred, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
        const check = () => {
          const l = lines.find(pred);
          if (l !== undefined) done(undefined, l);
          else if (gone) done(new Error(`exited (${proc.exitCode ?? proc.signalCode}): ${err.trim().split("\n").slice(-3).join(" / ")}`));
        };
        const done = (e, l) => {
          clearTimeout(timer);
          const i = waiters.indexOf(check);
          if (i >= 0) waiters.splice(i, 1);
          if (e) reject(e);
          else resolve(l);
        };
        waiters.push(check);
        check();
      });
    },
    async stop() {
      proc.stdin.end();
      const t = setTimeout(() => proc.kill("SIGKILL"), 5000);
      if (!gone) proc.kill("SIGTERM");
      await exited;
      clearTimeout(t);
    },
  };
}

const isJson = (l) => l.startsWith("{");

/** One throughput run of `peer` → { msgs, bytes, seconds, rss } or { error }. */
async function throughputRun(peer, transport, size) {
  const ms = String(MS + WARMUP);
  const env = { ...childEnv, ...peer.env };
  if (transport === "inproc") {
    const p = start(peer.cmd(["inproc", String(size), ms, String(WARMUP)]), env);
    try {
      return JSON.parse(await p.line(isJson, RUN_TIMEOUT_MS));
    } catch (e) {
      return { error: e.message };
    } finally {
      await p.stop();
    }
  }
  const url = await urlFor(transport);
  const rx = start(peer.cmd(["pull", url, String(WARMUP)]), env);
  let tx;
  try {
    await rx.line((l) => l === "READY", 20_000);
    tx = start(peer.cmd(["push", url, String(size), ms]), env);
    return JSON.parse(await rx.line(isJson, RUN_TIMEOUT_MS));
  } catch (e) {
    return { error: e.message };
  } finally {
    await Promise.all([rx.stop(), tx?.stop()]);
  }
}

/**
 * Raw `net` ceilings over tcp or a unix socket: size-byte writes, no SP framing. The
 * sink only counts bytes (Node reads into 64 KiB chunks it recycles), or with `framed`
 * also copies each message into a fresh buffer of its own: what handing out whole big
 * messages costs plain Node.
 */
async function netRun(transport, size, framed) {
  const addr = transport === "tcp" ? String(await freePort()) : path.join(os.tmpdir(), `nanonext-bench-net-${process.pid}-${ipcSeq++}.sock`);
  const env = { ...childEnv, BENCH_SIZE: String(size) };
  const rx = start(node("net.mjs")(["sink", addr, String(WARMUP), ...(framed ? ["framed"] : [])]), env);
  let tx;
  try {
    await rx.line((l) => l === "READY", 20_000);
    tx = start(node("net.mjs")(["source", addr, String(size), String(MS + WARMUP)]), env);
    return JSON.parse(await rx.line(isJson, RUN_TIMEOUT_MS));
  } catch (e) {
    return { error: e.message };
  } finally {
    await Promise.all([rx.stop(), tx?.stop()]);
    if (transport === "ipc") fs.rmSync(addr, { force: true });
  }
}

/** Bare-queue ceiling for inproc: the floor peer's two loops in one process, run as a peer's inproc role. */
const FLOOR = { cmd: node("floor.mjs") };
const floorRun = (size) => throughputRun(FLOOR, "inproc", size);

async function latencyRun(peer, transport, size) {
  const url = await urlFor(transport);
  const rep = start(peer.cmd(["rep", url]));
  let req;
  try {
    await rep.line((l) => l === "READY", 20_000);
    req = start(peer.cmd(["req", url, String(size), String(MS), String(WARMUP)]));
    return JSON.parse(await req.line(isJson, RUN_TIMEOUT_MS));
  } catch (e) {
    return { error: e.message };
  } finally {
    await Promise.all([rep.stop(), req?.stop()]);
  }
}

// ---- the run -------------------------------------------------------------------------

const selected = (transport, size) => ONLY.length === 0 || ONLY.every((o) => o === transport || o === String(size) || o === sizeName(size).replace(" ", ""));

const rate = (r) => (r && !r.error && r.seconds > 0 ? { msgs_s: r.msgs / r.seconds, mb_s: r.bytes / r.seconds / 1e6 } : undefined);

function summarize(runs) {
  const ok = runs.map(rate).filter(Boolean);
  if (ok.length === 0) return { error: runs.find((r) => r.error)?.error ?? "no result" };
  return { msgs_s: median(ok.map((r) => r.msgs_s)), mb_s: median(ok.map((r) => r.mb_s)), rss_kb: Math.max(...runs.map((r) => r.rss ?? 0)) };
}

const t0 = Date.now();
const log = (s) => process.stderr.write(s);
log(`nanonext bench: ${RUNS} run(s) × ${MS} ms (+${WARMUP} ms warm-up) per cell; ${os.cpus().length} CPUs, load ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}\n`);
log(`peers: ${active.map(([, p]) => p.label).join(", ")}\n`);
if (!zmqVersion) log("zeromq.js: skipped (npm install --no-save zeromq to compare)\n");
if (nng.skip) log(`libnng: skipped — ${nng.skip}\n`);

const results = { meta: {}, throughput: [], latency: [], soak: [] };

for (const transport of TRANSPORTS) {
  for (const size of SIZES) {
    if (LATENCY_ONLY || !selected(transport, size)) continue;
    const peers = active.filter(([, p]) => p.transports.includes(transport) && (!p.sizes || p.sizes.includes(size)));
    const withNet = (transport === "tcp" || transport === "ipc") && size === 1 << 20;
    const withFloor = transport === "inproc" && size === 64;
    const runs = Object.fromEntries(peers.map(([name]) => [name, []]));
    if (withNet) {
      runs.net = [];
      runs.netFramed = [];
    }
    if (withFloor) runs.floor = [];
    log(`${transport} ${sizeName(size)}:`);
    // Interleaved, so a noisy moment hits every peer alike.
    for (let i = 0; i < RUNS; i++) {
      for (const [name, peer] of peers) {
        const r = await throughputRun(peer, transport, size);
        runs[name].push(r);
        log(r.error ? ` ${name}=ERR` : ` ${name}=${si(rate(r).msgs_s)}`);
      }
      if (withNet) {
        for (const [name, framed] of [["net", false], ["netFramed", true]]) {
          const r = await netRun(transport, size, framed);
          runs[name].push(r);
          log(r.error ? ` ${name}=ERR` : ` ${name}=${si(rate(r).mb_s)}MB/s`);
        }
      }
      if (withFloor) {
        const r = await floorRun(size);
        runs.floor.push(r);
        log(r.error ? " floor=ERR" : ` floor=${si(rate(r).msgs_s)}`);
      }
    }
    log("\n");
    for (const [name, rs] of Object.entries(runs)) {
      results.throughput.push({ transport, size, peer: name, ...summarize(rs), runs: rs });
      for (const r of rs) if (r.error) log(`  ${name}: ${r.error}\n`);
    }
  }
}

if (selected("tcp", 64)) {
  log("req/rep latency tcp 64 B:");
  const latencyPeers = active.filter(([name]) => name !== "batched" && name !== "released");
  const runs = Object.fromEntries(latencyPeers.map(([name]) => [name, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const [name, peer] of latencyPeers) {
      const r = await latencyRun(peer, "tcp", 64);
      runs[name].push(r);
      log(r.error ? ` ${name}=ERR` : ` ${name}=${r.median_us}µs`);
    }
  }
  log("\n");
  for (const [name, rs] of Object.entries(runs)) {
    const ok = rs.filter((r) => !r.error);
    results.latency.push({
      transport: "tcp",
      size: 64,
      peer: name,
      ...(ok.length ? { median_us: median(ok.map((r) => r.median_us)), p99_us: median(ok.map((r) => r.p99_us)), round_trips_s: median(ok.map((r) => r.samples / (MS / 1000))) } : { error: rs[0]?.error }),
      runs: rs,
    });
  }
}

if (SOAK) {
  for (const where of ["inproc", "tcp"]) {
    log(`soak ${where}: ${SOAK_COUNT} × 64 B …`);
    const url = where === "inproc" ? `inproc://soak-${process.pid}` : "tcp://127.0.0.1:0";
    const p = start(node("nanonext.mjs")(["soak", url, "64", String(SOAK_COUNT)]));
    let r;
    try {
      r = JSON.parse(await p.line(isJson, 30 * 60_000));
    } catch (e) {
      r = { error: e.message };
    } finally {
      await p.stop();
    }
    results.soak.push({ transport: where, size: 64, ...r });
    log(r.error ? ` ERR ${r.error}\n` : ` ${si(r.msgs / r.seconds)} msg/s, RSS ${Math.min(...r.rssSamples) >> 10}–${Math.max(...r.rssSamples) >> 10} MiB (end ${r.rss >> 10} MiB)\n`);
  }
}

// ---- report --------------------------------------------------------------------------

const get = (transport, size, peer) => results.throughput.find((r) => r.transport === transport && r.size === size && r.peer === peer);
const rows = [];
for (const transport of TRANSPORTS) {
  for (const size of SIZES) {
    for (const [who, suffix] of [["nanonext", ""], ["batched", " (sendMany/recvMany)"], ["released", " (release())"]]) {
      const ours = get(transport, size, who);
      if (!ours) continue;
      const z = get(transport, size, "zeromq");
      const c = get(transport, size, "libnng");
      const n = get(transport, size, "net");
      const nf = get(transport, size, "netFramed");
      const f = get(transport, size, "floor");
      const ofNet = (r, what) => (r && !r.error ? `${ratio(ours.mb_s, r.mb_s)} of ${r.mb_s.toFixed(0)} MB/s (${what})` : undefined);
      const plain = n
        ? [ofNet(n, "net"), ofNet(nf, "net, a fresh buffer per message")].filter(Boolean).join("; ")
        : f
          ? `${ratio(ours.msgs_s, f.msgs_s)} of ${si(f.msgs_s)} msg/s (bare queue)`
          : "";
      rows.push([
        `${transport} ${sizeName(size)}${suffix}`,
        ours.error ? "ERR" : si(ours.msgs_s),
        ours.error ? "—" : ours.mb_s.toFixed(ours.mb_s < 10 ? 1 : 0),
        z ? (z.error ? "ERR" : si(z.msgs_s)) : "—",
        z ? ratio(ours.msgs_s, z.msgs_s) : "—",
        c ? (c.error ? "ERR" : si(c.msgs_s)) : "—",
        c ? ratio(ours.msgs_s, c.msgs_s) : "—",
        ours.error ? "" : plain,
      ]);
    }
  }
}
const table = markdownTable(["push/pull", "nanonext msg/s", "MB/s", "zeromq.js msg/s", "vs zmq", "libnng msg/s", "vs nng", "vs plain Node"], rows);
if (rows.length) {
  console.log(`\nThroughput (median of ${RUNS}; sender and receiver in two processes, inproc in one)\n`);
  console.log(table);
}

let latTable = "";
if (results.latency.length) {
  const ours = results.latency.find((r) => r.peer === "nanonext");
  latTable = markdownTable(
    ["req/rep tcp 64 B", "median µs", "p99 µs", "round trips/s", "their median ÷ ours"],
    results.latency.map((r) => [
      r.peer === "nanonext" ? "nanonext" : PEERS[r.peer].label,
      r.error ? "ERR" : r.median_us.toFixed(1),
      r.error ? "—" : r.p99_us.toFixed(1),
      r.error ? "—" : si(r.round_trips_s),
      r.peer === "nanonext" || r.error || ours?.error ? "" : `${(r.median_us / ours.median_us).toFixed(2)}×`,
    ]),
  );
  console.log(`\nLatency (median of ${RUNS})\n`);
  console.log(latTable);
}

results.meta = {
  date: new Date().toISOString(),
  node: process.version,
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  cpus: os.cpus().length,
  cpu: os.cpus()[0]?.model,
  loadavg: os.loadavg(),
  runs: RUNS,
  ms: MS,
  warmupMs: WARMUP,
  peers: Object.fromEntries(active.map(([name, p]) => [name, p.label])),
  skipped: { ...(zmqVersion ? {} : { zeromq: "not installed" }), ...(nng.skip ? { libnng: nng.skip } : {}) },
  seconds: (Date.now() - t0) / 1000,
};
results.table = table;
if (latTable) results.latencyTable = latTable;
fs.writeFileSync(OUT, JSON.stringify(results, null, 2) + "\n");
if (nng.dir) fs.rmSync(nng.dir, { recursive: true, force: true });
log(`\nresults: ${path.relative(process.cwd(), OUT)} (${results.meta.seconds.toFixed(0)} s)\n`);
