import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";

function has(bin: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${bin}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** True when the binary is installed. With CI=true a missing peer is an error, not a skip. */
export function peerAvailable(bin: "nngcat" | "nanocat"): boolean {
  const ok = has(bin);
  if (!ok && process.env.CI === "true") throw new Error(`${bin} is required in CI (apt-get install ${bin === "nngcat" ? "nng-utils" : "nanomsg-utils"})`);
  return ok;
}

/** A running peer process with its collected stdout. */
export interface Peer {
  proc: ChildProcessWithoutNullStreams;
  out(): string;
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>;
  kill(): Promise<void>;
}

/** Spawns nngcat/nanocat with the given arguments. Always `kill()` it in cleanup. */
export function spawnPeer(bin: "nngcat" | "nanocat", args: string[]): Peer {
  return spawnPeerCommand(bin, args);
}

/**
 * A peer started through a wrapper command that execs it (`stdbuf`, `ip netns
 * exec`), so the pid, output and exit are the peer's own.
 */
export function spawnPeerCommand(cmd: string, args: string[]): Peer {
  const proc = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  proc.stdout.on("data", (d: Buffer) => (out += d.toString("latin1")));
  proc.stderr.on("data", (d: Buffer) => (out += d.toString("latin1")));
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  return {
    proc,
    out: () => out,
    exited,
    kill: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await exited;
    },
  };
}

/** Waits until `pred()` holds, polling the given output (peer output has no events to wait on). */
export async function until(pred: () => boolean, ms = 10_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
