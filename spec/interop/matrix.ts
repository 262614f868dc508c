// Shared interop matrix: our sockets against nngcat / nanocat, over tcp and ipc,
// with our side listening (peer dials) and our side dialing (peer listens).
import fs from "node:fs";
import { expect } from "chai";
import { type NngError, type ProtocolName, type Socket, socket } from "../../src/index.js";
import { freePort, ipcUrl, TCP_ANY } from "../helpers/addr.js";
import { type Peer, peerAvailable, spawnPeer } from "../helpers/peers.js";

export type Transport = "tcp" | "ipc";
export type Direction = "ours listens" | "peer listens";
/** Protocol roles as the peer tools name them (pair0/pair1 kept apart). */
export type Role = "req" | "rep" | "pub" | "sub" | "push" | "pull" | "surveyor" | "respondent" | "pair0" | "pair1" | "bus";

export const TRANSPORTS: readonly Transport[] = ["tcp", "ipc"];
export const DIRECTIONS: readonly Direction[] = ["ours listens", "peer listens"];

/** How to drive one peer tool. */
export interface PeerTool {
  bin: "nngcat" | "nanocat";
  /** Protocol flag per role; a missing role is unsupported by the tool (nanomsg has no pair1). */
  roles: Partial<Record<Role, string>>;
  /** Arguments that make the peer repeat its send (pub, push, surveyor, bus). */
  repeat: string[];
  listen(url: string): string[];
  dial(url: string): string[];
}

export const NNGCAT: PeerTool = {
  bin: "nngcat",
  roles: {
    req: "--req0", rep: "--rep0", pub: "--pub0", sub: "--sub0", push: "--push0", pull: "--pull0",
    surveyor: "--surveyor0", respondent: "--respondent0", pair0: "--pair0", pair1: "--pair1", bus: "--bus0",
  },
  // nngcat takes whole seconds only.
  repeat: ["--interval", "1"],
  listen: (url) => ["--listen", url],
  // Our listener is bound before the peer starts, so a synchronous dial succeeds at once
  // (and a refused dial makes nngcat exit with a clear message instead of hanging).
  dial: (url) => ["--dial", url],
};

export const NANOCAT: PeerTool = {
  bin: "nanocat",
  roles: {
    req: "--req", rep: "--rep", pub: "--pub", sub: "--sub", push: "--push", pull: "--pull",
    surveyor: "--surveyor", respondent: "--respondent", pair0: "--pair", bus: "--bus",
  },
  repeat: ["--interval", "0.25"],
  listen: (url) => ["--bind", url],
  // nn_connect is always asynchronous and retries every 100 ms.
  dial: (url) => ["--connect", url],
};

/** What we send: binary bytes (NUL, quote, backslash, newline, high bytes) plus UTF-8 text. */
export const OURS = new Uint8Array([0x00, 0x01, 0x0a, 0x22, 0x5c, 0x7f, 0x80, 0xff, ...Buffer.from("ours→peer")]);
/** What the peer sends (via --data, so no NUL): multi-byte UTF-8 checks the bytes survive. */
export const THEIRS = "peer:héllo ✓";
const THEIRS_BYTES = new Uint8Array(Buffer.from(THEIRS, "utf8"));

/** The line both tools print for a message with `--hex`. */
export function hexLine(bytes: Uint8Array): string {
  return `"${Array.from(bytes, (b) => `\\x${b.toString(16).padStart(2, "0")}`).join("")}"`;
}

/** One protocol pairing: our socket's protocol, the peer's role, and the exchange to run. */
interface Case {
  ours: ProtocolName;
  theirs: Role;
  /** Peer arguments besides protocol and address. */
  peerArgs(tool: PeerTool): string[];
  /** Options for our socket, set before listening/dialing. */
  opts?: Record<string, unknown>;
  /** The exchange, run once a pipe is up. Must check payload bytes in both directions where the pattern allows. */
  exchange(s: Socket, peer: Peer): Promise<void>;
}

const WAIT = 10_000;

function isTimeout(err: unknown): boolean {
  return (err as NngError)?.code === "ETIMEDOUT";
}

/**
 * Resolves true as soon as the peer's output contains `text` (checked on every
 * chunk it writes), false after `ms`.
 */
export function printed(peer: Peer, text: string, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      peer.proc.stdout.off("data", check);
      resolve(v);
    };
    const check = () => {
      if (peer.out().includes(text)) finish(true);
    };
    const timer = setTimeout(() => finish(false), ms);
    peer.proc.stdout.on("data", check);
    check();
  });
}

async function expectPrinted(peer: Peer, bytes: Uint8Array, ms = WAIT): Promise<void> {
  if (!(await printed(peer, hexLine(bytes), ms))) {
    throw new Error(`peer never printed ${hexLine(bytes)}; its output was:\n${peer.out()}`);
  }
}

/**
 * Sends `msg` again every 100 ms until the peer prints it (pub and bus drop
 * messages a peer was not yet connected for; the bound keeps it from spinning).
 */
async function sendUntilPrinted(s: Socket, peer: Peer, msg: Uint8Array, ms = WAIT): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    await s.send(msg, { timeout: WAIT });
    if (await printed(peer, hexLine(msg), 100)) return;
    if (Date.now() > deadline) await expectPrinted(peer, msg, 0);
  }
}

async function recvTheirs(s: Socket, ms = WAIT): Promise<void> {
  const got = await s.recv({ timeout: ms });
  expect(Buffer.from(got).toString("hex")).to.equal(Buffer.from(THEIRS_BYTES).toString("hex"));
}

const hex = ["--hex"];

export const CASES: readonly Case[] = [
  {
    ours: "req", theirs: "rep",
    peerArgs: () => ["--data", THEIRS, ...hex],
    async exchange(s, peer) {
      await s.send(OURS);
      await recvTheirs(s);
      await expectPrinted(peer, OURS);
    },
  },
  {
    ours: "rep", theirs: "req",
    // The peer sends one request, prints the reply, then exits.
    peerArgs: () => ["--data", THEIRS, ...hex],
    async exchange(s, peer) {
      await recvTheirs(s);
      await s.send(OURS);
      await expectPrinted(peer, OURS);
    },
  },
  {
    ours: "pub", theirs: "sub",
    peerArgs: () => hex,
    exchange: (s, peer) => sendUntilPrinted(s, peer, OURS),
  },
  {
    ours: "sub", theirs: "pub",
    // Subscribed before connecting; the peer republishes, since messages published
    // before the subscription reached it are lost.
    opts: { "sub:subscribe": "" },
    peerArgs: (t) => ["--data", THEIRS, ...t.repeat],
    exchange: (s) => recvTheirs(s),
  },
  {
    ours: "push", theirs: "pull",
    peerArgs: () => hex,
    async exchange(s, peer) {
      await s.send(OURS, { timeout: WAIT });
      await expectPrinted(peer, OURS);
    },
  },
  {
    ours: "pull", theirs: "push",
    // Repeat so nanocat does not exit (and drop the message in nn_close) right after sending.
    peerArgs: (t) => ["--data", THEIRS, ...t.repeat],
    exchange: (s) => recvTheirs(s),
  },
  {
    ours: "surveyor", theirs: "respondent",
    peerArgs: () => ["--data", THEIRS, ...hex],
    async exchange(s, peer) {
      const deadline = Date.now() + WAIT;
      for (;;) {
        await s.send(OURS);
        try {
          await recvTheirs(s); // ETIMEDOUT when the survey time (1 s) ends without a response
          break;
        } catch (err) {
          if (!isTimeout(err) || Date.now() > deadline) throw err;
        }
      }
      await expectPrinted(peer, OURS);
    },
  },
  {
    ours: "respondent", theirs: "surveyor",
    // The peer surveys repeatedly (one survey lasts 1 s); we answer every survey
    // until one answer arrives in time and is printed.
    peerArgs: (t) => ["--data", THEIRS, ...hex, ...t.repeat],
    async exchange(s, peer) {
      const deadline = Date.now() + WAIT;
      const done = hexLine(OURS);
      while (!peer.out().includes(done)) {
        if (Date.now() > deadline) await expectPrinted(peer, OURS, 0);
        try {
          await recvTheirs(s, 200);
        } catch (err) {
          if (isTimeout(err)) continue;
          throw err;
        }
        await s.send(OURS);
      }
    },
  },
  ...(["pair0", "pair1"] as const).map((p): Case => ({
    ours: p, theirs: p,
    // pair sends wait for a peer, so one send each way is enough.
    peerArgs: () => ["--data", THEIRS, ...hex],
    async exchange(s, peer) {
      await recvTheirs(s);
      await s.send(OURS, { timeout: WAIT });
      await expectPrinted(peer, OURS);
    },
  })),
  {
    ours: "bus", theirs: "bus",
    // bus drops messages for peers not yet connected: both sides repeat.
    peerArgs: (t) => ["--data", THEIRS, ...hex, ...t.repeat],
    async exchange(s, peer) {
      await recvTheirs(s);
      await sendUntilPrinted(s, peer, OURS);
    },
  },
];

/** Resolves once `s` has a pipe; fails early (with its output) if the peer exits first. */
function connected(s: Socket, peer: Peer): Promise<void> {
  if (s.pipeIds.length > 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      cleanup();
      reject(new Error(`${why}; ${peer.proc.spawnfile} output:\n${peer.out()}`));
    };
    const onPipe = () => {
      cleanup();
      resolve();
    };
    const onExit = (code: number | null) => fail(`${peer.proc.spawnfile} exited (${code}) before connecting`);
    const timer = setTimeout(() => fail("no pipe was added in time"), WAIT);
    const cleanup = () => {
      clearTimeout(timer);
      s.off("pipe:add", onPipe);
      peer.proc.off("exit", onExit);
    };
    s.on("pipe:add", onPipe);
    peer.proc.on("exit", onExit);
    if (peer.proc.exitCode !== null || peer.proc.signalCode !== null) onExit(peer.proc.exitCode);
  });
}

/** Generates describe() blocks for every transport × case × direction against one tool. */
export function interopSuite(tool: PeerTool): void {
  describe(`interop with ${tool.bin}`, function () {
    this.timeout(20_000);

    before(function () {
      if (!peerAvailable(tool.bin)) {
        console.log(`    (skipping: ${tool.bin} is not installed; with CI=true this is a failure)`);
        this.skip();
      }
    });

    let sock: Socket | undefined;
    let peer: Peer | undefined;
    let ipcPath: string | undefined;

    afterEach(async () => {
      await peer?.kill();
      await sock?.close();
      // A killed peer leaves its ipc socket file behind.
      if (ipcPath) fs.rmSync(ipcPath, { force: true });
      peer = sock = ipcPath = undefined;
    });

    async function run(c: Case, transport: Transport, direction: Direction): Promise<void> {
      const flag = tool.roles[c.theirs]!;
      const opts = { ...c.opts };
      if (direction === "ours listens") {
        const url = transport === "tcp" ? TCP_ANY : ipcUrl("io");
        sock = await socket(c.ours, { ...opts, listen: url });
        const bound = sock.listeners[0]!.url;
        if (transport === "ipc") ipcPath = bound.slice("ipc://".length);
        peer = spawnPeer(tool.bin, [flag, ...tool.dial(bound), ...c.peerArgs(tool)]);
      } else {
        const url = transport === "tcp" ? `tcp://127.0.0.1:${await freePort()}` : ipcUrl("io");
        if (transport === "ipc") ipcPath = url.slice("ipc://".length);
        peer = spawnPeer(tool.bin, [flag, ...tool.listen(url), ...c.peerArgs(tool)]);
        // Background dial (the default), redialing quickly until the peer is listening.
        sock = await socket(c.ours, { ...opts, "reconnect-time-min": 50, dial: url });
      }
      await connected(sock, peer);
      await c.exchange(sock, peer);
    }

    for (const transport of TRANSPORTS) {
      describe(transport, () => {
        for (const c of CASES) {
          if (!tool.roles[c.theirs]) continue;
          describe(`ours ${c.ours} ↔ ${tool.bin} ${tool.roles[c.theirs]}`, () => {
            for (const direction of DIRECTIONS) {
              it(direction, () => run(c, transport, direction));
            }
          });
        }
      });
    }
  });
}
