import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { firstValueFrom, map, take, toArray } from "rxjs";
import { socket } from "../../src/index.js";
import { recv$ } from "../../src/rx/index.js";
import { ipcUrl } from "../helpers/addr.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

describe("rx pipeline across two processes", () => {
  it("a child pushes 500 serial records with sendAll; this process filters and folds them with recv$", async () => {
    const url = ipcUrl("rxpipe");
    const pull = await socket("pull", { listen: url });
    const child = spawn(process.execPath, ["--import", "tsx", "spec/fixtures/rx-producer.ts", url, "500"], { cwd: root, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    try {
      const records = recv$(pull, { mode: "serial" }).pipe(map((r) => r as { seq: number; value: number }), take(500));
      const all = await firstValueFrom(records.pipe(toArray()));
      expect(all.map((r) => r.seq)).to.deep.equal(Array.from({ length: 500 }, (_, i) => i));
      // Compose further on what arrived: count the even records, sum their values.
      const [count, sum] = all.filter((r) => r.seq % 2 === 0).reduce(([c, s], r) => [c + 1, s + r.value], [0, 0]);
      expect(count).to.equal(250);
      expect(sum).to.equal(Array.from({ length: 250 }, (_, i) => (2 * i) ** 2).reduce((a, b) => a + b, 0));
      child.stdin.end("done\n");
      expect(await exited).to.equal(0);
      expect(out).to.contain("sent 500");
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      await pull.close();
    }
  });
});
