/**
 * An SP message: protocol `header` (request ids, backtraces, hop counts) kept
 * apart from the application `body`, plus the id of the pipe it arrived on.
 * Raw-mode sockets and devices read and write the header; cooked sockets hide it.
 *
 * @example
 * ```ts
 * const m = await raw.recv({ mode: "message" }) as Message;
 * await raw.send(new Message(m.body, m.header));
 * ```
 */
export class Message {
  /** SP protocol header bytes (empty for pub/sub, push/pull, pair0, cooked bus). */
  header: Uint8Array;
  /** The payload. */
  body: Uint8Array;
  /** Id of the pipe the message came on (0 when not received). For poly sockets, the pipe to send on. */
  pipe: number;

  constructor(body: Uint8Array = EMPTY, header: Uint8Array = EMPTY, pipe = 0) {
    this.body = body;
    this.header = header;
    this.pipe = pipe;
  }
}

/** A shared zero-length byte array. @internal */
export const EMPTY: Uint8Array = new Uint8Array(0);

/** Big-endian u32 as 4 fresh bytes. @internal */
export function u32be(n: number): Uint8Array {
  const b = new Uint8Array(4);
  b[0] = n >>> 24;
  b[1] = (n >>> 16) & 0xff;
  b[2] = (n >>> 8) & 0xff;
  b[3] = n & 0xff;
  return b;
}

/** Reads a big-endian u32 at `off`. @internal */
export function readU32(b: Uint8Array, off = 0): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}

/** Concatenates byte arrays into one new array. @internal */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * Removes one 32-bit big-endian word from the front of the message, taking it
 * from the header first and then from the body: TCP delivers everything in the
 * body, inproc hands the sender's header over as is. Returns undefined (and
 * leaves the message alone) when fewer than 4 bytes remain.
 * @internal
 */
export function shiftWord(m: Message): number | undefined {
  if (m.header.length === 0) {
    if (m.body.length < 4) return undefined;
    const w = readU32(m.body);
    m.body = m.body.subarray(4);
    return w;
  }
  if (m.header.length < 4) {
    m.body = concatBytes([m.header, m.body]);
    m.header = EMPTY;
    return shiftWord(m);
  }
  const w = readU32(m.header);
  m.header = m.header.subarray(4);
  return w;
}
