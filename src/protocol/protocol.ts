import { nngError } from "../core/errors.js";
import type { Message } from "../core/message.js";
import { effectiveTimeout, Pending, type OpOptions } from "../core/op.js";
import { lookupOption, type OptionSpec, type OptionValue } from "../core/options.js";
import type { Pipe } from "../core/pipe.js";

/**
 * Identity of a protocol: its id and name and those of its peer.
 * @example
 * ```ts
 * // The SP ids a pipe's handshake carries, e.g. for req0:
 * const info: ProtocolInfo = { self: 0x30, selfName: "req", peer: 0x31, peerName: "rep" };
 * ```
 */
export interface ProtocolInfo {
  /** Our SP protocol number, e.g. 0x30 for req0. */
  readonly self: number;
  /** The protocol number a peer must announce. */
  readonly peer: number;
  /** Our protocol's name, e.g. `req`. */
  readonly selfName: string;
  /** The peer protocol's name, e.g. `rep`. */
  readonly peerName: string;
}

/** Options every context (and so every socket) has. @internal */
const CONTEXT_OPTIONS: Record<string, OptionSpec> = {
  "recv-timeout": { type: "ms" },
  "send-timeout": { type: "ms" },
};

/**
 * The per-request state machine protocols run: the socket's own default
 * context, or one opened with `context()` (req, rep, surveyor, respondent, sub).
 * @internal
 */
export abstract class ProtoContext {
  recvTimeout = -1;
  sendTimeout = -1;
  closed = false;

  /** Protocol options of this context, in addition to recv/send-timeout. */
  protected get ownOptions(): Record<string, OptionSpec> {
    return {};
  }

  optionSpec(name: string): OptionSpec | undefined {
    return lookupOption(CONTEXT_OPTIONS, name) ?? lookupOption(this.ownOptions, name);
  }

  getOpt(name: string): OptionValue | undefined {
    if (name === "recv-timeout") return this.recvTimeout;
    if (name === "send-timeout") return this.sendTimeout;
    return this.getOwnOpt(name);
  }

  /** Called with a validated value. */
  setOpt(name: string, v: OptionValue): void {
    if (name === "recv-timeout") this.recvTimeout = v as number;
    else if (name === "send-timeout") this.sendTimeout = v as number;
    else this.setOwnOpt(name, v);
  }

  protected getOwnOpt(_name: string): OptionValue | undefined {
    return undefined;
  }
  protected setOwnOpt(_name: string, _v: OptionValue): void {}

  abstract send(m: Message, opts: OpOptions | undefined): Promise<void>;
  abstract recv(opts: OpOptions | undefined): Promise<Message>;

  /**
   * The receive fast path: a message `recv` would hand over at once, taken
   * off the queue, or undefined (then the caller uses `recv`). Saves building
   * a pending operation per message; bad options throw as `recv` rejects.
   */
  recvNow(_opts: OpOptions | undefined): Message | undefined {
    return undefined;
  }

  /**
   * The send fast path: hands `m` to a pipe at once and returns true, or
   * returns false having done nothing (then the caller uses `send`).
   */
  sendNow(_m: Message, _opts: OpOptions | undefined): boolean {
    return false;
  }
  abstract close(): void;

  /**
   * Takes back a message `recv` handed over that its receiver could not use
   * (an Observable unsubscribed in between), so the next receive gets it.
   * Protocols that cannot receive have nothing to take back.
   */
  requeue(_m: Message): void {}

  /** A receive operation with this context's deadline. */
  protected recvOp(opts: OpOptions | undefined): Pending<Message> {
    return new Pending<Message>(effectiveTimeout(opts, this.recvTimeout), opts?.signal);
  }

  protected sendOp(opts: OpOptions | undefined): Pending<void> {
    return new Pending<void>(effectiveTimeout(opts, this.sendTimeout), opts?.signal);
  }
}

/**
 * A protocol bound to one socket: the socket's default context plus pipe
 * management. The core calls addPipe/removePipe once per pipe; addPipe throws
 * an NngError to reject a pipe (wrong peer, pair already connected).
 * @internal
 */
export abstract class Protocol extends ProtoContext {
  abstract readonly info: ProtocolInfo;
  readonly raw: boolean;

  constructor(raw: boolean) {
    super();
    this.raw = raw;
  }

  /** Rejects peers of the wrong protocol (nng does this in pipe_start). */
  checkPeer(p: Pipe): void {
    if (p.peer !== this.info.peer) {
      throw nngError("EPROTO", `peer protocol 0x${p.peer.toString(16)} is not ${this.info.peerName}`);
    }
  }

  abstract addPipe(p: Pipe): void;
  abstract removePipe(p: Pipe): void;
  abstract pipeMessage(p: Pipe, m: Message): void;
  pipeReady(_p: Pipe): void {}

  /** Opens a context; protocols without contexts refuse with ENOTSUP. */
  openContext(): ProtoContext {
    throw nngError("ENOTSUP", `${this.info.selfName}${this.raw ? " (raw)" : ""} sockets have no contexts`);
  }
}

/** Builds a protocol instance for a socket. @internal */
export type ProtocolFactory = (raw: boolean) => Protocol;

/** Rejects an operation the protocol cannot do (pub recv, sub send…). @internal */
export function notSupported<T>(what: string): Promise<T> {
  return Promise.reject(nngError("ENOTSUP", what));
}
