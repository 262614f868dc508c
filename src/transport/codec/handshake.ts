import { nngError } from "../../core/errors.js";

/** Size of the SP connection header sent by each side of tcp, ipc and tls. */
export const HANDSHAKE_SIZE = 8;

/**
 * The 8-byte SP header: `00 'S' 'P' 00`, protocol id (u16 BE), two reserved zeros.
 *
 * @example
 * ```ts
 * encodeHandshake(0x30); // 00 53 50 00 00 30 00 00 (req)
 * ```
 */
export function encodeHandshake(protocol: number): Uint8Array {
  return Uint8Array.of(0x00, 0x53, 0x50, 0x00, (protocol >>> 8) & 0xff, protocol & 0xff, 0x00, 0x00);
}

/**
 * Validates a peer's 8-byte header and returns its protocol id. Bad magic,
 * version or reserved bytes throw EPROTO (nng closes the connection).
 */
export function decodeHandshake(b: Uint8Array): number {
  if (b.length < HANDSHAKE_SIZE) throw nngError("EPROTO", "short SP header");
  if (b[0] !== 0x00 || b[1] !== 0x53 || b[2] !== 0x50) throw nngError("EPROTO", "bad SP header magic");
  if (b[3] !== 0x00) throw nngError("EPROTO", `unsupported SP version ${b[3]}`);
  if (b[6] !== 0x00 || b[7] !== 0x00) throw nngError("EPROTO", "non-zero reserved bytes in SP header");
  return (b[4]! << 8) | b[5]!;
}
