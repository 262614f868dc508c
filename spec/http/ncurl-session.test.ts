// ncurlSession(): one kept-alive connection, a fixed request, transact() again
// and again, close() → ECLOSED (nanonext reference §5.3).
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { isNcurlSession, NcurlSession, ncurlSession } from "../../src/http/client.js";
import { rejects } from "../helpers/nng-expect.js";
import { freePort, startServer, type TestServer } from "./ncurl-server.js";

describe("ncurlSession", function () {
  this.timeout(10_000);
  let srv: TestServer;
  const open: NcurlSession[] = [];

  before(async () => {
    srv = await startServer();
  });
  after(() => srv.close());
  beforeEach(() => {
    srv.seen.length = 0;
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });

  async function session(path: string, opts: Parameters<typeof ncurlSession>[1] = {}): Promise<NcurlSession> {
    const s = await ncurlSession(`${srv.base}${path}`, opts);
    open.push(s);
    return s;
  }

  it("repeats the fixed request over one connection (the server sees one remote port)", async () => {
    const s = await session("/echo", { method: "POST", data: "same", headers: { "x-k": "v" }, response: ["content-type"] });
    expect(s.state).to.equal("active");
    expect(isNcurlSession(s)).to.equal(true);
    expect(isNcurlSession({ transact() {} })).to.equal(false);
    for (let i = 0; i < 4; i++) {
      expect(await s.transact()).to.deep.equal({ status: 200, headers: { "content-type": "application/octet-stream" }, data: "same" });
    }
    expect(srv.seen).to.have.length(4);
    expect(new Set(srv.seen.map((x) => x.remotePort)).size).to.equal(1);
    expect(srv.seen.every((x) => x.method === "POST" && x.body.toString() === "same" && x.headers["x-k"] === "v")).to.equal(true);
    expect(String(s)).to.match(/transact/);
  });

  it("connects at creation: the remote port the server reports stays the same", async () => {
    const s = await session("/port");
    const ports = [];
    for (let i = 0; i < 3; i++) ports.push((await s.transact()).data);
    expect(new Set(ports).size).to.equal(1);
  });

  it("concurrent transacts queue on the one connection", async () => {
    const s = await session("/text");
    const all = await Promise.all([s.transact(), s.transact(), s.transact()]);
    expect(all.map((r) => r.data)).to.deep.equal(["héllo wörld", "héllo wörld", "héllo wörld"]);
    expect(new Set(srv.seen.map((x) => x.remotePort)).size).to.equal(1);
  });

  it("transact after close → ECLOSED; close is idempotent", async () => {
    const s = await session("/text");
    await s.transact();
    s.close();
    s.close();
    expect(s.state).to.equal("closed");
    expect(String(s)).to.match(/not active/);
    await rejects(s.transact(), "ECLOSED");
  });

  it("close() during a transact rejects it with ECLOSED", async () => {
    const s = await session("/hang");
    const p = s.transact();
    setTimeout(() => s.close(), 50);
    await rejects(p, "ECLOSED");
  });

  it("a refused connect rejects with ECONNREFUSED; a bad URL with EADDRINVAL", async () => {
    const port = await freePort();
    await rejects(ncurlSession(`http://127.0.0.1:${port}/`), "ECONNREFUSED");
    await rejects(ncurlSession("mailto:me@example.org"), "EADDRINVAL");
    await rejects(ncurlSession(`${srv.base}/`, { method: 7 as never }), "EINVAL");
  });

  it("timeout covers each transact: ETIMEDOUT, then the lost connection is ECONNSHUT", async () => {
    const s = await session("/hang", { timeout: 150 });
    await rejects(s.transact(), "ETIMEDOUT");
    await rejects(s.transact(), "ECONNSHUT");
  });

  it("a transact's own signal cancels it with ECANCELED", async () => {
    const s = await session("/hang");
    await rejects(s.transact({ signal: AbortSignal.timeout(50) }), "ECANCELED");
  });

  it("the server closing the connection → ECONNSHUT on the next transact", async () => {
    const s = await session("/close");
    expect((await s.transact()).data).to.equal("bye");
    await rejects(s.transact(), "ECONNSHUT");
  });

  it("the connect signal: an aborted one → ECANCELED", async () => {
    await rejects(ncurlSession(`${srv.base}/text`, { signal: AbortSignal.abort() }), "ECANCELED");
  });

  it("await using closes it", async () => {
    let kept: NcurlSession | undefined;
    {
      await using s = await ncurlSession(`${srv.base}/text`);
      kept = s;
      await s.transact();
    }
    expect(kept.state).to.equal("closed");
  });

  it("an idle session left open does not keep the process alive", async function () {
    this.timeout(30_000);
    const client = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/http/client.ts");
    const code = [
      `import { ncurlSession } from ${JSON.stringify(client)};`,
      `const s = await ncurlSession(${JSON.stringify(`${srv.base}/text`)});`,
      `console.log((await s.transact()).data);`,
    ].join("\n");
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    let timer: NodeJS.Timeout | undefined;
    const exit = await new Promise<number | null | "hung">((resolve) => {
      child.once("exit", (c) => resolve(c));
      timer = setTimeout(() => resolve("hung"), 25_000);
    });
    clearTimeout(timer);
    if (exit === "hung") {
      child.kill("SIGKILL");
      await new Promise((r) => child.once("close", r));
    }
    expect(exit, out).to.equal(0);
    expect(out).to.include("héllo wörld");
  });
});
