// The browser entry's module graph must run in a page: no Node built-ins, no
// Node-only packages (ws, node-forge), no Node globals in our own sources.
// esbuild bundles it as a bundler honouring the `browser` condition would.
import { expect } from "chai";
import { build } from "esbuild";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bundleBrowser, NODE_ONLY } from "./bundle.js";

/** Node entry exports the browser entry leaves out on purpose (they need node:fs/tls/http). */
const NODE_ONLY_EXPORTS = ["tlsConfig", "TlsConfig", "writeCert", "ncurl", "ncurlAio", "ncurlSession", "isNcurlSession", "NcurlAio", "NcurlSession",
  "httpServer", "HttpServer", "handler", "handlerWs", "handlerStream", "handlerFile", "handlerDirectory", "handlerInline", "handlerRedirect",
  "WsConnection", "StreamConnection", "formatSse",
  "stream", "Stream", "STREAM_BUFFER_DEFAULT", "STREAM_DIAL_TIMEOUT_DEFAULT"];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

describe("browser bundle", function () {
  this.timeout(60_000);

  it("src/browser.ts and src/rx/index.ts reach no Node built-in, ws or node-forge", async () => {
    const b = await bundleBrowser();
    expect(b.nodeImports, "Node-only imports in the browser graph").to.deep.equal([]);
    expect(b.nodeGlobals, "Node globals used by sources in the browser graph").to.deep.equal([]);
    expect(b.inputs).to.include("src/transport/ws-browser.ts");
    expect(b.inputs.filter((f) => /src\/(tls\/(config|cert)|transport\/(tcp|ipc|tls|ws|ws-pipe|ws-server|stream-pipe))\.ts$/.test(f))).to.deep.equal([]);
  });

  it("exports what the Node entry does, minus the Node-only names", async () => {
    const node = Object.keys(await import("../../src/index.js"));
    const browser = Object.keys(await import("../../src/browser.js"));
    expect(browser.filter((k) => !node.includes(k)), "browser-only exports").to.deep.equal([]);
    const missing = node.filter((k) => !browser.includes(k) && !NODE_ONLY_EXPORTS.includes(k));
    expect(missing, "exported by src/index.ts but not src/browser.ts: add them there, or to NODE_ONLY_EXPORTS if they need Node").to.deep.equal([]);
  });

  it("the check catches a Node-only module's imports (it is not vacuous)", async () => {
    const r = await build({
      entryPoints: [path.join(root, "src/stream/ws-stream.ts")],
      bundle: true,
      write: false,
      format: "esm",
      platform: "browser",
      external: NODE_ONLY,
      metafile: true,
      logLevel: "silent",
    });
    const externals = Object.values(r.metafile.inputs).flatMap((i) => i.imports.filter((x) => x.external).map((x) => x.path));
    expect(externals).to.include.members(["node:net", "ws"]);
  });
});
