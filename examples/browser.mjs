// nanonext in a web page: Node serves examples/browser/index.html and a rep
// socket on ws://; headless Chromium loads the page, whose req socket (the
// package's browser entry, dist/browser.js, through an import map) makes a
// few round trips. Needs `npm run build`, playwright-core (a devDependency)
// and Chromium at /usr/bin/chromium (or $CHROMIUM); without them it says so
// and exits 0.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { socket } from "../dist/index.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
if (!fs.existsSync(chromiumPath)) {
  console.log(`skipped: no Chromium at ${chromiumPath} (apt-get install chromium, or set CHROMIUM)`);
  process.exit(0);
}
let chromium;
try {
  ({ chromium } = await import("playwright-core"));
} catch {
  console.log("skipped: playwright-core is not installed (npm install --save-dev playwright-core)");
  process.exit(0);
}

// The rep socket the page talks to: answers each request upper-cased.
const rep = await socket("rep", { listen: "ws://127.0.0.1:0/demo" });
const served = (async () => {
  for await (const msg of rep.messages({ mode: "string" })) await rep.send(msg.toUpperCase());
})();

// A static server for the page, the built package and cbor-x; nothing else.
const allowed = ["/examples/browser/", "/dist/", "/node_modules/cbor-x/"];
const types = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript" };
const server = http.createServer((req, res) => {
  const pathname = decodeURIComponent(new URL(req.url, "http://x").pathname);
  const file = path.join(root, pathname.endsWith("/") ? `${pathname}index.html` : pathname);
  if (!allowed.some((p) => pathname.startsWith(p)) || !file.startsWith(root) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "content-type": `${types[path.extname(file)] ?? "application/octet-stream"}; charset=utf-8` });
  fs.createReadStream(file).pipe(res);
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const pageUrl = `http://127.0.0.1:${server.address().port}/examples/browser/?ws=${encodeURIComponent(rep.listeners[0].url)}`;

const browser = await chromium.launch({
  executablePath: chromiumPath,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let result;
try {
  const page = await browser.newPage();
  page.on("pageerror", (err) => console.log(`page error: ${err.message}`));
  await page.goto(pageUrl);
  await page.waitForFunction("window.result !== undefined", undefined, { timeout: 15_000 });
  result = await page.evaluate("window.result");
  process.stdout.write(result.log.trimEnd().replace(/^/gm, "page: ") + "\n");
} finally {
  await browser.close();
  server.close();
  await rep.close();
  await served;
}
process.exit(result?.ok ? 0 : 1);
