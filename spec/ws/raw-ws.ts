/**
 * A byte-level WebSocket client for transport tests: it writes the upgrade
 * request exactly as given (so tests can send nng's empty request target,
 * bad subprotocols, …), then sends hand-made frames and decodes the server's.
 * Event driven; `destroyAllRawWs()` in `afterEach` releases every connection.
 */
import { randomBytes } from "node:crypto";
import net from "node:net";

const tracked = new Set<net.Socket>();

/** The request head of an upgrade; `target` is written verbatim (may be ""). */
export function upgradeRequest(opts: { target?: string; protocol?: string | undefined; host?: string; extra?: string[] } = {}): string {
  const lines = [
    `GET ${opts.target ?? "/"} HTTP/1.1`,
    `Host: ${opts.host ?? "127.0.0.1"}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`,
    "Sec-WebSocket-Version: 13",
  ];
  if (opts.protocol !== undefined) lines.push(`Sec-WebSocket-Protocol: ${opts.protocol}`);
  lines.push(...(opts.extra ?? []));
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/** One frame as a client (masked) or server (unmasked) sends it. */
export function wsFrame(opcode: number, payload: Uint8Array | string, opts: { fin?: boolean; mask?: boolean; length?: number } = {}): Buffer {
  const p = typeof payload === "string" ? Buffer.from(payload) : Buffer.from(payload);
  const len = opts.length ?? p.length;
  const mask = opts.mask ?? true;
  const head: number[] = [(opts.fin ?? true ? 0x80 : 0) | opcode];
  const m = mask ? 0x80 : 0;
  if (len < 126) head.push(m | len);
  else if (len < 65536) head.push(m | 126, len >> 8, len & 0xff);
  else {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(len));
    head.push(m | 127, ...b);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), p]);
  const key = randomBytes(4);
  const body = Buffer.from(p);
  for (let i = 0; i < body.length; i++) body[i]! ^= key[i & 3]!;
  return Buffer.concat([Buffer.from(head), key, body]);
}

/** A decoded server frame. */
export interface Frame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** A raw connection: the HTTP response, then frames. */
export class RawWs {
  private buf: Buffer = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  private ended = false;
  /** Resolves when the socket closes. */
  readonly closed: Promise<void>;

  private constructor(readonly sock: net.Socket) {
    tracked.add(sock);
    this.closed = new Promise((resolve) =>
      sock.once("close", () => {
        tracked.delete(sock);
        this.ended = true;
        this.wake?.();
        resolve();
      }),
    );
    sock.on("data", (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake?.();
    });
    sock.on("error", () => undefined);
  }

  /** Connects to 127.0.0.1:port and writes `head` (an upgrade request or any bytes). */
  static connect(port: number, head: string | Buffer): Promise<RawWs> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: "127.0.0.1", port });
      sock.once("error", reject);
      sock.once("connect", () => {
        sock.off("error", reject);
        sock.write(head);
        resolve(new RawWs(sock));
      });
    });
  }

  private async need(pred: () => boolean, what: string, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred()) {
      if (this.ended) throw new Error(`connection closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** The HTTP response status and headers (lower-case names). */
  async response(): Promise<{ status: number; headers: Record<string, string> }> {
    await this.need(() => this.buf.includes("\r\n\r\n"), "an HTTP response");
    const end = this.buf.indexOf("\r\n\r\n") + 4;
    const lines = this.buf.subarray(0, end - 4).toString("latin1").split("\r\n");
    this.buf = this.buf.subarray(end);
    const headers: Record<string, string> = {};
    for (const l of lines.slice(1)) {
      const c = l.indexOf(":");
      headers[l.slice(0, c).toLowerCase()] = l.slice(c + 1).trim();
    }
    const body = Number(headers["content-length"] ?? 0);
    if (body) {
      await this.need(() => this.buf.length >= body, "the response body");
      this.buf = this.buf.subarray(body);
    }
    return { status: Number(lines[0]!.split(" ")[1]), headers };
  }

  /** The next frame from the server. */
  async frame(ms = 5000): Promise<Frame> {
    let size = 0;
    let off = 0;
    let len = 0;
    await this.need(() => {
      if (this.buf.length < 2) return false;
      const l7 = this.buf[1]! & 0x7f;
      off = 2 + (l7 === 126 ? 2 : l7 === 127 ? 8 : 0) + (this.buf[1]! & 0x80 ? 4 : 0);
      if (this.buf.length < off) return false;
      len = l7 < 126 ? l7 : l7 === 126 ? this.buf.readUInt16BE(2) : Number(this.buf.readBigUInt64BE(2));
      size = off + len;
      return this.buf.length >= size;
    }, "a frame", ms);
    const f = { fin: (this.buf[0]! & 0x80) !== 0, opcode: this.buf[0]! & 0x0f, payload: Buffer.from(this.buf.subarray(off, size)) };
    this.buf = this.buf.subarray(size);
    return f;
  }

  /** Reads frames until a close frame; returns its status code. */
  async closeCode(): Promise<number> {
    for (;;) {
      const f = await this.frame();
      if (f.opcode === 0x8) return f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
    }
  }

  send(bytes: Buffer): void {
    this.sock.write(bytes);
  }

  destroy(): void {
    this.sock.destroy();
  }
}

/** Destroys every raw connection still open. */
export function destroyAllRawWs(): void {
  for (const s of tracked) s.destroy();
  tracked.clear();
}
