import type { Context, DialOptions, ListenOptions, RecvOptions, RecvResult, SendOptions, Socket } from "./core/socket.js";
import type { Dialer } from "./core/dialer.js";
import type { Listener } from "./core/listener.js";
import type { OptionValue } from "./core/options.js";
import type { RecvMode } from "./serial/modes.js";

/**
 * nanonext's `nano()` object: a socket with its dialers and listeners and the
 * functional API as methods. After {@link Nano.contextOpen}, send/recv/opt
 * go through that context until {@link Nano.contextClose}.
 *
 * @example
 * ```ts
 * const n = await nano("sub", { dial: "tcp://127.0.0.1:5555" });
 * n.subscribe("news");
 * for await (const m of n.messages({ mode: "string" })) console.log(m);
 * ```
 */
export class Nano implements AsyncDisposable {
  private ctx: Context | undefined;

  /** @internal Use {@link nano}. */
  constructor(
    /** The underlying socket. */
    readonly socket: Socket,
  ) {}

  /** The socket, or the open context. @internal */
  get target(): Socket | Context {
    return this.ctx ?? this.socket;
  }

  /** The open context, if any. */
  get context(): Context | undefined {
    return this.ctx;
  }

  /** The socket's dialers. */
  get dialers(): readonly Dialer[] {
    return this.socket.dialers;
  }

  /** The socket's listeners. */
  get listeners(): readonly Listener[] {
    return this.socket.listeners;
  }

  /** Protocol name. */
  get protocol(): string {
    return this.socket.protocol;
  }

  /** See {@link Socket.send}. */
  send(data: unknown, opts?: SendOptions): Promise<void> {
    return this.target.send(data, opts);
  }

  /** See {@link Socket.recv}. */
  recv<M extends RecvMode = "raw">(opts?: RecvOptions<M>): Promise<RecvResult<M>> {
    return this.target.recv<M>(opts);
  }

  /** See {@link Socket.sendMany}: sends each item in order. */
  sendMany(items: Iterable<unknown>, opts?: SendOptions): Promise<void> {
    return this.target.sendMany(items, opts);
  }

  /** See {@link Socket.recvMany}: the next message plus those already queued, up to `max`. */
  recvMany<M extends RecvMode = "raw">(max: number, opts?: RecvOptions<M>): Promise<RecvResult<M>[]> {
    return this.target.recvMany<M>(max, opts);
  }

  /** Non-blocking send (EAGAIN when it would wait). */
  trySend(data: unknown, opts?: Omit<SendOptions, "timeout">): Promise<void> {
    return this.target.trySend(data, opts);
  }

  /** Non-blocking receive (EAGAIN when nothing is queued). */
  tryRecv<M extends RecvMode = "raw">(opts?: Omit<RecvOptions<M>, "timeout">): Promise<RecvResult<M>> {
    return this.target.tryRecv<M>(opts);
  }

  /** Received messages until closed. */
  messages<M extends RecvMode = "raw">(opts?: RecvOptions<M>): AsyncGenerator<RecvResult<M>, void, undefined> {
    return this.target.messages<M>(opts);
  }

  /** Raw messages until the socket closes: `for await (const m of n)`. */
  [Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, undefined> {
    return this.target.messages();
  }

  /** Adds a dialer. */
  dial(url: string, opts?: DialOptions): Promise<Dialer> {
    return this.socket.dial(url, opts);
  }

  /** Adds a listener. */
  listen(url: string, opts?: ListenOptions): Promise<Listener> {
    return this.socket.listen(url, opts);
  }

  /** Reads an option (of the open context, if any). */
  opt(name: string): OptionValue {
    return this.target.opt(name);
  }

  /** Sets an option (on the open context, if any). */
  setOpt(name: string, value: unknown): void {
    this.target.setOpt(name, value);
  }

  /** A socket statistic (see {@link Socket.stat}). */
  stat(name: string): number | string | undefined {
    return this.socket.stat(name);
  }

  /** Sets an option on every dialer. */
  dialerSetOpt(name: string, value: unknown): void {
    for (const d of this.socket.dialers) d.setOpt(name, value);
  }

  /** Sets an option on every listener. */
  listenerSetOpt(name: string, value: unknown): void {
    for (const l of this.socket.listeners) l.setOpt(name, value);
  }

  /** sub: adds a topic. */
  subscribe(topic: string | Uint8Array = ""): void {
    this.target.subscribe(topic);
  }

  /** sub: removes a topic. */
  unsubscribe(topic: string | Uint8Array = ""): void {
    this.target.unsubscribe(topic);
  }

  /** surveyor: sets the survey time (ms). */
  surveyTime(ms = 1000): void {
    this.target.surveyTime(ms);
  }

  /** Opens a context and routes send/recv/opt through it (replacing any open one). */
  contextOpen(): Context {
    void this.ctx?.close();
    this.ctx = this.socket.context();
    return this.ctx;
  }

  /** Closes the open context and goes back to the socket. */
  async contextClose(): Promise<void> {
    const c = this.ctx;
    this.ctx = undefined;
    await c?.close();
  }

  /** Closes the socket (and its context). Idempotent. */
  async close(): Promise<void> {
    await this.contextClose();
    await this.socket.close();
  }

  /** Same as {@link Nano.close}, so `await using n = await nano(...)` works. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
