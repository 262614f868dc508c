// Builds the libnng peer (bench/c/nngbench.c) into a temp dir when libnng-dev and a C compiler are present.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const SOURCE = new URL("../c/nngbench.c", import.meta.url);

/** Path of the built peer, or `{ skip: reason }`. */
export function buildNngPeer() {
  const header = "/usr/include/nng/nng.h";
  if (!fs.existsSync(header)) return { skip: "libnng-dev is not installed (apt-get install libnng-dev)" };
  const cc = ["cc", "gcc", "clang"].find((c) => {
    try {
      execFileSync(c, ["--version"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  });
  if (!cc) return { skip: "no C compiler (cc, gcc or clang) found" };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nanonext-bench-"));
  const bin = path.join(dir, "nngbench");
  try {
    execFileSync(cc, ["-O2", "-o", bin, new URL(SOURCE).pathname, "-lnng", "-lpthread"], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    return { skip: `building bench/c/nngbench.c failed: ${String(err.stderr ?? err.message).trim().split("\n")[0]}` };
  }
  const version = execFileSync(bin, ["version"], { encoding: "utf8" }).trim();
  return { bin, dir, version };
}
