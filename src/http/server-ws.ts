/**
 * Plain WebSocket endpoints of {@link httpServer} ({@link handlerWs}): the
 * connection object handlers see, and the upgrade itself (done by the `ws`
 * package on a connection the shared server has already read the head of).
 * @module
 */
import type http from "node:http";
import type net from "node:net";
import WebSocket, { WebSocketServer } from "ws";
import { nngError } from "../core/errors.js";
import { CLOSE_TIMEOUT_MS } from "../transport/ws-pipe.js";
import type { UpgradeRequest } from "../transport/ws-upgrade.js";
import type { WsHandler, WsRequest } from "./handlers.js";

type Pending = { data: string | Uint8Array; resolve: (v: 0) => void; reject: (e: Error) => void };

/**
 * One WebSocket connection of a {@link handlerWs} endpoint, as nanonext's
 * `ws` object: `send()`, `close()` and a server-wide unique `id`. Keep it
 * (by `id`) to send to the client later, e.g. to broadcast.
 *
 * @example
 * ```ts
 * const clients = new Map<number, WsConnection>();
 * const chat = handlerWs("/chat", (_ws, msg) => { for (const c of clients.values()) c.send(msg).catch(() => {}); }, {
 *   onOpen: (ws) => void clients.set(ws.id, ws),
 *   onClose: (ws) => void clients.delete(ws.id),
 *   textframes: true,
 * });
 * ```
 */
export class WsConnection {
  /** Unique among every WebSocket and stream connection of the server. */
  readonly id: number;
  private ws: WebSocket | undefined;
  private state: "opening" | "open" | "closed" = "opening";
  private readonly queued: Pending[] = [];
  /** Set when `close()` was called before the upgrade completed. @internal */
  refused = false;
  /** Resolves once the connection is closed and `onClose` has run. @internal */
  readonly done: Promise<void>;
  private finish!: () => void;
  private over = false;

  /** @internal Made by the server. */
  constructor(
    id: number,
    private readonly textframes: boolean,
    private readonly onClose: ((ws: WsConnection) => void) | undefined,
  ) {
    this.id = id;
    this.done = new Promise((resolve) => (this.finish = resolve));
  }

  /** The upgrade completed. @internal */
  get attached(): boolean {
    return this.ws !== undefined;
  }

  /** True once the connection is closed (or closing): `send()` then rejects. */
  get closed(): boolean {
    return this.state === "closed";
  }

  /**
   * Sends one message: a string or bytes, as a binary frame (a text frame
   * with `textframes`). Resolves to 0 once written, as nanonext's
   * `ws$send()` returns 0; rejects with `ECLOSED` once the connection is
   * closed. Sends from `onOpen` go out as soon as the upgrade completes.
   *
   * @example
   * ```ts
   * await ws.send(new Uint8Array([1, 2, 3]));
   * ```
   */
  send(data: string | Uint8Array): Promise<0> {
    if (typeof data !== "string" && !(data instanceof Uint8Array)) return Promise.reject(nngError("EINVAL", "send takes a string or bytes"));
    if (this.state === "closed") return Promise.reject(nngError("ECLOSED", `ws connection ${this.id} is closed`));
    return new Promise((resolve, reject) => {
      if (this.state === "opening") this.queued.push({ data, resolve, reject });
      else this.write({ data, resolve, reject });
    });
  }

  /**
   * Closes the connection (close code 1000). In `onOpen` it refuses the
   * upgrade instead: the client gets HTTP 403. Idempotent.
   *
   * @example
   * ```ts
   * handlerWs("/ws", () => undefined, { onOpen: (ws, req) => { if (!req.headers["cookie"]) ws.close(); } });
   * ```
   */
  close(): void {
    this.shutdown(1000);
  }

  /** Closes with `code`; the server uses 1001 (going away) and does not wait for a pending `onOpen`. @internal */
  shutdown(code: number): void {
    if (this.state === "closed") return;
    const was = this.state;
    this.state = "closed";
    this.rejectQueued();
    if (was !== "opening") this.ws?.close(code);
    else if (code === 1000) this.refused = true;
    else this.aborted();
  }

  /** The upgrade completed: start delivering. @internal */
  attach(ws: WebSocket, onMessage: WsHandler["onMessage"]): void {
    this.ws = ws;
    ws.on("error", () => undefined);
    ws.once("close", () => this.ended());
    this.state = "open";
    for (const p of this.queued.splice(0)) this.write(p);
    ws.on("message", (data: Buffer) => {
      const msg = this.textframes ? data.toString("utf8") : data;
      try {
        const r = onMessage(this, msg);
        if (r instanceof Promise) r.catch(() => undefined);
      } catch {
        // A failing callback loses only its own message, as in nanonext.
      }
    });
    // The shared server paused the socket while it read the request head.
    ws.resume();
  }

  /** The connection never opened (refused, or the socket died during the upgrade). @internal */
  aborted(): void {
    this.state = "closed";
    this.rejectQueued();
    this.ended();
  }

  private ended(): void {
    if (this.over) return;
    this.over = true;
    if (this.state !== "closed") {
      this.state = "closed";
      this.rejectQueued();
    }
    try {
      this.onClose?.(this);
    } catch {
      // Ignored: the connection is gone either way.
    }
    this.finish();
  }

  private write(p: Pending): void {
    const ws = this.ws!;
    if (ws.readyState !== WebSocket.OPEN) return p.reject(nngError("ECLOSED", `ws connection ${this.id} is closed`));
    ws.send(p.data, { binary: !this.textframes }, (err) => (err ? p.reject(nngError("ECLOSED", err.message, err)) : p.resolve(0)));
  }

  private rejectQueued(): void {
    for (const p of this.queued.splice(0)) p.reject(nngError("ECLOSED", `ws connection ${this.id} is closed`));
  }
}

/** True for a request asking to become a WebSocket. @internal */
export function isWsUpgrade(head: UpgradeRequest): boolean {
  return (head.headers["upgrade"] ?? "").toLowerCase() === "websocket";
}

/** What a ws endpoint needs from its server. @internal */
export interface WsHost {
  /** The next server-wide connection id. */
  nextId(): number;
  /** Whether the server still serves. */
  readonly serving: boolean;
  /** Keeps the connection until it ends (so the server's close can end it). */
  track(conn: WsConnection): void;
}

const CONN = Symbol("nanonext.wsConn");
type FakeReq = http.IncomingMessage & { [CONN]?: WsConnection };

/**
 * Runs the upgrades of one {@link handlerWs} endpoint.
 * @internal
 */
export class WsEndpoint {
  private readonly wss: WebSocketServer;

  constructor(
    private readonly h: WsHandler,
    private readonly host: WsHost,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      clientTracking: false,
      closeTimeout: CLOSE_TIMEOUT_MS,
      // Runs after ws has validated the handshake: onOpen decides.
      verifyClient: (info: { req: http.IncomingMessage }, cb: (ok: boolean, code?: number, message?: string) => void) => {
        const conn = (info.req as FakeReq)[CONN]!;
        this.open(conn, info.req, cb).catch(() => {
          conn.aborted();
          info.req.socket.destroy();
        });
      },
    } as WebSocket.ServerOptions);
  }

  /** Takes an upgrade request read by the shared server. */
  upgrade(head: UpgradeRequest, sock: net.Socket, rest: Buffer): void {
    const conn = new WsConnection(this.host.nextId(), this.h.textframes, this.h.onClose);
    const fake = { method: head.method, url: head.target, headers: head.headers, socket: sock, [CONN]: conn } as unknown as FakeReq;
    this.wss.handleUpgrade(fake, sock, rest, (ws) => {
      if (!this.host.serving) {
        conn.aborted();
        ws.terminate();
        return;
      }
      conn.attach(ws, this.h.onMessage);
    });
  }

  private async open(conn: WsConnection, req: http.IncomingMessage, cb: (ok: boolean, code?: number, message?: string) => void): Promise<void> {
    if (!this.host.serving) return cb(false, 503);
    this.host.track(conn);
    const info: WsRequest = { uri: req.url ?? "/", headers: { ...(req.headers as Record<string, string>) } };
    try {
      await this.h.onOpen?.(conn, info);
    } catch {
      conn.aborted();
      return cb(false, 500);
    }
    if (conn.refused || conn.closed || !this.host.serving) {
      conn.aborted();
      return cb(false, this.host.serving ? 403 : 503);
    }
    cb(true);
    // ws completes the upgrade synchronously, or destroys a socket that died meanwhile.
    if (!conn.attached) conn.aborted();
  }
}
