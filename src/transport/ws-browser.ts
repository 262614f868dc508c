import { nngError, type NngError } from "../core/errors.js";
import { Message } from "../core/message.js";
import type { PipeHandlers, Transport, TransportDialer, TransportInit, TransportPipe } from "./transport.js";

// SP over the platform WebSocket (browsers, Deno, Node ≥ 22): dial only. Same
// wire as ws.ts: one SP message = one binary WebSocket message (header then
// body), subprotocol `<listener's protocol>.sp.nanomsg.org`. What a browser
// cannot do, and what differs from ws.ts because of it:
// - no listeners (ENOTSUP);
// - a failed upgrade does not say why: connection refused, HTTP 404 and a
//   refused subprotocol all surface as ECONNREFUSED;
// - messages are read whole, so `recv-size-max` is checked after receipt,
//   and nng's 1 MiB `ws:rxframe-max` cannot be enforced;
// - the browser decides fragmentation: a message over 1 MiB sent to an nng
//   listener may be refused by it (close 1009);
// - scripts may only send close codes 1000 and 3000–4999: protocol errors
//   close with 1000 and are reported locally.

/** The part of the WHATWG WebSocket used here (the project compiles without the DOM lib). */
interface PlatformWebSocket {
  binaryType: string;
  readonly readyState: number;
  readonly protocol: string;
  readonly bufferedAmount: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

type PlatformWebSocketClass = new (url: string, protocols: string[]) => PlatformWebSocket;

const OPEN = 1;
const CLOSING = 2;

/** How long an upgrade may take before the attempt fails with ETIMEDOUT (as the Node transport). */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/** Bytes the browser may buffer before `send` asks the caller to wait for drain. */
const SEND_HWM = 1024 * 1024;

/** How often a pipe waiting for drain looks at `bufferedAmount` (browsers have no drain event). */
const DRAIN_POLL_MS = 5;

function platformWebSocket(): PlatformWebSocketClass | undefined {
  return (globalThis as { WebSocket?: PlatformWebSocketClass }).WebSocket;
}

/**
 * One SP pipe over a platform WebSocket. Messages received before `start`
 * or while paused are held (a WebSocket cannot be paused; the SP peer is
 * slowed only by the protocol's own queues).
 * @internal
 */
export class BrowserWsPipe implements TransportPipe {
  readonly localAddress = "";
  private handlers: PipeHandlers | undefined;
  private inbox: Message[] = [];
  private head = 0;
  private paused = true;
  private closed = false;
  private delivering = false;
  private closeErr: NngError | undefined;
  private drainTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly ws: PlatformWebSocket,
    readonly transport: string,
    readonly peer: number,
    readonly remoteAddress: string,
    private readonly recvSizeMax: () => number,
  ) {
    ws.onmessage = (ev) => {
      if (this.closed) return;
      const data = ev.data;
      if (!(data instanceof ArrayBuffer)) {
        this.shutdown(nngError("EPROTO", "text frame on an SP WebSocket"));
        return;
      }
      const max = this.recvSizeMax();
      if (max > 0 && data.byteLength > max) {
        this.shutdown(nngError("EMSGSIZE", `message of ${data.byteLength} bytes exceeds recv-size-max ${max}`));
        return;
      }
      this.inbox.push(new Message(new Uint8Array(data)));
      this.deliver();
    };
    ws.onerror = () => undefined; // a close event follows and reports it
    ws.onclose = () => this.shutdown(nngError("ECONNSHUT"));
  }

  start(h: PipeHandlers): void {
    if (this.closed) {
      const err = this.closeErr;
      queueMicrotask(() => h.closed(err));
      return;
    }
    this.handlers = h;
    queueMicrotask(() => this.resume());
  }

  send(header: Uint8Array, body: Uint8Array): boolean {
    if (this.closed || this.ws.readyState !== OPEN) return true;
    let payload = body;
    if (header.length) {
      payload = new Uint8Array(header.length + body.length);
      payload.set(header, 0);
      payload.set(body, header.length);
    }
    this.ws.send(payload);
    if (this.ws.bufferedAmount <= SEND_HWM) return true;
    this.watchDrain();
    return false;
  }

  private watchDrain(): void {
    if (this.drainTimer !== undefined) return;
    const poll = () => {
      this.drainTimer = undefined;
      if (this.closed) return;
      if (this.ws.bufferedAmount > SEND_HWM / 2) {
        this.drainTimer = setTimeout(poll, DRAIN_POLL_MS);
        return;
      }
      this.handlers?.drain();
    };
    this.drainTimer = setTimeout(poll, DRAIN_POLL_MS);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused || this.closed) return;
    this.paused = false;
    this.deliver();
  }

  close(): void {
    this.shutdown(undefined);
  }

  private deliver(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      while (!this.paused && !this.closed && this.handlers && this.head < this.inbox.length) {
        const m = this.inbox[this.head]!;
        this.inbox[this.head++] = undefined!;
        this.handlers.message(m);
      }
      if (this.head === this.inbox.length) {
        this.inbox = [];
        this.head = 0;
      }
    } finally {
      this.delivering = false;
    }
  }

  private shutdown(err: NngError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.closeErr = err;
    this.inbox = [];
    this.head = 0;
    if (this.drainTimer !== undefined) clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
    const ws = this.ws;
    ws.onmessage = null;
    ws.onclose = null;
    if (ws.readyState < CLOSING) ws.close(1000);
    const h = this.handlers;
    this.handlers = undefined;
    h?.closed(err);
  }
}

class BrowserWsDialer implements TransportDialer {
  private readonly connecting = new Set<PlatformWebSocket>();

  constructor(
    private readonly init: TransportInit,
    private readonly secure: boolean,
  ) {}

  connect(signal: AbortSignal): Promise<TransportPipe> {
    const { url, config, info } = this.init;
    const WS = platformWebSocket();
    if (!WS) return Promise.reject(nngError("ENOTSUP", "this environment has no WebSocket"));
    const host = url.host.includes(":") ? `[${url.host}]` : url.host;
    const port = url.port ?? (this.secure ? 443 : 80);
    // Always at least "/", as ws.ts (libnng dialers send an empty target otherwise).
    const target = `${this.secure ? "wss" : "ws"}://${host}:${port}${url.path || "/"}`;
    const subprotocol = `${info.peerName}.sp.nanomsg.org`;
    if (signal.aborted) return Promise.reject(nngError("ECLOSED"));
    return new Promise<TransportPipe>((resolve, reject) => {
      let ws: PlatformWebSocket;
      try {
        ws = new WS(target, [subprotocol]);
      } catch (err) {
        reject(nngError("EADDRINVAL", `cannot open a WebSocket to ${target}: ${(err as Error)?.message ?? err}`, err));
        return;
      }
      ws.binaryType = "arraybuffer";
      this.connecting.add(ws);
      let settled = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (err: NngError | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.connecting.delete(ws);
        signal.removeEventListener("abort", onAbort);
        ws.onopen = ws.onclose = null;
        ws.onerror = () => undefined; // some WebSocket implementations throw an error nobody listens for
        if (err) {
          if (ws.readyState < CLOSING) ws.close(1000);
          reject(err);
          return;
        }
        resolve(new BrowserWsPipe(ws, url.scheme.replace(/[46]$/, ""), info.peer, `${host}:${port}`, () => config.recvSizeMax));
      };
      const onAbort = () => finish(nngError("ECLOSED"));
      signal.addEventListener("abort", onAbort, { once: true });
      timer = setTimeout(() => finish(nngError("ETIMEDOUT", `WebSocket upgrade to ${target} timed out`)), HANDSHAKE_TIMEOUT_MS);
      // Browsers hide why an upgrade failed (refused, 404, wrong subprotocol): nng maps the first two to ECONNREFUSED.
      ws.onerror = () => finish(nngError("ECONNREFUSED", `WebSocket connection to ${target} failed`));
      ws.onclose = () => finish(nngError("ECONNREFUSED", `WebSocket connection to ${target} failed`));
      ws.onopen = () => {
        if (ws.protocol !== subprotocol) finish(nngError("EPROTO", `server chose subprotocol "${ws.protocol}", not ${subprotocol}`));
        else finish(undefined);
      };
    });
  }

  close(): void {
    for (const ws of this.connecting) ws.close(1000);
    this.connecting.clear();
  }
}

function browserTransport(secure: boolean): Transport {
  const scheme = secure ? "wss" : "ws";
  return {
    dialer: (init: TransportInit): TransportDialer => {
      if (!init.url.host) throw nngError("EADDRINVAL", `${init.url.scheme} dial needs a host: ${init.url.url}`);
      return new BrowserWsDialer(init, secure);
    },
    listener: () => {
      throw nngError("ENOTSUP", `${scheme}:// listeners need Node: a browser can only dial`);
    },
  };
}

/** SP over the platform WebSocket (`ws://`), dial only. @internal */
export const browserWsTransport: Transport = browserTransport(false);

/** SP over the platform WebSocket in TLS (`wss://`), dial only; the browser checks the certificate. @internal */
export const browserWssTransport: Transport = browserTransport(true);
