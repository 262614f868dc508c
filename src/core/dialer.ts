import { nngError, type NngError } from "./errors.js";
import { countFailure, newEndpointCounters } from "./stats.js";
import { nextEndpointId } from "./ids.js";
import { checkOption, checkReadable, DIALER_OPTIONS, type EndpointConfig, lookupOption, type OptionValue, unknownOption } from "./options.js";
import type { Pipe } from "./pipe.js";
import type { SpUrl } from "./url.js";
import type { TransportDialer, TransportPipe } from "../transport/transport.js";
import { transportFor } from "../transport/registry.js";
import type { ProtocolInfo } from "../protocol/protocol.js";

/** What a dialer needs from its socket. @internal */
export interface DialerHost {
  readonly selfId: number;
  readonly info: ProtocolInfo;
  readonly socketId: number;
  /** Hands a connected pipe to the protocol; null when it was rejected. */
  attach(tp: TransportPipe, endpoint: number, onClose: () => void): Pipe | null;
  dialerClosed(d: Dialer): void;
}

/**
 * Dialer state, as nanonext reports it.
 * @example
 * ```ts
 * const d = await s.dial(url, { autostart: false });
 * console.log(d.state); // "not started"
 * ```
 */
export type EndpointState = "not started" | "started" | "closed";

/**
 * Connects to one address and keeps one connection up: after a failure or a
 * lost connection it redials after a random wait in [0, cur), where cur starts
 * at `reconnect-time-min` (1000 ms) and doubles up to `reconnect-time-max`
 * (0 = no growth), resetting once a pipe is accepted — nng's algorithm.
 *
 * @example
 * ```ts
 * const d = await dial(sock, "tcp://127.0.0.1:5555", { autostart: false });
 * d.setOpt("reconnect-time-min", 100);
 * await d.start({ async: false }); // rejects ECONNREFUSED if nobody listens
 * ```
 */
export class Dialer {
  /** Unique id of this endpoint. */
  readonly id = nextEndpointId();
  /** The URL dialed. */
  readonly url: string;
  private _state: EndpointState = "not started";
  /** @internal */
  readonly config: EndpointConfig;
  /** `reconnect-time-min` in ms: the first retry delay. */
  reconnectMin: number;
  /** `reconnect-time-max` in ms: the back-off cap (0: no growth). */
  reconnectMax: number;
  private cur = 0;
  private readonly td: TransportDialer;
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private pipe: Pipe | null = null;
  private connecting = false;
  private readonly counters = newEndpointCounters();

  /** @internal */
  constructor(
    private readonly host: DialerHost,
    url: SpUrl,
    config: EndpointConfig,
    reconnect: { min: number; max: number },
  ) {
    this.url = url.url;
    this.config = config;
    this.reconnectMin = reconnect.min;
    this.reconnectMax = reconnect.max;
    this.td = transportFor(url).dialer({ url, self: host.selfId, info: host.info, config });
  }

  /** `"not started"`, `"started"` or `"closed"`. */
  get state(): EndpointState {
    return this._state;
  }

  /**
   * Starts dialing. With `async` (default) it returns at once and connects in
   * the background; with `async: false` it waits for the first connection and
   * rejects (closing the dialer) if that fails, e.g. ECONNREFUSED.
   */
  async start(opts: { async?: boolean } = {}): Promise<void> {
    if (this._state === "closed") throw nngError("ECLOSED");
    if (this._state === "started") throw nngError("ESTATE", "dialer already started");
    this._state = "started";
    this.cur = this.reconnectMin;
    if (opts.async ?? true) {
      this.attempt();
      return;
    }
    try {
      await this.connectOnce();
    } catch (err) {
      this.close();
      throw err;
    }
    // A pipe the protocol refused (wrong peer, pair busy) is not a dial error in nng: redial.
    if (!this.pipe) this.scheduleRedial();
  }

  private async connectOnce(): Promise<void> {
    this.connecting = true;
    try {
      let tp: TransportPipe;
      try {
        tp = await this.td.connect(this.abort.signal);
      } catch (err) {
        countFailure(this.counters, (err as NngError).code);
        throw err;
      }
      if (this._state === "closed") {
        tp.close();
        throw nngError("ECLOSED");
      }
      this.attachPipe(tp);
    } finally {
      this.connecting = false;
    }
  }

  private attempt(): void {
    this.timer = undefined;
    if (this._state !== "started" || this.connecting || this.pipe) return;
    this.connectOnce().then(
      () => {
        if (!this.pipe) this.scheduleRedial();
      },
      () => this.scheduleRedial(),
    );
  }

  private attachPipe(tp: TransportPipe): void {
    const p = this.host.attach(tp, this.id, () => {
      this.pipe = null;
      this.counters.disconnect++;
      this.scheduleRedial();
    });
    if (p) {
      this.pipe = p;
      this.counters.made++;
      this.cur = this.reconnectMin;
    } else {
      this.counters.reject++;
    }
  }

  private scheduleRedial(): void {
    if (this._state !== "started" || this.timer || this.connecting || this.pipe) return;
    const wait = Math.floor(Math.random() * Math.max(1, this.cur));
    if (this.reconnectMax > 0) this.cur = Math.min(this.cur * 2, this.reconnectMax);
    this.timer = setTimeout(() => this.attempt(), wait);
  }

  /**
   * A statistic by nng's name: `id`, `socket`, `url`, `pipes`, `connect`,
   * `reject`, `refused`, `timedout`, `protocol`, `other`, `disconnect`.
   */
  stat(name: string): number | string | undefined {
    const c = this.counters;
    const table: Record<string, number | string> = {
      id: this.id,
      socket: this.host.socketId,
      url: this.url,
      pipes: this.pipe ? 1 : 0,
      connect: c.made,
      reject: c.reject,
      refused: c.refused,
      timedout: c.timedout,
      protocol: c.proto,
      other: c.other,
      disconnect: c.disconnect,
    };
    return Object.hasOwn(table, name) ? table[name] : undefined;
  }

  /** Reads an option: `url`, `recv-size-max`, `reconnect-time-min/max`, `tcp-nodelay`, `tcp-keepalive`. */
  opt(name: string): OptionValue {
    const spec = lookupOption(DIALER_OPTIONS, name);
    if (!spec) throw unknownOption(name);
    checkReadable(name, spec);
    switch (name) {
      case "url":
        return this.url;
      case "recv-size-max":
        return this.config.recvSizeMax;
      case "reconnect-time-min":
        return this.reconnectMin;
      case "reconnect-time-max":
        return this.reconnectMax;
      case "tcp-nodelay":
        return this.config.tcpNoDelay;
      default:
        return this.config.tcpKeepAlive;
    }
  }

  /** Sets an option (validated: ENOTSUP unknown, EBADTYPE wrong type, EREADONLY, EINVAL). */
  setOpt(name: string, value: unknown): void {
    const spec = lookupOption(DIALER_OPTIONS, name);
    if (!spec) throw unknownOption(name);
    const v = checkOption(name, spec, value);
    this.apply(name, v);
  }

  /** @internal */
  apply(name: string, v: OptionValue): void {
    if (name === "recv-size-max") this.config.recvSizeMax = v as number;
    else if (name === "reconnect-time-min") this.reconnectMin = v as number;
    else if (name === "reconnect-time-max") this.reconnectMax = v as number;
    else if (name === "tcp-nodelay") this.config.tcpNoDelay = v as boolean;
    else if (name === "tcp-keepalive") this.config.tcpKeepAlive = v as boolean;
  }

  /** Stops dialing and closes its connection. Idempotent. */
  close(): void {
    if (this._state === "closed") return;
    this._state = "closed";
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort();
    this.td.close();
    this.pipe?.close();
    this.pipe = null;
    this.host.dialerClosed(this);
  }

  /** Same as {@link Dialer.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /** @internal */
  toString(): string {
    return `Dialer(${this.id}, ${this.url}, ${this._state})`;
  }
}

