#!/usr/bin/env node
/**
 * Runs every stress script in spec/stress (*.ts, *.mjs; not this file), one
 * at a time, each as a child process (`node --import tsx --expose-gc`) with a
 * time bound, and prints their output and a summary. Exit code 1 if any
 * script fails, times out or does not exit by itself.
 *
 *   node spec/stress/run.mjs             # all
 *   node spec/stress/run.mjs soak        # scripts whose name contains "soak"
 *   STRESS_TIMEOUT_MS=60000 node spec/stress/run.mjs
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
/** Per-script bounds (ms); the soak moves 12 million messages on a 2-core machine. */
const BOUNDS = { "soak.ts": 20 * 60_000 };
const DEFAULT_BOUND = 5 * 60_000;

const filter = process.argv[2];
const scripts = fs
  .readdirSync(here)
  .filter((f) => /\.(ts|mjs)$/.test(f) && f !== "run.mjs" && !f.endsWith(".d.ts"))
  .filter((f) => !filter || f.includes(filter))
  .sort();

function run(file) {
  const bound = Number(process.env.STRESS_TIMEOUT_MS ?? BOUNDS[file] ?? DEFAULT_BOUND);
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ["--import", "tsx", "--expose-gc", path.join(here, file)], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    const prefix = (stream, out) => {
      let rest = "";
      stream.on("data", (d) => {
        const lines = (rest + d.toString()).split("\n");
        rest = lines.pop() ?? "";
        for (const l of lines) out.write(`[${file}] ${l}\n`);
      });
      stream.on("end", () => rest && out.write(`[${file}] ${rest}\n`));
    };
    prefix(child.stdout, process.stdout);
    prefix(child.stderr, process.stderr);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, bound);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      const secs = ((Date.now() - t0) / 1000).toFixed(1);
      if (timedOut) resolve({ file, ok: false, why: `did not finish within ${bound / 1000} s` });
      else if (code !== 0) resolve({ file, ok: false, why: `exit ${code ?? signal} after ${secs} s` });
      else resolve({ file, ok: true, why: `${secs} s` });
    });
  });
}

if (scripts.length === 0) {
  console.log(`stress: no scripts${filter ? ` matching ${filter}` : ""}`);
  process.exit(filter ? 1 : 0);
}
const results = [];
for (const f of scripts) {
  console.log(`stress: ${f}`);
  results.push(await run(f));
}
for (const r of results) console.log(`stress: ${r.ok ? "pass" : "FAIL"} ${r.file} (${r.why})`);
const failed = results.filter((r) => !r.ok).length;
console.log(`stress: ${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
