import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ipcUrl } from "../helpers/addr.js";
import { peerAvailable, spawnPeer, type Peer } from "../helpers/peers.js";
import { chatLine, freePort, MessengerChild, tcpReady } from "./messenger-child.js";

const KEY_A = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const KEY_B = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
const REFUSED = "authentication failed: peer does not hold the key";

describe("nanonext messenger (two processes)", function () {
  this.timeout(60_000);
  const children: Array<MessengerChild | Peer> = [];
  let dir: string;
  const start = (args: string[], env?: Record<string, string | undefined>) => {
    const c = new MessengerChild(args, { NANONEXT_KEY: undefined, ...env });
    children.push(c);
    return c;
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "nn-messenger-"));
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map((c) => c.kill()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("keygen writes a key file (0600) and never overwrites one", async () => {
    const file = path.join(dir, "chat.key");
    const toStdout = start(["keygen"]);
    const gen = start(["keygen", file]);
    expect(await gen.exited).to.equal(0);
    expect(readFileSync(file, "utf8")).to.match(/^[0-9a-f]{64}\n$/);
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    const again = start(["keygen", file]);
    expect(await again.exited).to.equal(1);
    expect(again.stderr).to.contain("already exists");
    expect(await toStdout.exited).to.equal(0);
    expect(toStdout.stdout).to.match(/^[0-9a-f]{64}\n$/);
  });

  it("refuses to start without a key, or with a bad one (usage exit 2, error exit 1)", async () => {
    const none = start(["tcp://127.0.0.1:1"]);
    const badHex = start(["--key-hex", "xyz", "tcp://127.0.0.1:1"]);
    const missing = start(["--key", path.join(dir, "nope.key"), "tcp://127.0.0.1:1"]);
    expect(await Promise.all([none.exited, badHex.exited, missing.exited])).to.deep.equal([2, 1, 1]);
    expect(none.stderr).to.contain("a key is required");
    expect(badHex.stderr).to.contain("--key-hex takes");
    expect(missing.stderr).to.contain("cannot read key file");
  });

  it("chats both ways over tcp: listen-else-dial, authenticated, :q shows the other side leave", async () => {
    const file = path.join(dir, "chat.key");
    expect(await start(["keygen", file]).exited).to.equal(0);
    const url = `tcp://127.0.0.1:${await freePort()}`;

    const a = start(["--key", file, url]);
    await a.waitFor("stderr", `listening on ${url}`);
    const b = start(["--key", file, url]);
    await b.waitFor("stderr", `dialing ${url}`);
    await Promise.all([a.waitFor("stderr", /peer connected\n[^]*authenticated\n/), b.waitFor("stderr", /peer connected\n[^]*authenticated\n/)]);

    a.type("hello from A");
    await b.waitFor("stdout", chatLine("<", "hello from A"));
    await a.waitFor("stdout", chatLine(">", "hello from A"));
    b.type("");
    b.type("hi from B, ünïcödé ✓");
    await a.waitFor("stdout", chatLine("<", "hi from B, ünïcödé ✓"));
    await b.waitFor("stdout", chatLine(">", "hi from B, ünïcödé ✓"));

    b.type(":q");
    expect(await b.exited).to.equal(0);
    expect(b.stderr).to.contain("session ended");
    await a.waitFor("stderr", "peer disconnected");
    a.type("anyone there?");
    await a.waitFor("stderr", "not sent: peer offline");
    a.proc.stdin.end(); // end of input quits too
    expect(await a.exited).to.equal(0);

    // Exactly the lines typed, nothing else, on stdout; the empty line was skipped.
    expect(a.stdout.trim().split("\n")).to.have.length(2);
    expect(b.stdout.trim().split("\n")).to.have.length(2);
    expect(a.stderr).to.not.contain(REFUSED);
  });

  it("refuses a peer with the wrong key on both sides, shows nothing it sent, and keeps waiting for the right one", async () => {
    const url = ipcUrl("messenger");
    const a = start(["--key-hex", KEY_A, url]);
    await a.waitFor("stderr", "listening on");
    const b = start([url], { NANONEXT_KEY: KEY_B });
    b.type("wrong-key secret line");
    await Promise.all([a.waitFor("stderr", REFUSED), b.waitFor("stderr", REFUSED)]);
    expect(await b.exited).to.equal(1);
    await a.waitFor("stderr", "peer disconnected");
    expect(b.stderr).to.not.contain("authenticated\n");

    // The listener is still there for the holder of the right key (a passphrase-free env key, same bytes).
    const c = start([url], { NANONEXT_KEY: KEY_A });
    await Promise.all([a.waitFor("stderr", "authenticated"), c.waitFor("stderr", "authenticated")]);
    c.type("right key");
    await a.waitFor("stdout", chatLine("<", "right key"));
    expect(a.stdout).to.not.contain("wrong-key secret line");
    expect(a.stderr).to.not.contain("wrong-key secret line");
    c.type(":q");
    expect(await c.exited).to.equal(0);
    a.type(":q");
    expect(await a.exited).to.equal(0);
  });

  it("ends cleanly on SIGINT", async () => {
    const a = start(["--key-hex", KEY_A, ipcUrl("messenger")]);
    await a.waitFor("stderr", "listening on");
    a.proc.kill("SIGINT");
    expect(await a.exited).to.equal(0);
    expect(a.stderr).to.contain("session ended");
  });

  describe("with nngcat, which cannot authenticate", function () {
    before(function () {
      if (!peerAvailable("nngcat")) {
        console.log("    (nngcat not installed: skipping; apt-get install nng-utils)");
        this.skip();
      }
    });

    it("refuses a plain pair0 peer dialing a messenger; its data is never shown", async () => {
      const url = `tcp://127.0.0.1:${await freePort()}`;
      const a = start(["--key-hex", KEY_A, url]);
      await a.waitFor("stderr", "listening on");
      const cat = spawnPeer("nngcat", ["--pair0", "--dial", url, "--data", "plaintext from nngcat", "--interval", "1"]);
      children.push(cat);
      await a.waitFor("stderr", REFUSED);
      await a.waitFor("stderr", "peer disconnected");
      expect(a.stdout).to.equal("");
      a.type(":q");
      expect(await a.exited).to.equal(0);
      expect(a.stdout).to.equal("");
    });

    it("a messenger dialing a plain pair0 listener refuses it and gives up (exit 1)", async () => {
      const port = await freePort();
      const url = `tcp://127.0.0.1:${port}`;
      const cat = spawnPeer("nngcat", ["--pair0", "--listen", url, "--data", "plaintext from nngcat", "--interval", "1", "--ascii"]);
      children.push(cat);
      await tcpReady(port); // nngcat prints no ready line
      const a = start(["--key-hex", KEY_A, url]);
      await a.waitFor("stderr", REFUSED);
      expect(await a.exited).to.equal(1);
      expect(a.stderr).to.contain("dialing");
      expect(a.stdout).to.equal("");
    });
  });
});
