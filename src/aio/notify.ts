import type { PipeInfo } from "../core/pipe.js";
import type { Socket } from "../core/socket.js";
import type { ConditionVariable } from "./cv.js";

/**
 * Options of {@link pipeNotify}.
 * @example
 * ```ts
 * const c = cv();
 * pipeNotify(s, c, { add: true, remove: true });
 * await c.wait();
 * ```
 */
export interface PipeNotifyOptions {
  /** Signal when a pipe is added (fully usable). */
  add?: boolean;
  /** Signal when a pipe is removed. */
  remove?: boolean;
  /** Also set the cv's flag, so a following `wait()` returns false. */
  flag?: boolean;
}

const registrations = new WeakMap<Socket, { add?: (p: PipeInfo) => void; remove?: (p: PipeInfo) => void }>();

/**
 * Signals `cv` when a pipe of `socket` is added and/or removed (nanonext's
 * `pipe_notify`). Pass `cv = null` to cancel. A new call replaces the events
 * it names.
 *
 * @example
 * ```ts
 * const c = cv();
 * pipeNotify(sock, c, { add: true, remove: true });
 * await c.wait(); // a peer came or went
 * ```
 */
export function pipeNotify(socket: Socket, cv: ConditionVariable | null, opts: PipeNotifyOptions = {}): void {
  const reg = registrations.get(socket) ?? {};
  registrations.set(socket, reg);
  const make = () => (cv ? () => (opts.flag ? cv.raiseFlag() : cv.signal()) : undefined);
  if (opts.add || cv === null) {
    if (reg.add) socket.off("pipe:add", reg.add);
    reg.add = opts.add ? make() : undefined;
    if (reg.add) socket.on("pipe:add", reg.add);
  }
  if (opts.remove || cv === null) {
    if (reg.remove) socket.off("pipe:remove", reg.remove);
    reg.remove = opts.remove ? make() : undefined;
    if (reg.remove) socket.on("pipe:remove", reg.remove);
  }
}
