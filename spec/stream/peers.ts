// Plain Node peers for stream tests: a net/tls server that hands over its
// connections, byte collectors, and cleanup of everything opened.
import net from "node:net";
import type tls from "node:tls";
import type { Stream } from "../../src/stream/stream.js";

/** Everything a test opened, closed in afterEach. */
export class Opened {
  private readonly streams: Stream[] = [];
  private readonly servers: net.Server[] = [];
  private readonly sockets: net.Socket[] = [];

  stream<S extends Stream>(s: S): S {
    this.streams.push(s);
    return s;
  }

  server<S extends net.Server>(s: S): S {
    this.servers.push(s);
    return s;
  }

  socket<S extends net.Socket>(s: S): S {
    this.sockets.push(s);
    s.on("error", () => undefined);
    return s;
  }

  async closeAll(): Promise<void> {
    for (const s of this.sockets.splice(0)) s.destroy();
    await Promise.all(this.streams.splice(0).map((s) => s.close()));
    await Promise.all(
      this.servers.splice(0).map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))),
    );
  }
}

/** A listening server on `where` (port 0 or an ipc path) whose connections arrive through `next()`. */
export async function serve(opened: Opened, server: net.Server | tls.Server, where: net.ListenOptions, event = "connection"): Promise<{ url: (scheme: string) => string; next: () => Promise<net.Socket> }> {
  opened.server(server);
  const waiting: ((s: net.Socket) => void)[] = [];
  const ready: net.Socket[] = [];
  server.on(event, (s: net.Socket) => {
    opened.socket(s);
    const w = waiting.shift();
    if (w) w(s);
    else ready.push(s);
  });
  await new Promise<void>((resolve) => server.listen(where, () => resolve()));
  const addr = server.address();
  return {
    url: (scheme) => (typeof addr === "string" ? `${scheme}://${addr}` : `${scheme}://127.0.0.1:${addr!.port}`),
    next: () => {
      const s = ready.shift();
      return s ? Promise.resolve(s) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

/** Resolves with the next `n` bytes read from a Node socket (then stops listening). */
export function readBytes(sock: net.Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let have = 0;
    const onData = (b: Buffer) => {
      parts.push(b);
      have += b.length;
      if (have >= n) {
        sock.off("data", onData);
        sock.off("end", onEnd);
        const all = Buffer.concat(parts);
        if (all.length > n) sock.unshift(all.subarray(n));
        resolve(all.subarray(0, n));
      }
    };
    const onEnd = () => reject(new Error(`peer ended after ${have} of ${n} bytes`));
    sock.on("data", onData);
    sock.once("end", onEnd);
  });
}

/** Receives from a stream until `n` bytes have arrived; returns them and the chunk sizes seen. */
export async function recvBytes(s: Stream, n: number, timeout = 10_000): Promise<{ bytes: Uint8Array; sizes: number[] }> {
  const out = new Uint8Array(n);
  const sizes: number[] = [];
  let off = 0;
  while (off < n) {
    const c = await s.recv({ timeout });
    if (off + c.length > n) throw new Error(`got ${off + c.length} bytes, expected ${n}`);
    out.set(c, off);
    off += c.length;
    sizes.push(c.length);
  }
  return { bytes: out, sizes };
}

/** Deterministic test bytes: byte i is (i * 31 + seed) & 0xff. */
export function pattern(n: number, seed = 7): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/** Resolves when the socket has closed. */
export function closed(sock: net.Socket): Promise<void> {
  return sock.closed ? Promise.resolve() : new Promise((resolve) => sock.once("close", () => resolve()));
}

/** A tcp URL nobody listens on (a port just released). */
export async function deadTcpUrl(): Promise<string> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", () => resolve()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `tcp://127.0.0.1:${port}`;
}

/** Starts a listening stream and resolves with its bound URL as soon as it is known, plus the pending stream. */
export function listening(start: (onListening: (url: string) => void) => Promise<Stream>): Promise<{ url: string; accepted: Promise<Stream> }> {
  return new Promise((resolve, reject) => {
    let accepted: Promise<Stream> | undefined = undefined;
    accepted = start((url) => queueMicrotask(() => resolve({ url, accepted: accepted! })));
    accepted.catch(reject);
  });
}
