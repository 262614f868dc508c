// `nanonext cat` side by side with nngcat 1.5.2: the same command line, the same
// peer, and the same stdout bytes, stderr text and exit code from both.
import { expect } from "chai";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { socket, tlsConfig, writeCert, type Socket } from "../../src/index.js";
import { freePort } from "../helpers/addr.js";
import { writeCertFiles } from "../helpers/cert-files.js";
import { peerAvailable } from "../helpers/peers.js";
import { pipes } from "../helpers/wait.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
type Bin = "nngcat" | "nanonext";
const BINS: Bin[] = ["nngcat", "nanonext"];

interface Run {
  code: number | null;
  stdout: string; // latin1, so every byte shows
  stderr: string;
}

const children = new Set<ChildProcessWithoutNullStreams>();
const sockets: Socket[] = [];

/** Starts `nngcat args` or `nanonext cat args` (through tsx, from the source tree). */
function start(bin: Bin, args: string[], stdin?: Uint8Array): Promise<Run> {
  const proc =
    bin === "nngcat"
      ? spawn("nngcat", args, { stdio: ["pipe", "pipe", "pipe"] })
      : spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "cat", ...args], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
  children.add(proc);
  const out: Buffer[] = [];
  let err = "";
  proc.stdout.on("data", (d: Buffer) => out.push(d));
  proc.stderr.on("data", (d: Buffer) => (err += d.toString("latin1")));
  proc.stdin.on("error", () => {}); // a child that exits before reading stdin
  proc.stdin.end(stdin);
  // A hung child fails its comparison (code null) instead of timing the test out.
  const guard = setTimeout(() => proc.kill("SIGKILL"), 15_000);
  return new Promise((resolve, reject) => {
    proc.on("error", reject);
    proc.on("close", (code) => {
      clearTimeout(guard);
      children.delete(proc);
      resolve({ code, stdout: Buffer.concat(out).toString("latin1"), stderr: err });
    });
  });
}

/** An in-process peer, closed after the test. */
async function peer(proto: Parameters<typeof socket>[0], opts: Parameters<typeof socket>[1] = {}): Promise<[Socket, string]> {
  const s = await socket(proto, { listen: ipcUrl("cat"), ...opts });
  sockets.push(s);
  return [s, s.listeners[0]!.url];
}

const txt = (b: Uint8Array) => Buffer.from(b).toString("latin1");

/** Runs `scenario` with nngcat, then with nanonext; both outcomes must be equal (and equal `expected` if given). */
function sideBySide<T>(name: string, scenario: (bin: Bin) => Promise<T>, expected?: T): void {
  it(name, async function () {
    this.timeout(45_000);
    const results: T[] = [];
    for (const bin of BINS) results.push(await scenario(bin));
    expect(results[1], "nanonext cat differs from nngcat").to.deep.equal(results[0]);
    if (expected !== undefined) expect(results[0], "nngcat itself").to.deep.equal(expected);
  });
}

// 'a' NUL 'b' 0x80 0xff '"' '\' LF CR TAB '~' ' ' 'z': every escaping rule of the formats.
const SAMPLE = Buffer.from("610062" + "80ff225c0a0d097e207a", "hex");

// Every ipc path lives in one temp directory, removed at the end (nngcat leaves its socket files behind).
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nncat-"));
let ipcSeq = 0;
const ipcUrl = (tag: string) => `ipc://${path.join(dir, `${tag}-${++ipcSeq}.ipc`)}`;

describe("cli/cat: nanonext cat side by side with nngcat", function () {
  const sampleFile = path.join(dir, "sample.bin");

  before(function () {
    if (!peerAvailable("nngcat")) {
      console.log("    (skipping: nngcat is not installed; with CI=true this is a failure)");
      this.skip();
    }
    fs.writeFileSync(sampleFile, SAMPLE);
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  afterEach(async () => {
    const waits = [...children].map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once("close", r))));
    for (const c of children) c.kill("SIGKILL");
    await Promise.all(waits);
    await Promise.all(sockets.splice(0).map((s) => s.close()));
  });

  describe("req / rep", () => {
    for (const fmt of ["--ascii", "--quoted", "--hex", "--raw", "--msgpack", "--format=no"]) {
      sideBySide(`req ${fmt} --file: prints the reply of an echoing rep`, async (bin) => {
        const [rep, url] = await peer("rep");
        const served = (async () => {
          const m = await rep.recv();
          await rep.send(m);
          return txt(m);
        })();
        const run = await start(bin, ["--req", "--dial", url, fmt, "--file", sampleFile]);
        return { run, request: await served };
      });
    }

    sideBySide(
      "req --data against nngcat --rep (the peer dials with --async)",
      async (bin) => {
        const url = ipcUrl("cat");
        const subject = start(bin, ["--req", "--listen", url, "--data", "what is the answer?", "--quoted"]);
        const p = start("nngcat", ["--rep", "--dial", url, "--async", "--data", "42", "--quoted", "--count", "1"]);
        return { subject: await subject, peer: await p };
      },
      { subject: { code: 0, stdout: '"42"\n', stderr: "" }, peer: { code: 0, stdout: '"what is the answer?"\n', stderr: "" } },
    );

    sideBySide(
      "req --count 2 --interval 1: two exchanges",
      async (bin) => {
        const [rep, url] = await peer("rep");
        const served = (async () => {
          for (let i = 1; i <= 2; i++) {
            await rep.recv();
            await rep.send(`answer ${i}`);
          }
        })();
        const run = await start(bin, ["--req", "--dial", url, "-D", "q", "-Q", "-C", "2", "-i", "1"]);
        await served;
        return run;
      },
      { code: 0, stdout: '"answer 1"\n"answer 2"\n', stderr: "" },
    );

    sideBySide(
      "rep --data --count 1: prints the request, answers it",
      async (bin) => {
        const [req, url] = await peer("req");
        const run = start(bin, ["--rep", "--dial", url, "--data", "pong", "-Q", "--count", "1"]);
        await pipes(req);
        await req.send("ping");
        const answer = txt(await req.recv());
        return { run: await run, answer };
      },
      { run: { code: 0, stdout: '"ping"\n', stderr: "" }, answer: "pong" },
    );

    sideBySide(
      "rep without data --count 2 --ascii: prints requests only",
      async (bin) => {
        const [req, url] = await peer("req");
        const run = start(bin, ["--rep", "--dial", url, "--ascii", "--count", "2"]);
        await pipes(req);
        await req.context().send("one\n");
        await req.context().send("two");
        return run;
      },
      { code: 0, stdout: "one.two", stderr: "" },
    );
  });

  describe("pub / sub", () => {
    sideBySide(
      "sub --subscribe (twice) --count 2 --quoted: only matching topics",
      async (bin) => {
        const [pub, url] = await peer("pub");
        const run = start(bin, ["--sub", "--dial", url, "--subscribe", "a", "--subscribe=b", "--count", "2", "--quoted"]);
        await pipes(pub);
        for (const m of ["x1", "a1", "c", "b2", "a3"]) await pub.send(m);
        return run;
      },
      { code: 0, stdout: '"a1"\n"b2"\n', stderr: "" },
    );

    sideBySide(
      "pub --count 3: sends three messages, prints nothing",
      async (bin) => {
        const [sub, url] = await peer("sub");
        sub.subscribe("");
        const run = await start(bin, ["--pub", "--dial", url, "--data", "tick", "--count", "3"]);
        const got: string[] = [];
        for (let i = 0; i < 3; i++) got.push(txt(await sub.recv({ timeout: 5000 })));
        return { run, got };
      },
      { run: { code: 0, stdout: "", stderr: "" }, got: ["tick", "tick", "tick"] },
    );
  });

  describe("push / pull", () => {
    sideBySide(
      "push --file --count 2",
      async (bin) => {
        const [pull, url] = await peer("pull");
        const run = await start(bin, ["--push", "--dial", url, "--file", sampleFile, "--count", "2"]);
        const got = [txt(await pull.recv({ timeout: 5000 })), txt(await pull.recv({ timeout: 5000 }))];
        return { run, got };
      },
      { run: { code: 0, stdout: "", stderr: "" }, got: [SAMPLE.toString("latin1"), SAMPLE.toString("latin1")] },
    );

    sideBySide(
      "push --file - (standard input)",
      async (bin) => {
        const [pull, url] = await peer("pull");
        const run = await start(bin, ["--push", "--dial", url, "-F", "-"], SAMPLE);
        return { run, got: txt(await pull.recv({ timeout: 5000 })) };
      },
      { run: { code: 0, stdout: "", stderr: "" }, got: SAMPLE.toString("latin1") },
    );

    for (const fmt of ["--ascii", "--quoted", "--hex", "--raw", "--msgpack"]) {
      sideBySide(`pull ${fmt} --count 3`, async (bin) => {
        const [push, url] = await peer("push");
        const run = start(bin, ["--pull", "--dial", url, fmt, "--count", "3"]);
        for (const m of [SAMPLE, Buffer.from("second"), Buffer.alloc(0)]) await push.send(m, { timeout: 10_000 });
        return run;
      });
    }

    sideBySide(
      "pull against nngcat --push (the peer dials with --async)",
      async (bin) => {
        const url = ipcUrl("cat");
        const subject = start(bin, ["--pull", "--listen", url, "--quoted", "--count", "2"]);
        const p = start("nngcat", ["--push", "--dial", url, "--async", "--data", "m", "--count", "2"]);
        return { subject: await subject, peer: await p };
      },
      { subject: { code: 0, stdout: '"m"\n"m"\n', stderr: "" }, peer: { code: 0, stdout: "", stderr: "" } },
    );
  });

  describe("surveyor / respondent", () => {
    sideBySide(
      "surveyor: prints the answers until the survey ends",
      async (bin) => {
        const [resp, url] = await peer("respondent");
        const answered = (async () => {
          const q = txt(await resp.recv());
          await resp.send("me!");
          return q;
        })();
        const run = await start(bin, ["--surveyor", "--dial", url, "--data", "who?", "--quoted"]);
        return { run, question: await answered };
      },
      { run: { code: 0, stdout: '"me!"\n', stderr: "" }, question: "who?" },
    );

    sideBySide(
      "respondent --data --count 1 --hex",
      async (bin) => {
        const [sur, url] = await peer("surveyor", { "surveyor:survey-time": 30_000 });
        const run = start(bin, ["--respondent", "--dial", url, "--data", "yes", "--hex", "--count", "1"]);
        await pipes(sur);
        await sur.send("vote?");
        return { run: await run, answer: txt(await sur.recv()) };
      },
      { run: { code: 0, stdout: '"\\x76\\x6f\\x74\\x65\\x3f"\n', stderr: "" }, answer: "yes" },
    );
  });

  describe("pair and bus", () => {
    for (const [flag, proto] of [["--pair0", "pair0"], ["--pair1", "pair1"], ["--bus", "bus"]] as const) {
      sideBySide(
        `${flag} --data: sends, then prints until --recv-timeout`,
        async (bin) => {
          const [s, url] = await peer(proto);
          const talk = (async () => {
            const m = txt(await s.recv());
            await s.send("one");
            await s.send("two");
            return m;
          })();
          const run = await start(bin, [flag, "--dial", url, "--data", "hi", "--quoted", "--recv-timeout", "1"]);
          return { run, got: await talk };
        },
        { run: { code: 0, stdout: '"one"\n"two"\n', stderr: "" }, got: "hi" },
      );
    }

    sideBySide(
      "pair1 without data --count 2: receive only",
      async (bin) => {
        const [s, url] = await peer("pair1");
        const run = start(bin, ["--pair1", "--dial", url, "--raw", "--count", "2"]);
        await pipes(s);
        await s.send("ab");
        await s.send("cd");
        return run;
      },
      { code: 0, stdout: "abcd", stderr: "" },
    );
  });

  describe("options", () => {
    sideBySide(
      "--verbose prints the dial line, then the reply",
      async (bin) => {
        const [rep, url] = await peer("rep");
        const served = (async () => {
          await rep.send(await rep.recv());
        })();
        const run = await start(bin, ["--req", "-v", "--dial", url, "-D", "x", "-A"]);
        await served;
        return { ...run, stdout: run.stdout.replace(url, "URL") };
      },
      { code: 0, stdout: "Connected to: URL\nx", stderr: "" },
    );

    sideBySide(
      "--recv-timeout ends a receive-only run with exit 0",
      (bin) => start(bin, ["--sub", "--listen", ipcUrl("cat"), "--recv-timeout", "1", "-Q"]),
      { code: 0, stdout: "", stderr: "" },
    );

    sideBySide(
      "--recv-maxsz drops a larger message (the pipe closes), smaller ones pass",
      async (bin) => {
        const [push, url] = await peer("push");
        const run = start(bin, ["--pull", "--dial", url, "-Z", "4", "-Q", "--recv-timeout", "2"]);
        await pipes(push);
        await push.send("toolong");
        return run;
      },
      { code: 0, stdout: "", stderr: "" },
    );

    sideBySide(
      "--help: usage on stdout, exit 1",
      async (bin) => {
        const r = await start(bin, ["--help"]);
        return { code: r.code, usage: r.stdout.startsWith(`Usage: ${bin === "nngcat" ? "nngcat" : "nanonext cat"} <proto> <addr>...`), stderr: r.stderr };
      },
      { code: 1, usage: true, stderr: "" },
    );
  });

  describe("TLS (tls+tcp)", () => {
    let certFile = "";
    let keyFile = "";
    let bothFile = "";
    let junkFile = "";
    let server: readonly [string, string] = ["", ""];

    before(async () => {
      const cert = await writeCert({ cn: "localhost" });
      server = cert.server;
      ({ cert: certFile, key: keyFile } = writeCertFiles(dir, "cert", cert));
      bothFile = path.join(dir, "both.pem");
      junkFile = path.join(dir, "junk.pem");
      fs.writeFileSync(bothFile, `${cert.server[0]}\n${cert.server[1]}`);
      fs.writeFileSync(junkFile, "not a certificate\n");
    });

    async function tlsRep(): Promise<string> {
      const rep = await socket("rep", { listen: "tls+tcp://127.0.0.1:0", tls: tlsConfig({ server: [...server] as [string, string] }) });
      sockets.push(rep);
      void (async () => {
        for (;;) await rep.send(await rep.recv());
      })().catch(() => {});
      return rep.listeners[0]!.url;
    }

    sideBySide(
      "req --cacert: verifies our server and gets the echo",
      async (bin) => start(bin, ["--req", "--dial", await tlsRep(), "--cacert", certFile, "-D", "secure", "-Q"]),
      { code: 0, stdout: '"secure"\n', stderr: "" },
    );

    sideBySide(
      "req --insecure: no verification",
      async (bin) => start(bin, ["--req", "--dial", await tlsRep(), "-k", "-D", "anyway", "-Q"]),
      { code: 0, stdout: '"anyway"\n', stderr: "" },
    );

    sideBySide(
      "rep --listen with --cert/--key (and with one file holding both)",
      async (bin) => {
        const outs = [];
        for (const certArgs of [["--cert", certFile, "--key", keyFile], ["-E", bothFile]]) {
          const port = await freePort();
          const url = `tls+tcp://127.0.0.1:${port}`;
          const run = start(bin, ["--rep", "--listen", url, ...certArgs, "-D", "tls answer", "-Q", "-C", "1"]);
          const req = await socket("req", { dial: url, "reconnect-time-min": 20, "reconnect-time-max": 100, tls: tlsConfig({ client: certFile }) });
          sockets.push(req);
          await req.send("tls question");
          outs.push({ answer: txt(await req.recv({ timeout: 10_000 })), run: await run });
        }
        return outs;
      },
      [0, 1].map(() => ({ answer: "tls answer", run: { code: 0, stdout: '"tls question"\n', stderr: "" } })),
    );

    sideBySide(
      "an untrusted server (no --cacert, no --insecure): the dial fails",
      async (bin) => {
        const url = await tlsRep();
        const r = await start(bin, ["--req", "--dial", url, "-D", "x"]);
        return { ...r, stderr: r.stderr.replace(url, "URL") };
      },
      { code: 1, stdout: "", stderr: `Unable to dial on URL: Peer could not be authenticated\n` },
    );

    sideBySide("a junk --cert file: TLS configuration fails", async (bin) => {
      const r = await start(bin, ["--req", "--dial", "tls+tcp://127.0.0.1:1", "--cert", junkFile, "-D", "x"]);
      return { code: r.code, stderr: r.stderr };
    });
  });

  describe("errors: same stderr line, exit 1", () => {
    const U = () => ipcUrl("none"); // nobody listens there
    const cases: [string, () => string[]][] = [
      ["no arguments", () => []],
      ["ambiguous option", () => ["--re"]],
      ["empty long option", () => ["--"]],
      ["unknown short option", () => ["-z"]],
      ["clustered short options", () => ["-Ax"]],
      ["value on a flag", () => ["--req=3"]],
      ["missing value", () => ["--req", "--dial"]],
      ["two protocols", () => ["--req0", "--req"]],
      ["no address", () => ["--req", "-D", "x"]],
      ["no protocol", () => ["--dial", U()]],
      ["arguments after a non-option are ignored", () => ["--req", "--dial", U(), "foo", "-D", "x"]],
      ["bad integer", () => ["--req", "-C", "x"]],
      ["empty integer", () => ["--req", "-C", ""]],
      ["port too large", () => ["--req", "-L", "70000"]],
      ["bad format", () => ["--format", "bad"]],
      ["two formats", () => ["--pair0", "-A", "-Q"]],
      ["two data sources", () => ["--req", "-D", "x", "-D", "y"]],
      ["missing file", () => ["--req", "-F", "/nonexistent/file"]],
      ["sub with data", () => ["--sub", "--dial", U(), "-D", "x"]],
      ["push without data", () => ["--push", "--dial", U()]],
      ["push with a format", () => ["--push", "--dial", U(), "-A", "-D", "x"]],
      ["subscribe on pub", () => ["--pub", "--dial", U(), "--subscribe", "a", "-D", "x"]],
      ["rep with interval", () => ["--rep", "--interval", "1", "--dial", U()]],
      ["pair interval without data", () => ["--pair0", "--interval", "1", "--dial", U()]],
      ["compat with count", () => ["--compat", "--count", "1", "--pair0", "--dial", U()]],
      ["compat with pair1", () => ["--compat", "--pair1", "--dial", U()]],
      ["compat with async", () => ["--compat", "--async", "--pair0", "--dial", U()]],
      ["connection refused (ipc)", () => ["--req", "--dial", U(), "-D", "x"]],
      ["connection refused (-x path)", () => ["--req", "-x", U().slice("ipc://".length), "-D", "x"]],
      ["connection refused (tcp)", () => ["--req", "--dial", "tcp://127.0.0.1:1", "-D", "x"]],
      ["unknown scheme", () => ["--req", "--dial", "foo://x", "-D", "x"]],
      ["address without port", () => ["--req", "--dial", "tcp://x", "-D", "x"]],
      ["address not local", () => ["--req", "--listen", "tcp://192.0.2.1:0", "-D", "x"]],
      ["address in use", () => {
        const u = U();
        return ["--rep", "--listen", u, "--listen", u];
      }],
      ["rep --data: a receive timeout is an error", () => ["--rep", "--listen", U(), "-D", "x", "--recv-timeout", "1"]],
    ];
    for (const [name, args] of cases) {
      const argv = args(); // one address for both runs: it appears in the error text
      sideBySide(name, async (bin) => {
        const r = await start(bin, argv);
        return { code: r.code, stderr: r.stderr, stdout: r.stdout };
      });
    }
  });
});
