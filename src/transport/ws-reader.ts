import { SocketReader } from "./socket-reader.js";

let enabled = true;

/**
 * Test hook: whether plain ws:// connections made from now on read through
 * a SocketReader (else they use "data" events); returns the previous setting.
 * @internal
 * @example
 * ```ts
 * const prev = setWsDirectRead(false);
 * // … dial and listen on ws:// …
 * setWsDirectRead(prev);
 * ```
 */
export function setWsDirectRead(on: boolean): boolean {
  const prev = enabled;
  enabled = on;
  return prev;
}

/**
 * A reader for a plain ws:// connection when direct reads are on (else
 * undefined: the socket then emits "data"): scratch reads reused while no
 * message points into them, and the missing rest of a big frame read
 * straight into its message buffer.
 * @internal
 * @example
 * ```ts
 * const reader = createWsReader();
 * const sock = net.connect({ host, port, onread: reader?.onread });
 * ```
 */
export function createWsReader(): SocketReader | undefined {
  return enabled ? new SocketReader() : undefined;
}
