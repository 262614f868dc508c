// Tallies equal values: ["a", "b", "a"] → { a: 2, b: 1 }.
export function countBy(values) {
  const out = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
