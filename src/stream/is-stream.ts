import type { Stream } from "./stream.js";

// aio and rx accept streams but are part of the browser graph, which must not
// import stream.ts (it reaches node:net and `ws`): they recognise a Stream by
// this mark instead of `instanceof`.

/** Set on every {@link Stream}. @internal */
export const STREAM_MARK: unique symbol = Symbol.for("nanonext.stream");

/** True for a {@link Stream}, without importing the class. @internal */
export function isStream(x: unknown): x is Stream {
  return typeof x === "object" && x !== null && STREAM_MARK in x;
}
