import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Imports the browser graph must never reach: Node built-ins and Node-only packages. */
export const NODE_ONLY = ["node:*", "ws", "node-forge"];

/** Identifiers of Node's global API that a browser does not have. */
const NODE_GLOBALS = /\b(Buffer|process|require|__dirname|__filename|setImmediate|global)\b/;

/** A bundle of the browser entry (plus the rx entry and the rxjs helpers the page uses). */
export interface BrowserBundle {
  /** ES module text, loadable as `<script type="module">`. */
  code: string;
  /** Node-only imports the graph reached (kept external), with the file importing them. */
  nodeImports: string[];
  /** Our own source files in the bundle that use Node's globals, with the offending name. */
  nodeGlobals: string[];
  /** Every input file of the bundle, relative to the project root. */
  inputs: string[];
}

/**
 * Bundles `src/browser.ts` and `src/rx/index.ts` for the browser with esbuild
 * (in memory), as a bundler serving the package's `browser` condition would.
 */
export async function bundleBrowser(): Promise<BrowserBundle> {
  const entry = [
    `export * from ${JSON.stringify(path.join(root, "src/browser.ts"))};`,
    `export * from ${JSON.stringify(path.join(root, "src/rx/index.ts"))};`,
    `export { firstValueFrom, take, toArray, filter, map } from "rxjs";`,
  ].join("\n");
  const result = await build({
    stdin: { contents: entry, resolveDir: root, sourcefile: "browser-page-entry.ts", loader: "ts" },
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    external: NODE_ONLY,
    metafile: true,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]!.text;
  return { code, nodeImports: externalImports(result.metafile), nodeGlobals: globalsUsed(result.metafile), inputs: Object.keys(result.metafile.inputs) };
}

function externalImports(meta: Metafile): string[] {
  const found: string[] = [];
  for (const [file, input] of Object.entries(meta.inputs)) {
    for (const imp of input.imports) if (imp.external) found.push(`${file} imports ${imp.path}`);
  }
  return found;
}

function globalsUsed(meta: Metafile): string[] {
  const found: string[] = [];
  for (const file of Object.keys(meta.inputs)) {
    if (!file.startsWith("src/")) continue;
    const code = stripComments(readFileSync(path.join(root, file), "utf8"));
    const m = NODE_GLOBALS.exec(code);
    if (m) found.push(`${file} uses ${m[1]}`);
  }
  return found;
}

function stripComments(ts: string): string {
  return ts.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1").replace(/"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`|'(?:[^'\\\n]|\\.)*'/g, '""');
}
