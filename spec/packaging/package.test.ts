import { expect } from "chai";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");

// The package as a consumer sees it: through its name, the exports map and dist/ (npm test builds first).
describe("packaging", function () {
  this.timeout(60_000);
  let dir: string;

  before(function () {
    if (!existsSync(path.join(root, "dist/index.js"))) throw new Error("dist/ is missing: run `npm run build` first");
    dir = mkdtempSync(path.join(os.tmpdir(), "nanonext-consumer-"));
    mkdirSync(path.join(dir, "node_modules"));
    symlinkSync(root, path.join(dir, "node_modules/nanonext"), "dir");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const roundTrip = (name: string) => `
    const s = await nanonext.socket("rep", { listen: "inproc://${name}" });
    const c = await nanonext.socket("req", { dial: "inproc://${name}" });
    const answer = nanonext.recv(s, { mode: "string" }).then((q) => nanonext.send(s, q + "!"));
    await nanonext.send(c, "ping");
    const got = await nanonext.recv(c, { mode: "string" });
    await answer; await c.close(); await s.close();
    if (got !== "ping!") throw new Error("bad reply " + got);
    if (typeof rx.recv$ !== "function") throw new Error("rx entry incomplete");
    console.log("ok");`;

  it('require("nanonext") and require("nanonext/rx") work from CommonJS', async () => {
    const file = path.join(dir, "consumer.cjs");
    writeFileSync(file, `const nanonext = require("nanonext"); const rx = require("nanonext/rx");\n(async () => {${roundTrip("pkg-cjs")}})().catch((e) => { console.error(e); process.exit(1); });\n`);
    const { stdout } = await run(process.execPath, [file], { cwd: dir });
    expect(stdout.trim()).to.equal("ok");
  });

  it("import works from ESM, with the same exports", async () => {
    const file = path.join(dir, "consumer.mjs");
    writeFileSync(file, `import * as nanonext from "nanonext"; import * as rx from "nanonext/rx";\n${roundTrip("pkg-esm")}\n`);
    const { stdout } = await run(process.execPath, [file], { cwd: dir });
    expect(stdout.trim()).to.equal("ok");
  });

  it("npm pack ships dist, docs and license only", async () => {
    const { stdout } = await run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root });
    const files = (JSON.parse(stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    for (const f of ["package.json", "README.md", "CHANGELOG.md", "LICENSE", "dist/index.js", "dist/index.d.ts", "dist/rx/index.js", "dist/rx/index.d.ts"]) {
      expect(files, f).to.include(f);
    }
    const stray = files.filter((f) => !/^(dist\/|package\.json$|README\.md$|CHANGELOG\.md$|LICENSE$)/.test(f));
    expect(stray, "files outside dist/").to.deep.equal([]);
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")), "TypeScript sources").to.deep.equal([]);
  });
});
