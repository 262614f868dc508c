// End to end in headless Chromium: the esbuild bundle of the browser entry
// runs in a page; its req socket talks over ws:// (and wss://) to a Node rep
// and to nngcat, and its sub receives a Node pub's stream through topic$.
// Needs Debian's `chromium` (/usr/bin/chromium); skips without it unless CI=true.
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import type { Browser, Page } from "playwright-core";
import { type CertPair, type ProtocolName, type Socket, socket, tlsConfig, writeCert } from "../../src/index.js";
import { freePort } from "../helpers/addr.js";
import { writeCertFiles } from "../helpers/cert-files.js";
import { type Peer, peerAvailable, spawnPeer } from "../helpers/peers.js";
import { nextPipe } from "../helpers/wait.js";
import { bundleBrowser } from "./bundle.js";

const CHROMIUM = "/usr/bin/chromium";
const here = path.dirname(fileURLToPath(import.meta.url));

/** Launch options for this machine: headless, no sandbox (root in a container), nothing phoning home. */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // Only for the wss cases: the page must accept writeCert()'s self-signed certificate.
  "--ignore-certificate-errors",
];

/** Serves the test page and the bundle; everything else is 404. */
async function servePage(bundle: string): Promise<{ url: string; close(): Promise<void> }> {
  const page = fs.readFileSync(path.join(here, "page.html"));
  const server = http.createServer((req, res) => {
    if (req.url === "/") res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page);
    else if (req.url === "/nanonext.js") res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" }).end(bundle);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("browser entry in headless Chromium", function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let page: Page;
  let site: { url: string; close(): Promise<void> } | undefined;
  let cert: CertPair;
  let dir: string | undefined;
  const pageErrors: string[] = [];
  const opened: Socket[] = [];
  const peers: Peer[] = [];

  async function open(proto: ProtocolName, opts: Parameters<typeof socket>[1]): Promise<Socket> {
    const s = await socket(proto, opts);
    opened.push(s);
    return s;
  }

  /** Calls `window.t[fn](...args)` in the page (as a string: tsx's helpers must not leak into the page). */
  function call<T>(fn: string, ...args: unknown[]): Promise<T> {
    return page.evaluate(`window.t.${fn}(...${JSON.stringify(args)})`) as Promise<T>;
  }

  /** Answers each request on `rep` with "pong:" + the request (bytes echoed as they came). */
  function serveRep(rep: Socket): void {
    void (async () => {
      for (;;) {
        let m: Uint8Array;
        try {
          m = await rep.recv();
        } catch {
          return; // closed
        }
        await rep.send(m.length > 1000 ? m : `pong:${new TextDecoder().decode(m)}`).catch(() => undefined);
      }
    })();
  }

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      if (process.env.CI === "true") throw new Error(`${CHROMIUM} is required in CI (apt-get install chromium)`);
      console.log(`    (skipping: ${CHROMIUM} is not installed; with CI=true this is a failure)`);
      this.skip();
    }
    const bundled = await bundleBrowser();
    expect(bundled.nodeImports).to.deep.equal([]);
    site = await servePage(bundled.code);
    cert = await writeCert();
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage();
    page.on("pageerror", (err) => pageErrors.push(String(err)));
    await page.goto(site.url);
    await page.waitForFunction("window.ready === true", undefined, { timeout: 20_000 });
  });

  after(async () => {
    await browser?.close();
    await site?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    if (browser) await call("closeAll");
    await Promise.all(peers.splice(0).map((p) => p.kill()));
    await Promise.all(opened.splice(0).map((s) => s.close()));
    expect(pageErrors, "uncaught errors in the page").to.deep.equal([]);
  });

  it("req in the page ↔ Node rep over ws:// (strings, and 200 kB bytes)", async () => {
    const rep = await open("rep", { listen: "ws://127.0.0.1:0/rep" });
    serveRep(rep);
    const r = await call<{ reply: string; uint8: boolean; nodeBuffer: boolean; bigEcho: boolean; pipes: { transport: string; remote: string }[] }>(
      "reqRep",
      rep.listeners[0]!.url,
    );
    expect(r.reply).to.equal("pong:ping from the page");
    expect(r.uint8, "bodies are Uint8Array").to.equal(true);
    expect(r.nodeBuffer, "no Buffer in the browser").to.equal(false);
    expect(r.bigEcho, "200 kB echoed intact").to.equal(true);
    expect(r.pipes).to.deep.equal([{ transport: "ws", remote: `127.0.0.1:${new URL(rep.listeners[0]!.url).port}` }]);
  });

  it("req in the page ↔ nngcat --rep0 over ws://", async function () {
    if (!peerAvailable("nngcat")) {
      console.log("    (skipping: nngcat is not installed; with CI=true this is a failure)");
      this.skip();
    }
    const url = `ws://127.0.0.1:${await freePort()}/x`;
    peers.push(spawnPeer("nngcat", ["--rep0", "--listen", url, "--data", "pong from nng", "--ascii"]));
    // The page's dialer retries (50–200 ms) until nngcat is listening.
    expect(await call<string>("ask", url, "ping from the page")).to.equal("pong from nng");
  });

  it("sub in the page gets a Node pub's stream, filtered by topic (topic$)", async () => {
    const pub = await open("pub", { listen: "ws://127.0.0.1:0/feed" });
    const connected = nextPipe(pub);
    await call("startSub", pub.listeners[0]!.url, "news", 3);
    await connected;
    for (const m of ["sports:0", "news:1", "weather:x", "news:2", "new:no", "news:3", "news:4"]) await pub.send(m);
    const r = await page.evaluate("window.subResult") as { msgs?: string[]; transports?: string[]; error?: string };
    expect(r.error).to.equal(undefined);
    expect(r.msgs).to.deep.equal(["news:1", "news:2", "news:3"]);
    expect(r.transports).to.deep.equal(["ws"]);
  });

  it("req in the page ↔ Node rep and nngcat over wss://", async () => {
    const rep = await open("rep", { listen: "wss://127.0.0.1:0/secure", tls: tlsConfig({ server: cert.server }) });
    serveRep(rep);
    const r = await call<{ reply: string; bigEcho: boolean; pipes: { transport: string }[] }>("reqRep", rep.listeners[0]!.url);
    expect(r.reply).to.equal("pong:ping from the page");
    expect(r.bigEcho).to.equal(true);
    expect(r.pipes.map((p) => p.transport)).to.deep.equal(["wss"]);

    if (!peerAvailable("nngcat")) return;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "nn-browser-"));
    const { cert: certFile, key: keyFile } = writeCertFiles(dir, "cert", cert);
    const url = `wss://127.0.0.1:${await freePort()}/x`;
    peers.push(spawnPeer("nngcat", ["--rep0", "--listen", url, "--data", "secure pong", "--ascii", "--cert", certFile, "--key", keyFile]));
    expect(await call<string>("ask", url, "secure ping")).to.equal("secure pong");
  });

  it("what a page cannot do fails with nng's codes; inproc works in the page", async () => {
    const r = await call<Record<string, string>>("limits", await freePort());
    expect(r).to.deep.equal({
      listenWs: "ENOTSUP",
      dialTcp: "ENOTSUP",
      dialIpc: "ENOTSUP",
      dialTls: "ENOTSUP",
      refused: "ECONNREFUSED",
      inproc: "in page",
    });
  });
});
