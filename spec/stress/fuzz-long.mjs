/**
 * The fuzz folder (spec/fuzz) with 20 times the runs of the test suite
 * (FUZZ_SCALE, default 20): more random handshakes, frames, headers and
 * WebSocket input against the same properties. Run by spec/stress/run.mjs.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const scale = process.env.FUZZ_SCALE ?? "20";
const mocha = path.join(root, "node_modules/mocha/bin/mocha.js");
const child = spawn(process.execPath, [mocha, "spec/fuzz/*.test.ts"], { cwd: root, stdio: "inherit", env: { ...process.env, FUZZ_SCALE: scale } });
child.on("exit", (code, signal) => {
  console.log(`fuzz-long: FUZZ_SCALE=${scale}, mocha exited with ${code ?? signal}`);
  process.exitCode = code ?? 1;
});
