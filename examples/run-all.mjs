// Runs every example in this folder as its own process; each must exit 0 by itself within 30 s.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const dir = path.dirname(fileURLToPath(import.meta.url));
let failed = 0;
for (const f of readdirSync(dir).filter((f) => f.endsWith(".mjs") && f !== "run-all.mjs").sort()) {
  const r = spawnSync(process.execPath, [path.join(dir, f)], { encoding: "utf8", timeout: 30_000 });
  const ok = r.status === 0;
  if (!ok) failed++;
  console.log(`${ok ? "ok  " : "FAIL"} examples/${f}${ok ? "" : ` (status ${r.status}, signal ${r.signal})\n${r.stdout}${r.stderr}`}`);
}
if (failed) {
  console.log(`${failed} example(s) failed`);
  process.exit(1);
}
