/**
 * Close and cancel under load. In a child process (spec/fixtures/close-under-load.ts):
 * traffic on every pattern and transport, contexts, aios and cv waits in
 * flight, everything closed mid-flight; the child checks that no rejection
 * went unhandled and no handle (TCP/pipe wraps, servers, timers) is left, and
 * must exit on its own within the bound. In process: receives cancelled at
 * random moments while messages stream in lose none of them.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { isNngError, type Socket, socket } from "../../src/index.js";
import { ipcUrl, TCP_ANY } from "../helpers/addr.js";
import { pipes } from "../helpers/wait.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

describe("reliability: close and cancel under load", function () {
  this.timeout(60_000);

  it("a process that closes everything mid-flight leaks nothing and exits by itself", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "spec/fixtures/close-under-load.ts")], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const bound = 45_000;
    let timer: NodeJS.Timeout | undefined;
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (c) => resolve(c));
      timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`the child did not exit within ${bound} ms; output:\n${out}`));
      }, bound);
    }).finally(() => clearTimeout(timer));
    expect(code, out).to.equal(0);
    expect(out).to.include("clean");
  });

  for (const url of [TCP_ANY, "ipc"]) {
    it(`receives cancelled at random moments lose no message (${url === "ipc" ? "ipc" : "tcp"})`, async () => {
      const opened: Socket[] = [];
      try {
        const pull = await socket("pull", { listen: url === "ipc" ? ipcUrl("cancel") : url });
        opened.push(pull);
        const push = await socket("push", { dial: pull.listeners[0]!.url });
        opened.push(push);
        await pipes(push, 1);
        const N = 3000;
        const sending = (async () => {
          for (let i = 0; i < N; i++) await push.send(String(i));
        })();
        const got: number[] = [];
        let cancelled = 0;
        while (got.length < N) {
          const ac = new AbortController();
          // Abort now, in a microtask, on the next macrotask, or not at all.
          const when = got.length % 4;
          if (when === 0) ac.abort();
          else if (when === 1) queueMicrotask(() => ac.abort());
          else if (when === 2) setImmediate(() => ac.abort());
          try {
            got.push(Number(await pull.recv({ mode: "string", signal: ac.signal, timeout: 10_000 })));
          } catch (err) {
            if (!isNngError(err, "ECANCELED")) throw err;
            cancelled++;
            // Take the next one without cancelling, so the loop always progresses.
            got.push(Number(await pull.recv({ mode: "string", timeout: 10_000 })));
          }
        }
        await sending;
        expect(got).to.deep.equal([...Array(N).keys()]);
        expect(cancelled).to.be.greaterThan(0);
      } finally {
        for (const s of opened) await s.close();
      }
    });
  }
});
