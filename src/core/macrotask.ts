// Looked up by name so the browser entry (which has no such global) needs no polyfill.
const immediate = (globalThis as Record<string, unknown>)["setImmediate"] as ((fn: () => void) => unknown) | undefined;

/**
 * Runs `fn` once pending I/O and timers have had a turn: `setImmediate` in
 * Node, a zero timeout in browsers.
 * @internal
 */
export function macrotask(fn: () => void): void {
  if (immediate) immediate(fn);
  else setTimeout(fn, 0);
}
