/**
 * Shared helpers of the protocol tests: nng error assertions, a resource bag
 * closed in afterEach, and raw SP-over-TCP peers (net.Socket) that speak the
 * handshake and the u64-length framing, so tests can see and forge exact bytes.
 * Everything waits on events; the only timers are guards against hangs and the
 * short "nothing arrives" windows.
 */
import net from "node:net";
import { expect } from "chai";
import { Message, NngError, NNG_ERRNO, type NngErrorCode, type ProtocolName, type Socket, socket, type SocketOptions } from "../../src/index.js";
import { inprocUrl, TCP_ANY } from "../helpers/addr.js";
import { pipes } from "../helpers/wait.js";

/** Protocol ids as on the wire (§1). */
export const ID = {
  pair0: 0x10,
  pair1: 0x11,
  pub: 0x20,
  sub: 0x21,
  req: 0x30,
  rep: 0x31,
  push: 0x50,
  pull: 0x51,
  surveyor: 0x62,
  respondent: 0x63,
  bus: 0x70,
} as const;

/** Window used to assert that nothing arrives. */
export const QUIET_MS = 200;

/** Awaits `p` and asserts it rejects with the nng error `code`. */
export async function rejects(p: Promise<unknown>, code: NngErrorCode): Promise<NngError> {
  let value: unknown;
  try {
    value = await p;
  } catch (err) {
    expect(err, `expected ${code}, got ${String(err)}`).to.be.instanceOf(NngError);
    expect((err as NngError).code, (err as Error).message).to.equal(code);
    expect((err as NngError).errno).to.equal(NNG_ERRNO[code]);
    return err as NngError;
  }
  throw new Error(`expected rejection with ${code}, resolved with ${String(value)}`);
}

/** Asserts that `fn` throws the nng error `code` synchronously. */
export function throws(fn: () => unknown, code: NngErrorCode): void {
  try {
    fn();
  } catch (err) {
    expect(err, `expected ${code}, got ${String(err)}`).to.be.instanceOf(NngError);
    expect((err as NngError).code, (err as Error).message).to.equal(code);
    return;
  }
  throw new Error(`expected ${code} to be thrown`);
}

/** Asserts a socket/context receives nothing for `ms` (ETIMEDOUT). */
export async function nothing(s: { recv(o?: { timeout?: number }): Promise<unknown> }, ms = QUIET_MS): Promise<void> {
  await rejects(s.recv({ timeout: ms }), "ETIMEDOUT");
}

/** Big-endian u32 as a Buffer. */
export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** Concatenates byte parts (strings as UTF-8). */
export function bytes(...parts: (Uint8Array | string)[]): Buffer {
  return Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : Buffer.from(p))));
}

/** The 8-byte SP header for a protocol id. */
export function spHeader(proto: number): Buffer {
  return Buffer.from([0x00, 0x53, 0x50, 0x00, (proto >> 8) & 0xff, proto & 0xff, 0x00, 0x00]);
}

/** One TCP frame: u64be(len) then the parts concatenated. */
export function frame(...parts: (Uint8Array | string)[]): Buffer {
  const p = bytes(...parts);
  const pre = Buffer.alloc(8);
  pre.writeBigUInt64BE(BigInt(p.length));
  return Buffer.concat([pre, p]);
}

/** Text of a received body (cooked sockets give bytes). */
export function text(b: Uint8Array): string {
  return Buffer.from(b).toString();
}

/** A received Message as [header hex words..., body text]. */
export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

/** Races a promise against a guard timer (hang protection only). */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, rej) => (t = setTimeout(() => rej(new Error(`timed out: ${what}`)), ms)))]);
  } finally {
    clearTimeout(t);
  }
}

/**
 * A raw SP peer over TCP. It writes its 8-byte header at once, checks the
 * other side's header, then parses frames into an inbox.
 */
export class RawPeer {
  /** The other side's 8 header bytes. */
  header: Buffer | undefined;
  /** Resolves when the TCP connection has closed (either side). */
  readonly closed: Promise<void>;
  isClosed = false;
  private buf: Buffer = Buffer.alloc(0);
  private frames: Buffer[] = [];
  private waiters: (() => void)[] = [];
  private gotHeader!: () => void;
  readonly ready: Promise<void>;

  constructor(
    readonly sock: net.Socket,
    readonly proto: number,
  ) {
    this.ready = new Promise((r) => (this.gotHeader = r));
    this.closed = new Promise((resolve) =>
      sock.once("close", () => {
        this.isClosed = true;
        this.wake();
        resolve();
      }),
    );
    sock.on("error", () => undefined);
    sock.on("data", (d: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      this.parse();
    });
    sock.setNoDelay(true);
    sock.write(spHeader(proto));
  }

  private parse(): void {
    if (!this.header) {
      if (this.buf.length < 8) return;
      this.header = this.buf.subarray(0, 8);
      this.buf = this.buf.subarray(8);
      this.gotHeader();
    }
    for (;;) {
      if (this.buf.length < 8) break;
      const len = Number(this.buf.readBigUInt64BE(0));
      if (this.buf.length < 8 + len) break;
      this.frames.push(Buffer.from(this.buf.subarray(8, 8 + len)));
      this.buf = this.buf.subarray(8 + len);
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Sends one frame made of the parts. */
  send(...parts: (Uint8Array | string)[]): void {
    this.sock.write(frame(...parts));
  }

  /** Writes raw bytes. */
  write(b: Uint8Array): void {
    this.sock.write(b);
  }

  /** Frames received and not yet read. */
  get queued(): number {
    return this.frames.length;
  }

  /** Next frame payload (header words + body); rejects after `ms` or when closed. */
  async recv(ms = 5000): Promise<Buffer> {
    const deadline = Date.now() + ms;
    for (;;) {
      const f = this.frames.shift();
      if (f) return f;
      if (this.isClosed) throw new Error("raw peer: connection closed");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("raw peer: no frame in time");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Asserts that no frame arrives within `ms`. */
  async nothing(ms = QUIET_MS): Promise<void> {
    let f: Buffer | undefined;
    try {
      f = await this.recv(ms);
    } catch {
      return;
    }
    throw new Error(`raw peer: unexpected frame ${f.toString("hex")}`);
  }

  /** Resolves once the connection is closed; rejects after `ms`. */
  waitClosed(ms = 5000): Promise<void> {
    return within(this.closed, ms, "raw peer connection to close");
  }

  pause(): void {
    this.sock.pause();
  }

  resume(): void {
    this.sock.resume();
  }

  destroy(): void {
    this.sock.destroy();
  }
}

/** A TCP server answering our dialers with raw peers. */
export class RawServer {
  url = "";
  readonly peers: RawPeer[] = [];
  private waiters: (() => void)[] = [];
  private readonly server: net.Server;

  constructor(readonly proto: number) {
    this.server = net.createServer((sock) => {
      this.peers.push(new RawPeer(sock, proto));
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
  }

  listen(): Promise<this> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => {
        this.url = `tcp://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
        resolve(this);
      });
    });
  }

  /** Resolves with the n-th accepted peer (0-based) once its SP header arrived. */
  async peer(n = 0, ms = 5000): Promise<RawPeer> {
    const deadline = Date.now() + ms;
    while (this.peers.length <= n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`raw server: only ${this.peers.length} connections`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const p = this.peers[n]!;
    await within(p.ready, ms, "SP header from the dialer");
    return p;
  }

  close(): void {
    for (const p of this.peers) p.destroy();
    this.server.close();
  }
}

/** Sockets, raw peers and servers to release after each test. */
export class Bag {
  private sockets: Socket[] = [];
  private raws: (RawPeer | RawServer)[] = [];

  add<T extends Socket>(s: T): T {
    this.sockets.push(s);
    return s;
  }

  /** Connects a raw peer to a tcp:// URL; resolves once the SP headers were exchanged. */
  async connect(url: string, proto: number): Promise<RawPeer> {
    const m = /^tcp:\/\/([^:]+|\[[^\]]+\]):(\d+)$/.exec(url);
    if (!m) throw new Error(`not a tcp url: ${url}`);
    const sock = net.connect({ host: m[1]!.replace(/^\[|\]$/g, ""), port: Number(m[2]) });
    const p = new RawPeer(sock, proto);
    this.raws.push(p);
    await within(p.ready, 5000, "SP header from the listener");
    return p;
  }

  async server(proto: number): Promise<RawServer> {
    const s = new RawServer(proto);
    this.raws.push(s);
    return s.listen();
  }

  async close(): Promise<void> {
    const socks = this.sockets;
    const raws = this.raws;
    this.sockets = [];
    this.raws = [];
    for (const r of raws) r instanceof RawPeer ? r.destroy() : r.close();
    await Promise.all(socks.map((s) => s.close()));
  }
}

/** A raw-mode message with the given header words and body. */
export function msg(body: string | Uint8Array, ...words: number[]): Message {
  return new Message(typeof body === "string" ? Buffer.from(body) : body, words.length ? bytes(...words.map(u32)) : undefined);
}

/** Reads the header of a received raw Message as u32 words. */
export function words(h: Uint8Array): number[] {
  const out: number[] = [];
  const b = Buffer.from(h);
  for (let i = 0; i + 4 <= b.length; i += 4) out.push(b.readUInt32BE(i));
  return out;
}

export type Transport = "inproc" | "tcp";
export const TRANSPORTS: Transport[] = ["inproc", "tcp"];

/** A listening socket on a fresh address of transport `t`. */
export async function listening(bag: Bag, proto: ProtocolName, t: Transport, opts: SocketOptions = {}): Promise<Socket> {
  return bag.add(await socket(proto, { ...opts, listen: t === "tcp" ? TCP_ANY : inprocUrl(proto) }));
}

/** The URL a listening socket can be dialed at (tcp reports the bound port). */
export function urlOf(s: Socket): string {
  return s.listeners[0]!.url;
}

/**
 * A socket dialing `target` (quick redial); resolves once the dialer's pipe
 * is up and the listener has one more pipe than before.
 */
export async function dialing(bag: Bag, proto: ProtocolName, target: Socket, opts: SocketOptions = {}): Promise<Socket> {
  const before = target.pipeIds.length;
  const s = bag.add(await socket(proto, { "reconnect-time-min": 50, ...opts, dial: urlOf(target) }));
  await pipes(s, 1);
  await pipes(target, before + 1);
  return s;
}

/** First of several sockets to receive a message (the others' receives are cancelled, losing nothing). */
export async function firstOf(socks: Socket[], ms = 5000): Promise<{ s: Socket; m: Message }> {
  const ac = new AbortController();
  const t = setTimeout(() => ac.abort(), ms);
  try {
    return await Promise.any(socks.map((s) => s.recv({ mode: "message", signal: ac.signal }).then((m) => ({ s, m: m as Message }))));
  } finally {
    clearTimeout(t);
    ac.abort();
  }
}

/** Lets queued microtask deliveries (inproc) run to completion. */
export function settle(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
