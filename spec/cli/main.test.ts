// The `nanonext` command itself: dispatch, --help, --version, bench.
import { expect } from "chai";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { formatBenchRow, parseBenchArgs, runBench } from "../../src/cli/bench.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const children = new Set<ChildProcessWithoutNullStreams>();

function nanonext(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
  children.add(proc);
  proc.stdin.end();
  let stdout = "";
  let stderr = "";
  proc.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    proc.on("error", reject);
    proc.on("close", (code) => {
      children.delete(proc);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("cli/main: the nanonext command", function () {
  this.timeout(30_000);

  afterEach(async () => {
    const waits = [...children].map((c) => new Promise((r) => c.once("close", r)));
    for (const c of children) c.kill("SIGKILL");
    await Promise.all(waits);
  });

  it("starts with a node shebang (the package bin)", () => {
    expect(fs.readFileSync(new URL("../../src/cli/main.ts", import.meta.url), "utf8").split("\n")[0]).to.equal("#!/usr/bin/env node");
  });

  it("--help: usage on stdout, exit 0", async () => {
    const r = await nanonext("--help");
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/^Usage: nanonext <command>/);
    for (const c of ["cat", "messenger", "bench"]) expect(r.stdout).to.include(`  ${c} `);
  });

  it("--version: package.json's version", async () => {
    const { version } = JSON.parse(fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    const r = await nanonext("--version");
    expect(r).to.deep.equal({ code: 0, stdout: `${version}\n`, stderr: "" });
    expect((await nanonext("cat", "--version")).stdout).to.equal(`${version}\n`);
  });

  it("an unknown command: usage on stderr, exit 1", async () => {
    const r = await nanonext("frobnicate");
    expect(r.code).to.equal(1);
    expect(r.stdout).to.equal("");
    expect(r.stderr).to.include('nanonext: unknown command "frobnicate"');
    expect(r.stderr).to.include("Usage: nanonext <command>");
  });

  it("no command: usage on stderr, exit 1", async () => {
    const r = await nanonext();
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/^Usage: nanonext <command>/);
  });

  it("dispatches to messenger", async () => {
    const r = await nanonext("messenger", "--help");
    expect(r.stdout + r.stderr).to.include("nanonext messenger");
  });

  it("cat: nngcat's errors, exit 1", async () => {
    expect(await nanonext("cat", "--re")).to.deep.equal({ code: 1, stdout: "", stderr: "Option --re is ambiguous (specify in full).\n" });
  });

  it("cat --pair means pair1 (nngcat 1.5.2 ignores --pair: a documented difference)", async () => {
    const r = await nanonext("cat", "--pair", "--dial", "tcp://127.0.0.1:1", "-D", "x");
    expect(r).to.deep.equal({ code: 1, stdout: "", stderr: "Unable to dial on tcp://127.0.0.1:1: Connection refused\n" });
  });

  it("bench: a small inproc run prints a header and one line per run", async () => {
    const r = await nanonext("bench", "--count", "200", "--transport", "inproc", "--size", "64");
    expect(r.code).to.equal(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).to.match(/^transport\s+pattern\s+size\s+count\s+msgs\/s\s+MB\/s\s+latency$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 4).join(" "))).to.deep.equal(["inproc push/pull 64 200", "inproc req/rep 64 20"]);
  });

  it("bench: a bad option is an error with usage, exit 1", async () => {
    const r = await nanonext("bench", "--count", "zero");
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include("nanonext bench: --count must be a positive integer");
    expect(r.stderr).to.include("Usage: nanonext bench");
  });

  describe("bench internals", () => {
    it("parseBenchArgs: defaults and forms", () => {
      expect(parseBenchArgs([])).to.deep.equal({ count: 20000, sizes: [64, 1024], transports: ["inproc", "ipc", "tcp"] });
      expect(parseBenchArgs(["--count=10", "--size", "1,2", "--transport", "tcp,ipc"])).to.deep.equal({ count: 10, sizes: [1, 2], transports: ["tcp", "ipc"] });
      expect(parseBenchArgs(["--transport", "all"])).to.have.property("transports").that.deep.equals(["inproc", "ipc", "tcp"]);
      expect(parseBenchArgs(["-h"])).to.equal("help");
      expect(() => parseBenchArgs(["--transport", "udp"])).to.throw(/--transport must be/);
      expect(() => parseBenchArgs(["--size"])).to.throw(/--size must be a positive integer/);
      expect(() => parseBenchArgs(["--what"])).to.throw(/unknown option --what/);
    });

    it("runBench over every transport, in process", async () => {
      const rows = await runBench({ count: 50, sizes: [16], transports: ["inproc", "ipc", "tcp"] });
      expect(rows.map((r) => `${r.transport} ${r.pattern} ${r.count}`)).to.deep.equal([
        "inproc push/pull 50", "ipc push/pull 50", "tcp push/pull 50", "inproc req/rep 5", "ipc req/rep 5", "tcp req/rep 5",
      ]);
      for (const r of rows) expect(r.seconds).to.be.greaterThan(0);
      expect(formatBenchRow({ transport: "tcp", pattern: "req/rep", size: 64, count: 1000, seconds: 0.5 })).to.match(/^tcp\s+req\/rep\s+64\s+1000\s+2000\s+0\.3\s+500\.0 us\/rt$/);
    });
  });
});
