/**
 * A network partition between our socket (root namespace) and an nngcat peer
 * in its own network namespace, joined by a veth pair; the partition is the
 * link going down, the heal the link coming back. Needs root and `ip netns`;
 * otherwise skipped with a message.
 *
 * Checked: a request sent during the partition is answered after it heals
 * (TCP retransmits, or our req resends on a new connection); a dialer that
 * starts during the partition connects once it heals; the process keeps
 * serving throughout.
 */
import { execFileSync } from "node:child_process";
import { expect } from "chai";
import { type Socket, socket } from "../../src/index.js";
import { peerAvailable, type Peer, spawnPeerCommand, until } from "../helpers/peers.js";

const tag = (process.pid % 10_000).toString();
const NS = `nnpart-${tag}`;
const VETH_HOST = `nnpa${tag}`;
const VETH_NS = `nnpb${tag}`;
const NET = `10.213.${process.pid % 250}`;
const HOST_IP = `${NET}.1`;
const PEER_IP = `${NET}.2`;

function ip(...args: string[]): void {
  execFileSync("ip", args, { stdio: "pipe" });
}

/** Why the partition tests cannot run here, or undefined when they can. */
function unavailable(): string | undefined {
  if (process.platform !== "linux") return "not Linux";
  if (process.getuid?.() !== 0) return "not root";
  if (!peerAvailable("nngcat")) return "nngcat not installed";
  try {
    execFileSync("ip", ["netns", "list"], { stdio: "pipe" });
  } catch {
    return "`ip netns` is not available";
  }
  return undefined;
}

function cleanup(): void {
  try {
    ip("netns", "del", NS);
  } catch {
    /* not there */
  }
  try {
    ip("link", "del", VETH_HOST);
  } catch {
    /* went with the namespace */
  }
}

/** nngcat inside the namespace (`ip netns exec` execs it, so the pid is nngcat's). */
function nsPeer(args: string[]): Peer {
  return spawnPeerCommand("ip", ["netns", "exec", NS, "nngcat", ...args]);
}

describe("reliability: network partition (ip netns + veth)", function () {
  this.timeout(60_000);
  const peers: Peer[] = [];
  const opened: Socket[] = [];

  before(function () {
    const why = unavailable();
    if (why) {
      console.log(`      (partition tests skipped: ${why})`);
      this.skip();
    }
    cleanup();
    try {
      ip("netns", "add", NS);
      ip("link", "add", VETH_HOST, "type", "veth", "peer", "name", VETH_NS);
      ip("link", "set", VETH_NS, "netns", NS);
      ip("addr", "add", `${HOST_IP}/30`, "dev", VETH_HOST);
      ip("link", "set", VETH_HOST, "up");
      ip("netns", "exec", NS, "ip", "addr", "add", `${PEER_IP}/30`, "dev", VETH_NS);
      ip("netns", "exec", NS, "ip", "link", "set", VETH_NS, "up");
      ip("netns", "exec", NS, "ip", "link", "set", "lo", "up");
    } catch (err) {
      cleanup();
      console.log(`      (partition tests skipped: cannot set up a namespace: ${(err as Error).message.split("\n")[0]})`);
      this.skip();
    }
  });

  afterEach(async () => {
    ip("netns", "exec", NS, "ip", "link", "set", VETH_NS, "up");
    await Promise.all(peers.splice(0).map((p) => p.kill()));
    for (const s of opened.splice(0)) await s.close();
  });

  after(() => cleanup());

  // The peer's end goes down: our end loses carrier but keeps its address and route, so packets
  // are dropped on the wire (a real partition) instead of refused or sent out another interface.
  const partition = () => ip("netns", "exec", NS, "ip", "link", "set", VETH_NS, "down");
  const heal = () => ip("netns", "exec", NS, "ip", "link", "set", VETH_NS, "up");

  /** A rep peer in the namespace; resolves once it accepts connections. */
  async function repPeer(port: number): Promise<string> {
    const url = `tcp://${PEER_IP}:${port}`;
    peers.push(nsPeer(["--rep", "--listen", url, "--data", "pong", "--ascii"]));
    return url;
  }

  it("a request sent during the partition is answered after it heals", async () => {
    const url = await repPeer(5601);
    const req = await socket("req", { "reconnect-time-min": 50, "reconnect-time-max": 500, "req:resend-time": 1000 });
    opened.push(req);
    await req.dial(url);
    await req.send("before");
    expect(await req.recv({ mode: "string", timeout: 10_000 })).to.equal("pong");

    partition();
    await req.send("during");
    const answer = req.recv({ mode: "string", timeout: 30_000 });
    // Long enough for a resend and several TCP retransmissions to fail.
    await new Promise((r) => setTimeout(r, 2500));
    heal();
    expect(await answer).to.equal("pong");

    await req.send("after");
    expect(await req.recv({ mode: "string", timeout: 10_000 })).to.equal("pong");
  });

  it("a dialer started during the partition connects once it heals", async () => {
    const url = await repPeer(5602);
    partition();
    const req = await socket("req", { "reconnect-time-min": 50, "reconnect-time-max": 300, "req:resend-time": 1000 });
    opened.push(req);
    const d = await req.dial(url);
    // The send waits for a pipe (back-pressure), so it completes only after the heal.
    const sent = req.send("queued while partitioned", { timeout: 30_000 });
    await new Promise((r) => setTimeout(r, 1000));
    expect(req.pipeIds).to.deep.equal([]);
    expect(d.state).to.equal("started");
    heal();
    await sent;
    expect(await req.recv({ mode: "string", timeout: 30_000 })).to.equal("pong");
    await until(() => req.pipeIds.length === 1, 10_000, "one pipe");
  });
});
