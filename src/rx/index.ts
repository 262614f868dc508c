/**
 * The RxJS layer of nanonext: every receive path as a cold, cancellable
 * Observable. Import from `"nanonext/rx"`; rxjs (7.8+) is a peer dependency.
 *
 * @example
 * ```ts
 * import { recv$, topic$, survey$ } from "nanonext/rx";
 * ```
 * @module
 */
import type { Observable } from "rxjs";
import type { RecvOptions, RecvResult } from "../core/socket.js";
import { Socket } from "../core/socket.js";
import { Nano } from "../nano.js";
import type { RecvMode } from "../serial/modes.js";
import { recv$ } from "./recv.js";

export { recv$ } from "./recv.js";
export { topic$ } from "./topic.js";
export { survey$, request$, type Survey$Options, type Request$Options } from "./survey.js";
export { pipes$, cv$, aio$, type PipeEvent } from "./events.js";
export { sendAll, sendTo } from "./send.js";
export type { RxSource } from "./common.js";

declare module "../nano.js" {
  interface Nano {
    /** Messages as an Observable; see {@link recv$}. Available once `nanonext/rx` is imported. */
    recv$<M extends RecvMode = "raw">(opts?: RecvOptions<M>): Observable<RecvResult<M>>;
  }
}

declare module "../core/socket.js" {
  interface Socket {
    /** Messages as an Observable; see {@link recv$}. Available once `nanonext/rx` is imported. */
    recv$<M extends RecvMode = "raw">(opts?: RecvOptions<M>): Observable<RecvResult<M>>;
  }
}

// Importing this entry adds the methods (the package lists it under sideEffects).
Nano.prototype.recv$ = function <M extends RecvMode = "raw">(this: Nano, opts?: RecvOptions<M>) {
  return recv$<M>(this, opts);
};
Socket.prototype.recv$ = function <M extends RecvMode = "raw">(this: Socket, opts?: RecvOptions<M>) {
  return recv$<M>(this, opts);
};
