/**
 * Raw byte-level SP peers for transport tests: a net.Socket client that talks
 * to our listeners, and a net.Server that answers our dialers. Everything is
 * event driven (no sleeps); every connection and server is tracked so one
 * `destroyAllRaw()` in `afterEach` releases them.
 */
import net from "node:net";
import { parseUrl } from "../../src/core/url.js";

const tracked = new Set<{ destroy(): void }>();

/** The 8-byte SP header for a protocol id. */
export function spHeader(proto: number): Buffer {
  return Buffer.from([0x00, 0x53, 0x50, 0x00, (proto >> 8) & 0xff, proto & 0xff, 0x00, 0x00]);
}

/** One frame: `[0x01] u64be(len) payload`. */
export function frame(payload: Uint8Array | string, ipc = false): Buffer {
  const p = typeof payload === "string" ? Buffer.from(payload) : Buffer.from(payload);
  const pre = Buffer.alloc(ipc ? 9 : 8);
  if (ipc) pre[0] = 0x01;
  pre.writeBigUInt64BE(BigInt(p.length), ipc ? 1 : 0);
  return Buffer.concat([pre, p]);
}

/** Connect options (tcp host/port or ipc path) for an SP URL. */
export function connectOptions(url: string): net.NetConnectOpts {
  const u = parseUrl(url);
  if (u.transport === "tcp") return { host: u.host || "127.0.0.1", port: u.port! };
  if (u.transport === "ipc") return { path: u.host };
  throw new Error(`no raw connection to ${url}`);
}

/** A raw client or accepted connection with a byte inbox. */
export class RawConn {
  private buf: Buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  private isClosed = false;
  /** Resolves once the socket emitted 'close' (the other side closed or reset it). */
  readonly closed: Promise<void>;
  /** True once the socket saw 'end' or an error such as ECONNRESET. */
  sawEnd = false;
  error: Error | undefined;

  constructor(readonly sock: net.Socket) {
    tracked.add(this);
    this.closed = new Promise((resolve) => {
      sock.once("close", () => {
        this.isClosed = true;
        tracked.delete(this);
        this.wake();
        resolve();
      });
    });
    sock.on("data", (d: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      this.wake();
    });
    sock.on("end", () => (this.sawEnd = true));
    sock.on("error", (err) => {
      this.sawEnd = true;
      this.error = err;
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** True once 'close' fired. */
  get isDone(): boolean {
    return this.isClosed;
  }

  /** Bytes received and not yet read. */
  get pending(): Buffer {
    return this.buf;
  }

  /** Resolves with exactly `n` bytes (consumed); rejects if the socket closes first. */
  async read(n: number, ms = 10_000): Promise<Buffer> {
    const deadline = Date.now() + ms;
    while (this.buf.length < n) {
      if (this.isClosed) throw new Error(`connection closed after ${this.buf.length} of ${n} bytes`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${n} bytes (have ${this.buf.length})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** Reads one frame (tcp or ipc layout) and returns its payload. */
  async readFrame(ipc = false): Promise<Buffer> {
    const pre = await this.read(ipc ? 9 : 8);
    if (ipc && pre[0] !== 0x01) throw new Error(`bad ipc type byte ${pre[0]}`);
    const len = Number(pre.readBigUInt64BE(ipc ? 1 : 0));
    return this.read(len);
  }

  write(b: Uint8Array | string): void {
    this.sock.write(b);
  }

  /** Resolves once closed; rejects after `ms` (guard against hangs only). */
  async waitClosed(ms = 10_000): Promise<void> {
    let t: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.closed,
        new Promise<never>((_, reject) => {
          t = setTimeout(() => reject(new Error("the connection was not closed")), ms);
        }),
      ]);
    } finally {
      clearTimeout(t);
    }
  }

  destroy(): void {
    this.sock.destroy();
  }
}

/** Connects a raw client to an SP tcp:// or ipc:// URL. */
export function rawConnect(url: string): Promise<RawConn> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(connectOptions(url));
    const conn = new RawConn(sock);
    const onErr = (err: Error) => reject(err);
    sock.once("error", onErr);
    sock.once("connect", () => {
      sock.off("error", onErr);
      resolve(conn);
    });
  });
}

/** A raw server for dialer tests; `url` is the SP URL to dial. */
export class RawServer {
  readonly server: net.Server;
  readonly conns: RawConn[] = [];
  url = "";
  private waiters: (() => void)[] = [];

  constructor(onConn: (c: RawConn) => void) {
    this.server = net.createServer((sock) => {
      const c = new RawConn(sock);
      this.conns.push(c);
      onConn(c);
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
    tracked.add(this);
  }

  listen(path?: string): Promise<this> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      const done = () => {
        this.server.off("error", reject);
        const a = this.server.address();
        this.url = typeof a === "string" ? `ipc://${a}` : `tcp://127.0.0.1:${(a as net.AddressInfo).port}`;
        resolve(this);
      };
      if (path) this.server.listen(path, done);
      else this.server.listen(0, "127.0.0.1", done);
    });
  }

  /** Resolves once `n` connections have been accepted in total. */
  async connections(n: number, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.conns.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`only ${this.conns.length} of ${n} connections arrived`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  destroy(): void {
    tracked.delete(this);
    for (const c of this.conns) c.destroy();
    this.server.close();
  }

  close(): Promise<void> {
    tracked.delete(this);
    for (const c of this.conns) c.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Destroys every raw connection and server still open. */
export function destroyAllRaw(): void {
  for (const t of [...tracked]) t.destroy();
  tracked.clear();
}

export { freePort } from "./addr.js";
