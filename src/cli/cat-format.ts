/**
 * How `nanonext cat` prints a received message, byte for byte as nngcat 1.5.2
 * does in the C locale (printable = 0x20…0x7e).
 */
import type { CatFormat } from "./cat-args.js";

const printable = (b: number) => b >= 0x20 && b <= 0x7e;
const hex2 = (b: number) => b.toString(16).padStart(2, "0");
const ESCAPES: Record<number, string> = { 0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t", 0x22: '\\"', 0x5c: "\\\\" };

function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * The bytes printed for one received message body:
 *
 * - `raw`: the body as is; `no`/`none`: nothing.
 * - `ascii`: printable bytes as is, others as `.`, no newline (as nngcat 1.5.2).
 * - `quoted`: a C string in double quotes (`\n`, `\r`, `\t`, `\"`, `\\`,
 *   `\xHH` for other unprintable bytes) and a newline.
 * - `hex`: `"\xHH…"` for every byte and a newline.
 * - `msgpack`: a MessagePack bin 8/16/32 header, then the body.
 *
 * @example
 * ```ts
 * new TextDecoder().decode(formatMessage("quoted", new TextEncoder().encode('a"\n'))); // "\"a\\\"\\n\"\n"
 * formatMessage("hex", Uint8Array.of(0x2e)); // bytes of "\"\\x2e\"\n"
 * ```
 */
export function formatMessage(format: CatFormat, body: Uint8Array): Uint8Array {
  switch (format) {
    case "none":
    case "no":
      return new Uint8Array(0);
    case "raw":
      return body;
    case "ascii":
      return body.map((b) => (printable(b) ? b : 0x2e));
    case "quoted": {
      let s = '"';
      for (const b of body) s += ESCAPES[b] ?? (printable(b) ? String.fromCharCode(b) : `\\x${hex2(b)}`);
      return ascii(`${s}"\n`);
    }
    case "hex": {
      let s = '"';
      for (const b of body) s += `\\x${hex2(b)}`;
      return ascii(`${s}"\n`);
    }
    case "msgpack":
      return msgpackBin(body);
  }
}

/** MessagePack "bin" framing: c4 (len < 256), c5 (< 65536) or c6 with a big-endian length. */
function msgpackBin(body: Uint8Array): Uint8Array {
  const n = body.length;
  const head = n < 256 ? [0xc4, n] : n < 65536 ? [0xc5, n >>> 8, n & 0xff] : [0xc6, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  const out = new Uint8Array(head.length + n);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}
