import { expect } from "chai";
import { PassThrough } from "node:stream";
import { messenger } from "../../src/cli/messenger.js";
import { socket, type Socket } from "../../src/index.js";
import { inprocUrl } from "../helpers/addr.js";
import { nextPipe, pipeRemoved } from "../helpers/wait.js";

const KEY = "a shared passphrase for the tests";

/** A stream the messenger writes to, with what was written so far. */
class Capture extends PassThrough {
  text = "";
  constructor() {
    super();
    this.setEncoding("utf8");
    this.on("data", (d: string) => (this.text += d));
  }
  /** Resolves once the output contains `s` (checked on every write). */
  waitFor(s: string, ms = 10_000): Promise<void> {
    if (this.text.includes(s)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off("data", on);
        reject(new Error(`timed out waiting for ${JSON.stringify(s)}; got:\n${this.text}`));
      }, ms);
      const on = () => {
        if (!this.text.includes(s)) return;
        clearTimeout(timer);
        this.off("data", on);
        resolve();
      };
      this.on("data", on);
    });
  }
}

function peer(url: string, key = KEY, extra: { handshakeTimeout?: number } = {}) {
  const input = new PassThrough();
  const output = new Capture();
  const errorOutput = new Capture();
  const ac = new AbortController();
  const done = messenger(url, { key, input, output, errorOutput, signal: ac.signal, ...extra });
  return { input, output, errorOutput, done, ac };
}

describe("messenger() in-process (inproc)", () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    await Promise.all(cleanup.splice(0).map((f) => f()));
  });
  const track = <T extends { ac: AbortController; done: Promise<number> }>(p: T): T => {
    cleanup.push(() => (p.ac.abort(), p.done));
    return p;
  };
  const trackSocket = (s: Socket) => (cleanup.push(() => s.close()), s);

  it("authenticates and chats; end of input ends both sessions with 0", async () => {
    const url = inprocUrl("messenger");
    const a = track(peer(url));
    await a.errorOutput.waitFor("listening on");
    const b = track(peer(url));
    await Promise.all([a.errorOutput.waitFor("authenticated"), b.errorOutput.waitFor("authenticated")]);
    a.input.write("from a\n");
    await b.output.waitFor("  from a\n");
    b.input.write("from b\n\n   \n");
    await a.output.waitFor("  from b\n");
    expect(a.output.text).to.match(/^> \d\d:\d\d:\d\d  from a\n< \d\d:\d\d:\d\d  from b\n$/);
    a.input.end();
    expect(await a.done).to.equal(0);
    await b.errorOutput.waitFor("peer disconnected");
    b.input.end();
    expect(await b.done).to.equal(0);
    expect(b.errorOutput.text).to.contain("dialing");
  });

  it("refuses a wrong key on both sides over tcp; the dialer gives up with 1 and nothing is shown", async () => {
    const a = track(peer("tcp://127.0.0.1:0"));
    await a.errorOutput.waitFor("listening on");
    const url = /listening on (tcp:\/\/\S+)/.exec(a.errorOutput.text)?.[1] as string;
    expect(url).to.not.match(/:0$/); // the bound port, so the second peer can find it
    const b = peer(url, "another passphrase, not the same");
    b.input.write("typed by the wrong key holder\n");
    expect(await b.done).to.equal(1);
    expect(b.errorOutput.text).to.contain("authentication failed: peer does not hold the key");
    await a.errorOutput.waitFor("authentication failed: peer does not hold the key");
    await a.errorOutput.waitFor("peer disconnected");
    expect(a.output.text + b.output.text).to.equal("");
  });

  it("refuses a pair0 peer that sends plain data and never shows it; keeps listening", async () => {
    const url = inprocUrl("messenger");
    const a = track(peer(url));
    await a.errorOutput.waitFor("listening on");
    const plain = trackSocket(await socket("pair"));
    const added = nextPipe(plain);
    await plain.dial(url, { autostart: "sync" });
    await added;
    const removed = pipeRemoved(plain);
    await plain.send("plain text, no key");
    await a.errorOutput.waitFor("authentication failed: peer does not hold the key");
    await removed; // the messenger closed the pipe
    await a.errorOutput.waitFor("peer disconnected");
    expect(a.output.text).to.equal("");
    expect(a.errorOutput.text).to.not.contain("plain text");
  });

  it("refuses a silent peer after the handshake timeout", async () => {
    const url = inprocUrl("messenger");
    const a = track(peer(url, KEY, { handshakeTimeout: 200 }));
    await a.errorOutput.waitFor("listening on");
    const silent = trackSocket(await socket("pair"));
    const removed = pipeRemoved(silent);
    await silent.dial(url, { autostart: "sync" });
    await a.errorOutput.waitFor("authentication failed: peer did not authenticate in time");
    await removed;
    // The HELLO it got is public data: a challenge and an ephemeral public key, no secret.
    const hello = await silent.recv({ timeout: 1000 });
    expect(hello.length).to.equal(66);
  });

  it("prints 'not sent: peer offline' with nobody connected, and ends on abort", async () => {
    const a = track(peer(inprocUrl("messenger")));
    await a.errorOutput.waitFor("listening on");
    a.input.write("into the void\n");
    await a.errorOutput.waitFor("not sent: peer offline");
    a.ac.abort();
    expect(await a.done).to.equal(0);
    expect(a.errorOutput.text).to.contain("session ended");
    expect(a.output.text).to.equal("");
  });

  it("Socket.closePipe (what the messenger drops peers with) closes one pipe; false for an unknown id", async () => {
    const url = inprocUrl("close-pipe");
    const l = trackSocket(await socket("pair", { listen: url }));
    const added = nextPipe(l);
    const d = trackSocket(await socket("pair", { dial: url, autostart: "sync" }));
    const p = await added;
    const gone = pipeRemoved(d);
    expect(l.closePipe(p.id)).to.equal(true);
    await gone;
    expect(l.closePipe(p.id)).to.equal(false);
    expect(l.closePipe(-1)).to.equal(false);
  });

  it("rejects a bad url with the NngError of the transport", async () => {
    const err = await messenger("bogus://x", { key: KEY, input: new PassThrough(), output: new Capture(), errorOutput: new Capture() }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.have.property("code", "ENOTSUP");
  });
});
