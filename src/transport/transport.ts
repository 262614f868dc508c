import type { NngError } from "../core/errors.js";
import type { Message } from "../core/message.js";
import type { EndpointConfig } from "../core/options.js";
import type { SpUrl } from "../core/url.js";
import type { ProtocolInfo } from "../protocol/protocol.js";

/** What a transport pipe reports to its owner. @internal */
export interface PipeHandlers {
  /** One whole SP message; the protocol header is still in front of the body (or in `header`, inproc). */
  message(m: Message): void;
  /** The pipe can take more after `send` returned false. */
  drain(): void;
  /** The pipe is gone (peer closed, error, or `close()`); called once. */
  closed(err: NngError | undefined): void;
}

/**
 * A connection that moves whole SP messages, after the transport handshake.
 * Transports know nothing of protocols beyond the peer's 16-bit id.
 * @internal
 */
export interface TransportPipe {
  readonly transport: string;
  /** The peer's protocol id, from the handshake. */
  readonly peer: number;
  readonly localAddress: string;
  readonly remoteAddress: string;
  /** Starts delivery to `h`; messages received before this are held. */
  start(h: PipeHandlers): void;
  /** Queues one message. False asks the caller to wait for `drain`. Never throws. */
  send(header: Uint8Array, body: Uint8Array): boolean;
  /** Stops delivering messages (back-pressure to the peer) until `resume`. */
  pause(): void;
  resume(): void;
  /**
   * As `resume`, but may hand queued messages to `message` before returning
   * (inproc, which has them at hand) rather than on a later job. Only for a
   * caller that has finished with its own state and takes re-entrant calls.
   */
  resumeNow?(): void;
  /** Idempotent; the `closed` handler runs once. */
  close(): void;
}

/** Configuration handed to a transport endpoint. @internal */
export interface TransportInit {
  url: SpUrl;
  /** Our protocol id, sent in the handshake. */
  self: number;
  /** Ids and names of our protocol and its peer (ws needs the names for its subprotocol). */
  info: ProtocolInfo;
  config: EndpointConfig;
}

/** @internal */
export interface TransportDialer {
  /** One connection attempt including the handshake. */
  connect(signal: AbortSignal): Promise<TransportPipe>;
  close(): void;
}

/** @internal */
export interface TransportListener {
  /** Binds; EADDRINUSE/EADDRINVAL/… reject here. */
  bind(): Promise<void>;
  /** Accepts in the background; each pipe arrives after its handshake. */
  accept(onPipe: (p: TransportPipe) => void, onError?: (err: NngError) => void): void;
  /** The URL with the real port after binding to port 0. */
  readonly boundUrl: string;
  readonly boundPort: number | undefined;
  close(): Promise<void>;
}

/** @internal */
export interface Transport {
  dialer(init: TransportInit): TransportDialer;
  listener(init: TransportInit): TransportListener;
}
