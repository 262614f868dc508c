import { Emitter } from "./emitter.js";
import { nngError, type NngError } from "./errors.js";
import { nextPipeId, nextSocketId } from "./ids.js";
import { Message } from "./message.js";
import type { OpOptions } from "./op.js";
import { checkOption, checkReadable, lookupOption, type EndpointConfig, type OptionSpec, type OptionValue, unknownOption } from "./options.js";
import { Pipe, type PipeInfo } from "./pipe.js";
import { parseUrl } from "./url.js";
import { newTraffic } from "./stats.js";
import { Dialer } from "./dialer.js";
import { Listener } from "./listener.js";
import type { Protocol, ProtoContext, ProtocolInfo } from "../protocol/protocol.js";
import { createProtocol, type ProtocolName } from "../protocol/registry.js";
import type { TransportPipe } from "../transport/transport.js";
import { TlsConfig } from "../tls/tls-config.js";
import { disown } from "./frame-pool.js";
import { checkRecvMode, decodeBody, encodeBody, type RecvMode, type SendMode, type SerialConfig, type TypedMode } from "../serial/modes.js";

/**
 * Options of one send.
 * @example
 * ```ts
 * await s.send("hello", { mode: "raw", timeout: 1000 });
 * ```
 */
export interface SendOptions extends OpOptions {
  /** `raw` (default for strings and bytes) or `serial` (default for other values, CBOR). */
  mode?: SendMode | undefined;
  /** poly sockets: the pipe id to send on (0 = the first pipe). */
  pipe?: number | undefined;
}

/**
 * Options of one receive.
 * @example
 * ```ts
 * const text = await s.recv({ mode: "string", timeout: 500 });
 * ```
 */
export interface RecvOptions<M extends RecvMode = RecvMode> extends OpOptions {
  /** How to decode the body; `raw` (Uint8Array) by default. */
  mode?: M | undefined;
}

/**
 * The typed array a typed receive mode yields.
 * @example
 * ```ts
 * const xs: TypedArrayOf<"int32"> = await s.recv({ mode: "int32" });
 * ```
 */
export type TypedArrayOf<M extends TypedMode> = M extends "int8" ? Int8Array : M extends "uint8" ? Uint8Array : M extends "int16" ? Int16Array
  : M extends "uint16" ? Uint16Array : M extends "int32" ? Int32Array : M extends "uint32" ? Uint32Array : M extends "float32" ? Float32Array
  : M extends "float64" ? Float64Array : M extends "bigint64" ? BigInt64Array : BigUint64Array;

/**
 * What `recv` resolves to for a given mode.
 * @example
 * ```ts
 * const text: RecvResult<"string"> = await s.recv({ mode: "string" });
 * ```
 */
export type RecvResult<M extends RecvMode> = M extends "raw" ? Uint8Array : M extends "string" ? string : M extends "message" ? Message
  : M extends TypedMode ? TypedArrayOf<M> : unknown;

/**
 * Options of `dial()`.
 * @example
 * ```ts
 * await s.dial("tcp://127.0.0.1:5555", { autostart: true, tls: undefined });
 * ```
 */
export interface DialOptions {
  /**
   * `true` (default): dial in the background, retrying with back-off.
   * `"sync"` (or `null`, nanonext's `NA`): wait for the first connection and reject if it fails.
   * `false`: create the dialer without starting it (set options, then `start()`).
   */
  autostart?: boolean | "sync" | null | undefined;
  /**
   * TLS settings for `wss://` and `tls+tcp://` (ignored by other transports).
   * Without one, the server certificate is still verified, against Node's
   * built-in CAs.
   */
  tls?: TlsConfig | undefined;
}

/**
 * Options of `listen()`.
 * @example
 * ```ts
 * const l = await s.listen("tcp://127.0.0.1:0", { autostart: true });
 * console.log(l.url); // the bound port
 * ```
 */
export interface ListenOptions {
  /** `true` (default) binds at once; `false` creates the listener for `start()` later. */
  autostart?: boolean | undefined;
  /** TLS settings for `wss://` and `tls+tcp://`, which need a certificate: `tlsConfig({ server: [cert, key] })`. */
  tls?: TlsConfig | undefined;
}

/**
 * Pipe events, as nng's pipe notifications (ADD_PRE, ADD_POST, REM_POST).
 * @example
 * ```ts
 * s.on("pipe:add", (p) => console.log("peer", p.id));
 * s.on("pipe:remove", (p) => console.log("gone", p.id));
 * s.once("close", () => console.log("closed"));
 * ```
 */
export interface SocketEvents {
  /** A pipe connected and finished its handshake, before the protocol sees it (nng's ADD_PRE). */
  "pipe:add-pre": [PipeInfo];
  /** The pipe is usable by the protocol (nng's ADD_POST). */
  "pipe:add": [PipeInfo];
  /** The pipe is gone (nng's REM_POST). */
  "pipe:remove": [PipeInfo];
  /** The socket was closed. */
  "close": [];
}

/** Socket options kept by the core rather than the protocol. */
const SOCKET_OPTIONS: Record<string, OptionSpec> = {
  "socket-name": { type: "string", max: 63 },
  "raw": { type: "bool", readonly: true },
  "protocol": { type: "int", readonly: true },
  "peer": { type: "int", readonly: true },
  "protocol-name": { type: "string", readonly: true },
  "peer-name": { type: "string", readonly: true },
  "recv-size-max": { type: "size" },
  "reconnect-time-min": { type: "ms" },
  "reconnect-time-max": { type: "ms" },
  "tcp-nodelay": { type: "bool" },
  "tcp-keepalive": { type: "bool" },
};

/** Generic queue options for protocols that have no use for them (stored, as nng does). */
const FALLBACK_OPTIONS: Record<string, OptionSpec> = {
  "recv-buffer": { type: "int", min: 0, max: 8192 },
  "send-buffer": { type: "int", min: 0, max: 8192 },
};

/**
 * Shared send/recv/option plumbing of sockets and contexts.
 * @internal
 */
export abstract class Endpoint {
  /** @internal */
  protected abstract get engine(): ProtoContext;
  /** @internal */
  protected abstract checkOpen(): void;

  /**
   * Sends one message. Strings and bytes go raw (UTF-8 for strings); other
   * values are CBOR-encoded (`serial`). Resolves once the protocol has taken
   * it (written to a pipe, or queued where the protocol queues).
   *
   * @throws {@link NngError} ECLOSED, ETIMEDOUT, EAGAIN (non-blocking), ECANCELED, ESTATE, ENOTSUP, EINVAL
   * @example
   * ```ts
   * await sock.send("hello");
   * await sock.send({ any: ["value"] }, { mode: "serial" });
   * ```
   */
  send(data: unknown, opts?: SendOptions): Promise<void> {
    try {
      return this.engine.send(this.toMessage(data, opts), opts);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Sends many messages in order with one promise: as `send` for each, but a
   * message a pipe takes at once (push over a ready connection) costs no
   * promise of its own. Resolves when the protocol has taken the last one;
   * rejects with the first failure, and the messages after it are not sent.
   *
   * @throws {@link NngError} as {@link Endpoint.send}
   * @example
   * ```ts
   * await push.sendMany(rows.map((r) => JSON.stringify(r)));
   * ```
   */
  async sendMany(items: Iterable<unknown>, opts?: SendOptions): Promise<void> {
    for (const data of items) {
      const m = this.toMessage(data, opts);
      if (!this.engine.sendNow(m, opts)) await this.engine.send(m, opts);
    }
  }

  private toMessage(data: unknown, opts: SendOptions | undefined): Message {
    this.checkOpen();
    // Plain bytes, no options: the common case, kept small enough to inline.
    if (!opts && data instanceof Uint8Array) {
      // Sent bytes may still be queued or read after the send: a receive must not reuse them.
      disown(data);
      return new Message(data);
    }
    return this.encodeMessage(data, opts);
  }

  private encodeMessage(data: unknown, opts: SendOptions | undefined): Message {
    const m = encodeBody(data, opts?.mode);
    disown(m.body);
    disown(m.header);
    if (!opts) return m;
    if (opts.pipe !== undefined) {
      if (!Number.isInteger(opts.pipe) || opts.pipe < 0) throw nngError("EINVAL", "pipe must be a pipe id");
      m.pipe = opts.pipe;
    }
    return m;
  }

  /**
   * Receives one message, decoded per `mode` (raw bytes by default). A body
   * that does not fit the mode rejects EINVAL with the bytes in `err.data`.
   *
   * @throws {@link NngError} ECLOSED, ETIMEDOUT, EAGAIN (non-blocking), ECANCELED, ESTATE, ENOTSUP, EINVAL
   * @example
   * ```ts
   * const text = await sock.recv({ mode: "string", timeout: 1000 });
   * ```
   */
  recv<M extends RecvMode = "raw">(opts?: RecvOptions<M>): Promise<RecvResult<M>> {
    try {
      this.checkOpen();
      const mode = opts?.mode === undefined ? "raw" : checkRecvMode(opts.mode);
      // A message already queued is decoded here: one settled promise, no pending operation.
      const now = this.engine.recvNow(opts);
      if (now !== undefined) {
        if (mode === "raw") return Promise.resolve(now.body as RecvResult<M>);
        try {
          return Promise.resolve(decodeBody(now, mode) as RecvResult<M>);
        } catch (err) {
          (err as NngError).data = now.body;
          throw err;
        }
      }
      // Raw (the default) takes the body with one shared function: no closure per receive.
      if (mode === "raw") return this.engine.recv(opts).then(bodyOf) as Promise<RecvResult<M>>;
      return this.engine.recv(opts).then((m) => {
        try {
          return decodeBody(m, mode) as RecvResult<M>;
        } catch (err) {
          (err as NngError).data = m.body;
          throw err;
        }
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Receives up to `max` messages with one promise: waits for the first as
   * `recv` does, then adds those already queued, without waiting. Decoded per
   * `mode`; a later message that does not fit the mode is left queued for the
   * next receive, so nothing is lost. Over tcp, ipc and ws, pull sockets hand
   * over at most `recv-buffer` + 1 queued messages per pipe, so raise
   * `recv-buffer` for big batches (inproc refills as it hands over).
   *
   * @throws {@link NngError} as {@link Endpoint.recv}; EINVAL when `max` is not a positive integer
   * @example
   * ```ts
   * pull.setOpt("recv-buffer", 1024);
   * for (const m of await pull.recvMany(1024)) handle(m);
   * ```
   */
  async recvMany<M extends RecvMode = "raw">(max: number, opts?: RecvOptions<M>): Promise<RecvResult<M>[]> {
    if (!Number.isInteger(max) || max < 1) throw nngError("EINVAL", "recvMany takes a positive integer count");
    const out: RecvResult<M>[] = [await this.recv<M>(opts)];
    const mode = checkRecvMode(opts?.mode);
    while (out.length < max && !this.closedNow()) {
      const m = this.engine.recvNow(opts);
      if (m === undefined) break;
      try {
        out.push(decodeBody(m, mode) as RecvResult<M>);
      } catch {
        this.engine.requeue(m);
        break;
      }
    }
    return out;
  }

  private closedNow(): boolean {
    try {
      this.checkOpen();
      return false;
    } catch {
      return true;
    }
  }

  /**
   * The next message as the protocol hands it over, undecoded.
   * @internal
   */
  recvMessage(opts?: OpOptions): Promise<Message> {
    try {
      this.checkOpen();
      return this.engine.recv(opts);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Gives back a message from {@link Endpoint.recvMessage} that could not be
   * delivered, so the next receive gets it: nothing is lost.
   * @internal
   */
  requeue(m: Message): void {
    this.engine.requeue(m);
  }

  /** Sends without waiting: EAGAIN if the message cannot be taken at once. */
  trySend(data: unknown, opts?: Omit<SendOptions, "timeout">): Promise<void> {
    return this.send(data, { ...opts, timeout: 0 });
  }

  /**
   * Receives without waiting: resolves at once with a queued message or
   * rejects EAGAIN when there is none.
   */
  tryRecv<M extends RecvMode = "raw">(opts?: Omit<RecvOptions<M>, "timeout">): Promise<RecvResult<M>> {
    return this.recv<M>({ ...opts, timeout: 0 } as RecvOptions<M>);
  }

  /**
   * Receives until closed: `for await (const m of sock.messages({ mode: "string" }))`.
   * The loop ends when the socket or context closes; `break` leaves the
   * socket open and loses no message.
   */
  async *messages<M extends RecvMode = "raw">(opts?: RecvOptions<M>): AsyncGenerator<RecvResult<M>, void, undefined> {
    for (;;) {
      try {
        yield await this.recv<M>(opts);
      } catch (err) {
        if (err instanceof Error && (err as NngError).code === "ECLOSED") return;
        throw err;
      }
    }
  }

  /** Raw messages until closed. */
  [Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, undefined> {
    return this.messages();
  }

  /** sub: adds a topic (byte prefix; "" matches everything). */
  subscribe(topic: string | Uint8Array = ""): void {
    this.setOpt("sub:subscribe", topic);
  }

  /** sub: removes a topic; ENOENT if it was not subscribed. */
  unsubscribe(topic: string | Uint8Array = ""): void {
    this.setOpt("sub:unsubscribe", topic);
  }

  /** surveyor: sets `surveyor:survey-time` (ms). */
  surveyTime(ms = 1000): void {
    this.setOpt("surveyor:survey-time", ms);
  }

  abstract opt(name: string): OptionValue;
  abstract setOpt(name: string, value: unknown): void;
}

/**
 * An SP socket: one protocol, any number of dialers and listeners, and the
 * pipes they make. Create one with {@link socket}.
 *
 * @example
 * ```ts
 * const rep = await socket("rep", { listen: "tcp://127.0.0.1:0" });
 * for await (const req of rep) await rep.send(req);
 * ```
 */
export class Socket extends Endpoint {
  /** nng socket id (counts from 1). */
  readonly id = nextSocketId();
  /** The protocol name as given (`"req"`, `"pair1"`, …). */
  readonly protocol: ProtocolName;
  /** True for raw-mode sockets (devices). */
  readonly raw: boolean;
  /** Dialers, in creation order (closed ones are removed). */
  readonly dialers: Dialer[] = [];
  /** Listeners, in creation order (closed ones are removed). */
  readonly listeners: Listener[] = [];
  private readonly proto: Protocol;
  private readonly pipes = new Map<number, Pipe>();
  private readonly events = new Emitter<SocketEvents>();
  private name: string;
  private serial: SerialConfig | undefined;
  private closing: Promise<void> | undefined;
  private readonly defaults: EndpointConfig = { recvSizeMax: 0, tcpNoDelay: true, tcpKeepAlive: false, ipcPermissions: undefined };
  private reconnect = { min: 1000, max: 0 };
  private fallback: Record<string, OptionValue> = { "recv-buffer": 1, "send-buffer": 0 };
  private readonly traffic = newTraffic();
  private rejected = 0;

  /** @internal Use {@link socket}. */
  constructor(protocol: ProtocolName, raw = false) {
    super();
    this.proto = createProtocol(protocol, raw);
    this.protocol = protocol;
    this.raw = raw;
    this.name = String(this.id);
  }

  /** @internal */
  protected get engine(): ProtoContext {
    return this.proto;
  }

  /** @internal */
  protected checkOpen(): void {
    if (this.closing) throw nngError("ECLOSED");
  }

  /** Protocol identity: ids and names of this socket and its peer. */
  get info(): ProtocolInfo {
    return this.proto.info;
  }

  /** `"opened"` or `"closed"`. */
  get state(): "opened" | "closed" {
    return this.closing ? "closed" : "opened";
  }

  /** True once `close()` has been called. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Ids of the connected pipes. */
  get pipeIds(): number[] {
    return [...this.pipes.keys()];
  }

  /**
   * Closes one connection by pipe id, as `nng_pipe_close`: to drop a peer
   * that failed an application-level check. Its dialer, if any, reconnects
   * as usual. False when no such pipe is open.
   *
   * @example
   * ```ts
   * const m = await sock.recv({ mode: "message" });
   * if (!trusted(m.body)) sock.closePipe(m.pipe);
   * ```
   */
  closePipe(id: number): boolean {
    const p = this.pipes.get(id);
    if (!p) return false;
    p.close();
    return true;
  }

  /** Subscribes to pipe events (`pipe:add-pre`, `pipe:add`, `pipe:remove`). */
  on<E extends keyof SocketEvents>(event: E, fn: (...args: SocketEvents[E]) => void): this {
    this.events.on(event, fn);
    return this;
  }

  /** Removes a pipe event handler. */
  off<E extends keyof SocketEvents>(event: E, fn: (...args: SocketEvents[E]) => void): this {
    this.events.off(event, fn);
    return this;
  }

  /** Handles one pipe event once. */
  once<E extends keyof SocketEvents>(event: E, fn: (...args: SocketEvents[E]) => void): this {
    this.events.once(event, fn);
    return this;
  }

  /**
   * Adds a dialer. By default it connects in the background and keeps
   * reconnecting; `autostart: "sync"` waits for the first connection.
   * `wss://` and `tls+tcp://` verify the server certificate unless
   * `tls` says `auth: "none"`.
   *
   * @throws {@link NngError} ECLOSED, ENOTSUP (scheme), EADDRINVAL, EBADTYPE (tls), and with `"sync"`:
   * ECONNREFUSED (also ws HTTP 404/405), EPERM (ws 401/403), EPROTO, EPEERAUTH (untrusted certificate), ECRYPTO (name mismatch, TLS failure)
   * @example
   * ```ts
   * await sock.dial("ws://127.0.0.1:5555/rpc", { autostart: "sync" });
   * await sock.dial("tls+tcp://localhost:5556", { tls: tlsConfig({ client: caPem }) });
   * ```
   */
  async dial(url: string, opts: DialOptions = {}): Promise<Dialer> {
    this.checkOpen();
    const parsed = parseUrl(url);
    const d = new Dialer(this.host, parsed, { ...this.defaults, tls: checkTls(opts.tls) }, { ...this.reconnect });
    this.dialers.push(d);
    // `null` (nanonext's NA) means sync, like "sync": only a missing value defaults to background.
    const a = opts.autostart === undefined ? true : opts.autostart;
    if (a === false) return d;
    await d.start({ async: a === true });
    return d;
  }

  /**
   * Adds a listener and binds it (unless `autostart: false`). Several
   * `ws://`/`wss://` listeners, of any sockets, may share one port on
   * different paths.
   *
   * @throws {@link NngError} ECLOSED, ENOTSUP, EADDRINVAL, EADDRINUSE, EPERM, EINVAL (wss/tls+tcp without a certificate), EBADTYPE (tls)
   * @example
   * ```ts
   * const l = await sock.listen("ws://127.0.0.1:0/rpc");
   * l.url; // ws://127.0.0.1:40123/rpc
   * await sock.listen("wss://0.0.0.0:8443/sp", { tls: tlsConfig({ server: [certPem, keyPem] }) });
   * ```
   */
  async listen(url: string, opts: ListenOptions = {}): Promise<Listener> {
    this.checkOpen();
    const parsed = parseUrl(url);
    const l = new Listener(this.host, parsed, { ...this.defaults, tls: checkTls(opts.tls) });
    this.listeners.push(l);
    if (opts.autostart === false) return l;
    try {
      await l.start();
    } catch (err) {
      await l.close();
      throw err;
    }
    return l;
  }

  /**
   * Opens a context: an independent copy of the protocol state (req, rep,
   * surveyor, respondent, sub), so many requests or surveys run at once.
   *
   * @throws {@link NngError} ENOTSUP for other protocols and raw sockets, ECLOSED
   */
  context(): Context {
    this.checkOpen();
    return new Context(this, this.proto.openContext());
  }

  /**
   * Reads an option by nng's name, e.g. `recv-timeout`, `socket-name`,
   * `req:resend-time`, `ttl-max`.
   *
   * @throws {@link NngError} ENOTSUP (unknown name), EWRITEONLY, ECLOSED
   */
  opt(name: string): OptionValue {
    this.checkOpen();
    if (name === "serial") return this.serial as unknown as OptionValue;
    const spec = this.specFor(name);
    checkReadable(name, spec);
    switch (name) {
      case "socket-name":
        return this.name;
      case "raw":
        return this.raw;
      case "protocol":
        return this.info.self;
      case "peer":
        return this.info.peer;
      case "protocol-name":
        return this.info.selfName;
      case "peer-name":
        return this.info.peerName;
      case "recv-size-max":
        return this.defaults.recvSizeMax;
      case "reconnect-time-min":
        return this.reconnect.min;
      case "reconnect-time-max":
        return this.reconnect.max;
      case "tcp-nodelay":
        return this.defaults.tcpNoDelay;
      case "tcp-keepalive":
        return this.defaults.tcpKeepAlive;
    }
    const v = this.proto.optionSpec(name) ? this.proto.getOpt(name) : this.fallback[name];
    if (v === undefined) throw unknownOption(name);
    return v;
  }

  /**
   * Sets an option by nng's name. Endpoint options (`recv-size-max`,
   * `reconnect-time-*`, `tcp-*`) also apply to existing dialers/listeners.
   *
   * @throws {@link NngError} ENOTSUP (unknown), EBADTYPE (wrong type), EINVAL (range), EREADONLY, ECLOSED, ENOENT (unsubscribe)
   * @example
   * ```ts
   * sock.setOpt("recv-timeout", 500);
   * sock.setOpt("req:resend-time", 0); // no resends
   * ```
   */
  setOpt(name: string, value: unknown): void {
    this.checkOpen();
    if (name === "serial") {
      if (value !== undefined && (typeof value !== "object" || value === null || !Array.isArray((value as SerialConfig).extensions))) {
        throw nngError("EBADTYPE", "serial takes a serialConfig()");
      }
      this.serial = value as SerialConfig | undefined;
      return;
    }
    const spec = this.specFor(name);
    const v = checkOption(name, spec, value);
    switch (name) {
      case "socket-name":
        this.name = v as string;
        return;
      case "recv-size-max":
        this.defaults.recvSizeMax = v as number;
        break;
      case "reconnect-time-min":
        this.reconnect.min = v as number;
        break;
      case "reconnect-time-max":
        this.reconnect.max = v as number;
        break;
      case "tcp-nodelay":
        this.defaults.tcpNoDelay = v as boolean;
        break;
      case "tcp-keepalive":
        this.defaults.tcpKeepAlive = v as boolean;
        break;
      default:
        if (this.proto.optionSpec(name)) this.proto.setOpt(name, v);
        else this.fallback[name] = v;
        return;
    }
    for (const d of this.dialers) d.apply(name, v);
    for (const l of this.listeners) l.apply(name, v);
  }

  /**
   * A statistic by nng's name: `id`, `name`, `protocol`, `pipes`, `dialers`,
   * `listeners`, `reject` (pipes refused), `rx_msgs`, `tx_msgs`, `rx_bytes`,
   * `tx_bytes`. Undefined for an unknown name.
   *
   * @example
   * ```ts
   * console.log(sock.stat("pipes"), sock.stat("rx_msgs"));
   * ```
   */
  stat(name: string): number | string | undefined {
    switch (name) {
      case "id":
        return this.id;
      case "name":
        return this.name;
      case "protocol":
        return this.info.selfName;
      case "pipes":
        return this.pipes.size;
      case "dialers":
        return this.dialers.length;
      case "listeners":
        return this.listeners.length;
      case "reject":
        return this.rejected;
      case "rx_msgs":
        return this.traffic.rxMsgs;
      case "tx_msgs":
        return this.traffic.txMsgs;
      case "rx_bytes":
        return this.traffic.rxBytes;
      case "tx_bytes":
        return this.traffic.txBytes;
      default:
        return undefined;
    }
  }

  private specFor(name: string): OptionSpec {
    if (typeof name !== "string") throw nngError("EBADTYPE", "option names are strings");
    const spec = lookupOption(SOCKET_OPTIONS, name) ?? this.proto.optionSpec(name) ?? lookupOption(FALLBACK_OPTIONS, name);
    if (!spec) throw unknownOption(name);
    return spec;
  }

  /**
   * Closes the socket: pending operations reject with ECLOSED at once, then
   * dialers, listeners and pipes close. Idempotent; resolves when every
   * handle is released.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.proto.close();
    const waits: Promise<void>[] = [];
    for (const d of [...this.dialers]) d.close();
    for (const l of [...this.listeners]) waits.push(l.close());
    for (const p of [...this.pipes.values()]) p.close();
    this.closing = Promise.all(waits).then(() => undefined);
    try {
      this.events.emit("close");
    } catch {
      // a throwing handler must not break close()
    }
    return this.closing;
  }

  /** Same as {@link Socket.close}, so `await using s = await socket(...)` works. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** @internal */
  override toString(): string {
    return `Socket(${this.id}, ${this.protocol}${this.raw ? " raw" : ""}, ${this.state})`;
  }

  private readonly host = ((s: Socket) => ({
    get selfId(): number {
      return s.proto.info.self;
    },
    get socketId(): number {
      return s.id;
    },
    get info(): ProtocolInfo {
      return s.proto.info;
    },
    attach: (tp: TransportPipe, endpoint: number, onClose: () => void) => s.attach(tp, endpoint, onClose),
    dialerClosed: (d: Dialer) => remove(s.dialers, d),
    listenerClosed: (l: Listener) => remove(s.listeners, l),
  }))(this);

  /** Wires a new pipe to the protocol; null (pipe closed) when it is refused. */
  private attach(tp: TransportPipe, endpoint: number, onClose: () => void): Pipe | null {
    if (this.closing) {
      tp.close();
      return null;
    }
    const p = new Pipe(nextPipeId(), tp, endpoint, this.traffic);
    const info = p.info();
    this.emit("pipe:add-pre", info);
    try {
      this.proto.addPipe(p);
    } catch {
      this.rejected++;
      p.closed = true;
      tp.close();
      this.emit("pipe:remove", info);
      return null;
    }
    this.pipes.set(p.id, p);
    const proto = this.proto;
    p.start({
      pipeMessage: (pp, m) => {
        try {
          proto.pipeMessage(pp, m);
        } catch {
          pp.close();
        }
      },
      pipeReady: (pp) => proto.pipeReady(pp),
      pipeClosed: (pp) => {
        this.pipes.delete(pp.id);
        proto.removePipe(pp);
        this.emit("pipe:remove", info);
        onClose();
      },
    });
    this.emit("pipe:add", info);
    return p;
  }

  private emit(event: Exclude<keyof SocketEvents, "close">, info: PipeInfo): void {
    try {
      this.events.emit(event, info);
    } catch {
      // A throwing event handler must not break the pipe machinery.
    }
  }
}

function bodyOf(m: Message): Uint8Array {
  return m.body;
}

function checkTls(tls: unknown): TlsConfig | undefined {
  if (tls === undefined || tls === null) return undefined;
  if (!(tls instanceof TlsConfig)) throw nngError("EBADTYPE", "tls takes a tlsConfig()");
  return tls;
}

function remove<T>(arr: T[], v: T): void {
  const i = arr.indexOf(v);
  if (i >= 0) arr.splice(i, 1);
}

/**
 * A context: its own request/survey/subscription state on a shared socket.
 * Same send/recv/option API as the socket.
 *
 * @example
 * ```ts
 * const ctx = req.context();
 * await ctx.send("work"); const reply = await ctx.recv({ mode: "string" });
 * ```
 */
export class Context extends Endpoint {
  private isClosed = false;

  /** @internal */
  constructor(
    /** The socket this context belongs to. */
    readonly socket: Socket,
    private readonly ctx: ProtoContext,
  ) {
    super();
  }

  /** @internal */
  protected get engine(): ProtoContext {
    return this.ctx;
  }

  /** @internal */
  protected checkOpen(): void {
    if (this.isClosed || this.socket.closed || this.ctx.closed) throw nngError("ECLOSED");
  }

  /** True once the context or its socket is closed. */
  get closed(): boolean {
    return this.isClosed || this.socket.closed || this.ctx.closed;
  }

  /** Reads a context option (`recv-timeout`, `send-timeout`, protocol options). */
  opt(name: string): OptionValue {
    this.checkOpen();
    const spec = this.ctx.optionSpec(name);
    if (!spec) throw unknownOption(name);
    checkReadable(name, spec);
    const v = this.ctx.getOpt(name);
    if (v === undefined) throw unknownOption(name);
    return v;
  }

  /** Sets a context option. */
  setOpt(name: string, value: unknown): void {
    this.checkOpen();
    const spec = this.ctx.optionSpec(name);
    if (!spec) throw unknownOption(name);
    this.ctx.setOpt(name, checkOption(name, spec, value));
  }

  /** Closes the context; its pending operations reject ECLOSED. Idempotent. */
  close(): Promise<void> {
    this.isClosed = true;
    this.ctx.close();
    return Promise.resolve();
  }

  /** Same as {@link Context.close}, so `await using ctx = context(s)` works. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

