// Fails when a public export has no doc comment or no @example (typedoc's JSON model is the source of truth).
import { readFileSync } from "node:fs";

const file = process.argv[2] ?? "docs/api.json";
const project = JSON.parse(readFileSync(file, "utf8"));
const missing = [];

function hasExample(refl) {
  const tags = [refl.comment, ...(refl.signatures ?? []).map((s) => s.comment)].flatMap((c) => c?.blockTags ?? []);
  return tags.some((t) => t.tag === "@example");
}
function hasSummary(refl) {
  return [refl.comment, ...(refl.signatures ?? []).map((s) => s.comment)].some((c) => c?.summary?.length);
}

for (const mod of project.children ?? []) {
  for (const refl of mod.children ?? []) {
    const name = `${mod.name}.${refl.name}`;
    if (!hasSummary(refl)) missing.push(`${name}: no documentation`);
    else if (!hasExample(refl)) missing.push(`${name}: no @example`);
  }
}
if (missing.length) {
  console.error(`${missing.length} export(s) need docs:\n  ${missing.join("\n  ")}`);
  process.exit(1);
}
console.log(`docs: every export of ${project.children?.length ?? 0} entry points has a summary and an @example`);
