import { nngError } from "./errors.js";
import { countFailure, newEndpointCounters } from "./stats.js";
import { nextEndpointId } from "./ids.js";
import { checkOption, checkReadable, type EndpointConfig, LISTENER_OPTIONS, lookupOption, type OptionValue, unknownOption } from "./options.js";
import type { Pipe } from "./pipe.js";
import type { SpUrl } from "./url.js";
import type { TransportListener, TransportPipe } from "../transport/transport.js";
import { transportFor } from "../transport/registry.js";
import type { ProtocolInfo } from "../protocol/protocol.js";
import type { EndpointState } from "./dialer.js";

/** What a listener needs from its socket. @internal */
export interface ListenerHost {
  readonly selfId: number;
  readonly info: ProtocolInfo;
  readonly socketId: number;
  attach(tp: TransportPipe, endpoint: number, onClose: () => void): Pipe | null;
  listenerClosed(l: Listener): void;
}

/**
 * Accepts connections on one address, any number of them. After binding to
 * port 0, `url` reports the real port.
 *
 * @example
 * ```ts
 * const l = await listen(sock, "tcp://127.0.0.1:0");
 * console.log(l.url); // tcp://127.0.0.1:40123
 * ```
 */
export class Listener {
  /** Unique id of this endpoint. */
  readonly id = nextEndpointId();
  private _state: EndpointState = "not started";
  /** @internal */
  readonly config: EndpointConfig;
  private readonly tl: TransportListener;
  private readonly pipes = new Set<Pipe>();
  private readonly requested: string;
  private readonly counters = newEndpointCounters();

  /** @internal */
  constructor(
    private readonly host: ListenerHost,
    url: SpUrl,
    config: EndpointConfig,
  ) {
    this.requested = url.url;
    this.config = config;
    this.tl = transportFor(url).listener({ url, self: host.selfId, info: host.info, config });
  }

  /** The listening URL; for tcp the port is the one really bound. */
  get url(): string {
    return this._state === "not started" ? this.requested : this.tl.boundUrl;
  }

  /** `"not started"`, `"started"` or `"closed"`. */
  get state(): EndpointState {
    return this._state;
  }

  /** Binds and starts accepting. Rejects EADDRINUSE, EADDRINVAL, EPERM… */
  async start(): Promise<void> {
    if (this._state === "closed") throw nngError("ECLOSED");
    if (this._state === "started") throw nngError("ESTATE", "listener already started");
    this._state = "started";
    try {
      await this.tl.bind();
    } catch (err) {
      this._state = "not started";
      throw err;
    }
    if ((this._state as EndpointState) === "closed") {
      await this.tl.close();
      throw nngError("ECLOSED");
    }
    this.tl.accept((tp) => {
      if (this._state !== "started") {
        tp.close();
        return;
      }
      const p = this.host.attach(tp, this.id, () => {
        this.pipes.delete(p!);
        this.counters.disconnect++;
      });
      if (p) {
        this.pipes.add(p);
        this.counters.made++;
      } else {
        this.counters.reject++;
      }
    }, (err) => countFailure(this.counters, err.code));
  }

  /**
   * A statistic by nng's name: `id`, `socket`, `url`, `pipes`, `accept`,
   * `reject`, `timedout`, `protocol` (bad handshakes), `other`, `disconnect`.
   */
  stat(name: string): number | string | undefined {
    const c = this.counters;
    const table: Record<string, number | string> = {
      id: this.id,
      socket: this.host.socketId,
      url: this.url,
      pipes: this.pipes.size,
      accept: c.made,
      reject: c.reject,
      timedout: c.timedout,
      protocol: c.proto,
      other: c.other,
      disconnect: c.disconnect,
    };
    return Object.hasOwn(table, name) ? table[name] : undefined;
  }

  /** Reads an option: `url`, `recv-size-max`, `tcp-bound-port`, `tcp-nodelay`, `tcp-keepalive`, `ipc:permissions`. */
  opt(name: string): OptionValue {
    const spec = lookupOption(LISTENER_OPTIONS, name);
    if (!spec) throw unknownOption(name);
    checkReadable(name, spec);
    switch (name) {
      case "url":
        return this.url;
      case "recv-size-max":
        return this.config.recvSizeMax;
      case "tcp-bound-port": {
        const port = this.tl.boundPort;
        if (port === undefined) throw nngError("ENOTSUP", "not a tcp listener, or not started");
        return port;
      }
      case "tcp-nodelay":
        return this.config.tcpNoDelay;
      case "tcp-keepalive":
        return this.config.tcpKeepAlive;
      default:
        return this.config.ipcPermissions ?? 0;
    }
  }

  /** Sets an option (validated as nng does). */
  setOpt(name: string, value: unknown): void {
    const spec = lookupOption(LISTENER_OPTIONS, name);
    if (!spec) throw unknownOption(name);
    const v = checkOption(name, spec, value);
    if (name === "ipc:permissions" && this._state !== "not started") throw nngError("EBUSY", "ipc:permissions must be set before the listener starts");
    this.apply(name, v);
  }

  /** @internal */
  apply(name: string, v: OptionValue): void {
    if (name === "recv-size-max") this.config.recvSizeMax = v as number;
    else if (name === "tcp-nodelay") this.config.tcpNoDelay = v as boolean;
    else if (name === "tcp-keepalive") this.config.tcpKeepAlive = v as boolean;
    else if (name === "ipc:permissions") this.config.ipcPermissions = v as number;
  }

  /** Stops listening and closes the connections it accepted. Resolves when the port is released. */
  async close(): Promise<void> {
    if (this._state === "closed") return;
    this._state = "closed";
    for (const p of this.pipes) p.close();
    this.pipes.clear();
    this.host.listenerClosed(this);
    await this.tl.close();
  }

  /** Same as {@link Listener.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
