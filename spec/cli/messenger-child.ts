/** Spawned `nanonext messenger` processes for spec/cli/messenger.test.ts: piped stdin, output waited on by event. */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import net from "node:net";
import { fileURLToPath } from "node:url";

const FIXTURE = fileURLToPath(new URL("../fixtures/messenger-cli.ts", import.meta.url));

/** One running messenger. Always `kill()` it in cleanup. */
export class MessengerChild {
  readonly proc: ChildProcessWithoutNullStreams;
  stdout = "";
  stderr = "";
  /** Resolves with the exit code once the process ends. */
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: Record<string, string | undefined> = {}) {
    const e: NodeJS.ProcessEnv = { ...process.env, ...env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete e[k];
    this.proc = spawn(process.execPath, ["--import", "tsx", FIXTURE, ...args], { stdio: ["pipe", "pipe", "pipe"], env: e });
    this.proc.stdout.setEncoding("utf8").on("data", (d: string) => (this.stdout += d));
    this.proc.stderr.setEncoding("utf8").on("data", (d: string) => (this.stderr += d));
    this.proc.stdin.on("error", () => undefined); // writes after exit are the test's concern, not a crash
    this.exited = new Promise((resolve) => this.proc.on("exit", (code) => resolve(code)));
  }

  /** Types one line. */
  type(line: string): void {
    this.proc.stdin.write(line + "\n");
  }

  /** Resolves once `stream`'s output matches `pattern` (checked on every chunk, no polling). */
  waitFor(stream: "stdout" | "stderr", pattern: RegExp | string, ms = 15_000): Promise<void> {
    const test = () => (typeof pattern === "string" ? this[stream].includes(pattern) : pattern.test(this[stream]));
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const src = this.proc[stream];
      const done = (err?: Error) => {
        clearTimeout(timer);
        src.off("data", onData);
        this.proc.off("exit", onExit);
        if (err) reject(err);
        else resolve();
      };
      const onData = () => {
        if (test()) done();
      };
      // Output may still be buffered at exit: look once more after the streams drain.
      const onExit = () => setImmediate(() => done(test() ? undefined : this.fail(stream, pattern, "the process exited")));
      const timer = setTimeout(() => done(this.fail(stream, pattern, "timed out")), ms);
      src.on("data", onData);
      this.proc.on("exit", onExit);
    });
  }

  private fail(stream: string, pattern: RegExp | string, why: string): Error {
    return new Error(`${why} waiting for ${String(pattern)} on ${stream}\n--- stdout ---\n${this.stdout}\n--- stderr ---\n${this.stderr}`);
  }

  async kill(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill("SIGKILL");
    await this.exited;
  }
}

/** A chat line as the messenger prints it: `< HH:MM:SS  text` or `> HH:MM:SS  text`. */
export function chatLine(dir: "<" | ">", text: string): RegExp {
  return new RegExp(`^\\${dir} \\d\\d:\\d\\d:\\d\\d  ${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m");
}

/** Resolves once something accepts TCP connections on the port (for peers that print no ready line). */
export async function tcpReady(port: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect({ host: "127.0.0.1", port }, () => {
        c.destroy();
        resolve(true);
      });
      c.on("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export { freePort } from "../helpers/addr.js";
