import type { PipeInfo, Socket } from "../../src/index.js";

/** Resolves on the socket's next `pipe:add` event (rejects after `ms`, as a guard against hangs). */
export function nextPipe(s: Socket, ms = 10_000): Promise<PipeInfo> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      s.off("pipe:add", on);
      reject(new Error("no pipe was added in time"));
    }, ms);
    const on = (p: PipeInfo) => {
      clearTimeout(t);
      resolve(p);
    };
    s.once("pipe:add", on);
  });
}

/** Resolves when the socket has at least `count` pipes. */
export async function pipes(s: Socket, count = 1, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (s.pipeIds.length < count) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`socket has ${s.pipeIds.length} pipes, wanted ${count}`);
    await Promise.race([nextPipe(s, left), new Promise((r) => setTimeout(r, Math.min(left, 50)))]);
  }
}

/** Resolves on the next `pipe:remove` event. */
export function pipeRemoved(s: Socket, ms = 10_000): Promise<PipeInfo> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      s.off("pipe:remove", on);
      reject(new Error("no pipe was removed in time"));
    }, ms);
    const on = (p: PipeInfo) => {
      clearTimeout(t);
      resolve(p);
    };
    s.once("pipe:remove", on);
  });
}
