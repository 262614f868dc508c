import http from "node:http";
import net from "node:net";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import { nngError, type NngError } from "../core/errors.js";
import { type NcurlResult, type Prepared, type Target } from "./client-options.js";
import { deadline, exchange, mapError, toResult, tlsOptions } from "./client-exchange.js";

/**
 * A keep-alive agent over exactly one connection, made before the first
 * request: it never dials again, so a session is one connection, as nng's
 * `nng_http_conn`.
 */
class OneConnectionAgent extends http.Agent {
  private sock: net.Socket | undefined;

  constructor(sock: net.Socket) {
    super({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
    this.sock = sock;
  }

  override createConnection(_opts: http.ClientRequestArgs, cb?: (err: Error | null, stream: Duplex) => void): Duplex | undefined {
    const s = this.sock;
    this.sock = undefined;
    if (!s || s.destroyed) {
      // The agent only asks again once the connection is gone.
      process.nextTick(() => cb?.(nngError("ECONNSHUT", "the session's connection is gone (closed by the server, or ended by a timeout or abort)"), undefined as unknown as Duplex));
      return undefined;
    }
    s.ref();
    return s;
  }

  /** Also destroys the connection if no request has taken it yet. */
  override destroy(): void {
    this.sock?.destroy();
    this.sock = undefined;
    super.destroy();
  }
}

function connect(t: Target, p: Prepared, signal: AbortSignal): Promise<net.Socket> {
  return new Promise<net.Socket>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as NngError);
    const sock = t.secure ? tls.connect({ ...tlsOptions(t, p), host: t.hostname, port: t.port }) : net.connect({ host: t.hostname, port: t.port });
    let settled = false;
    const done = (err: NngError | undefined) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      if (err) {
        sock.destroy();
        reject(err);
      } else resolve(sock);
    };
    const onAbort = () => done(signal.reason as NngError);
    const onError = (err: Error) => done(mapError(err));
    signal.addEventListener("abort", onAbort, { once: true });
    // Stays attached: errors of the idle connection surface on the next transact, never as a crash.
    sock.on("error", onError);
    sock.once(t.secure ? "secureConnect" : "connect", () => done(undefined));
  });
}

/**
 * Options of {@link NcurlSession.transact}.
 *
 * @example
 * ```ts
 * const res = await session.transact({ signal: AbortSignal.timeout(1000) });
 * ```
 */
export interface TransactOptions {
  /** Aborting rejects this transact with ECANCELED (and ends the session's connection, as a timeout does). */
  signal?: AbortSignal | undefined;
}

/**
 * A persistent HTTP(S) connection with a fixed request (nanonext's
 * `ncurlSession`), made by {@link ncurlSession}. Each {@link transact}
 * sends the request again over the same connection. A timeout or abort
 * during a transact ends the connection, as does the server closing it;
 * later transacts then reject with ECONNSHUT. {@link close} ends the
 * session; transacts after it reject with ECLOSED.
 *
 * @example
 * ```ts
 * const s = await ncurlSession("http://127.0.0.1:8080/poll", { timeout: 2000 });
 * for (let i = 0; i < 3; i++) console.log((await s.transact()).data);
 * s.close();
 * ```
 */
export class NcurlSession {
  private agent: OneConnectionAgent | undefined;
  private readonly closing = new AbortController();

  /** @internal Use {@link ncurlSession}. */
  constructor(
    private readonly target: Target,
    private readonly prepared: Prepared,
    sock: net.Socket,
  ) {
    this.agent = new OneConnectionAgent(sock);
    // An idle session must not keep the process alive; a transact refs the socket again.
    sock.unref();
  }

  /** @internal */
  static async open(target: Target, prepared: Prepared): Promise<NcurlSession> {
    const d = deadline(prepared.timeout, prepared.signal);
    try {
      return new NcurlSession(target, prepared, await connect(target, prepared, d.signal));
    } finally {
      d.clear();
    }
  }

  /** `"active"`, or `"closed"` after {@link close}. */
  get state(): "active" | "closed" {
    return this.agent ? "active" : "closed";
  }

  /**
   * Sends the session's request and returns the response, within the
   * session's `timeout` (each transact gets the whole timeout).
   * @throws {@link NngError} ECLOSED after close(), ECONNSHUT when the connection is gone, ETIMEDOUT, ECANCELED
   */
  async transact(opts: TransactOptions = {}): Promise<NcurlResult> {
    const agent = this.agent;
    if (!agent) throw nngError("ECLOSED", "the session is closed");
    const d = deadline(this.prepared.timeout, this.closing.signal, opts?.signal);
    try {
      return toResult(await exchange(this.target, this.prepared, d.signal, agent), this.prepared);
    } finally {
      d.clear();
    }
  }

  /** Closes the connection; a transact in progress rejects with ECLOSED. Idempotent. */
  close(): void {
    if (!this.agent) return;
    const agent = this.agent;
    this.agent = undefined;
    this.closing.abort(nngError("ECLOSED", "the session was closed"));
    agent.destroy();
  }

  /** `await using s = await ncurlSession(url)` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /** @internal */
  toString(): string {
    return this.agent ? "NcurlSession(transact() to return data)" : "NcurlSession(not active)";
  }
}
