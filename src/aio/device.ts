import { isNngError, nngError } from "../core/errors.js";
import type { Message } from "../core/message.js";
import type { Socket } from "../core/socket.js";
import { Aio } from "./aio.js";

async function forward(from: Socket, to: Socket, signal: AbortSignal): Promise<void> {
  for (;;) {
    const m = (await from.recv({ mode: "message", signal })) as Message;
    m.pipe = 0;
    await to.send(m, { signal });
  }
}

function check(s1: Socket, s2: Socket): void {
  if (!s1.raw || !s2.raw) throw nngError("EINVAL", "device sockets must be raw");
  if (s1.info.peer !== s2.info.self || s2.info.peer !== s1.info.self) {
    throw nngError("EINVAL", `${s1.info.selfName} and ${s2.info.selfName} are not peers`);
  }
}

/**
 * Runs a device (nng_device): forwards messages both ways between two raw
 * sockets whose protocols are peers (req↔rep, pub↔sub, surveyor↔respondent,
 * push↔pull, or one bus/pair socket reflecting to itself). Headers pass
 * through, so request/reply routing survives the hop. Returns an
 * {@link Aio} that stays unresolved while the device runs and completes with
 * the error that stopped it (ECLOSED when a socket closes, ECANCELED on `stop()`).
 *
 * @throws {@link NngError} EINVAL for cooked sockets or non-peer protocols (thrown at once)
 * @example
 * ```ts
 * const front = await socket("rep", { raw: true, listen: "tcp://127.0.0.1:5555" });
 * const back = await socket("req", { raw: true, listen: "ipc:///tmp/workers" });
 * const dev = deviceAio(front, back);   // until front or back closes, or dev.stop()
 * ```
 */
export function deviceAio(s1: Socket, s2: Socket = s1): Aio<never> {
  check(s1, s2);
  return new Aio<never>("send", async (signal) => {
    const inner = new AbortController();
    const sig = AbortSignal.any([signal, inner.signal]);
    const loops = s1 === s2 ? [forward(s1, s1, sig)] : [forward(s1, s2, sig), forward(s2, s1, sig)];
    try {
      await Promise.race(loops);
    } finally {
      inner.abort();
      await Promise.allSettled(loops);
    }
    throw nngError("EINTERNAL", "device loop ended");
  });
}

/**
 * {@link deviceAio} as a promise: resolves when the device stops because a
 * socket closed, rejects on any other error.
 * @example
 * ```ts
 * const front = await socket("rep", { listen: "tcp://127.0.0.1:5555", raw: true });
 * const back = await socket("req", { listen: "ipc:///tmp/workers", raw: true });
 * await device(front, back); // resolves when either closes
 * ```
 */
export async function device(s1: Socket, s2: Socket = s1): Promise<void> {
  const aio = deviceAio(s1, s2);
  try {
    await aio;
  } catch (err) {
    if (isNngError(err, "ECLOSED")) return;
    throw err;
  }
}
