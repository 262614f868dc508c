/** Seconds on a monotonic clock. */
export function monotonicNow() {
  return performance.now() / 1000;
}
