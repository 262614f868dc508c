/**
 * Where the messenger's shared secret comes from: a key file, a hex string or
 * the NANONEXT_KEY environment variable, all read by one rule so the same
 * key given any way gives the same secret.
 */
import { readFile, writeFile } from "node:fs/promises";
import nacl from "tweetnacl";
import { nngError } from "../core/errors.js";

/**
 * Bytes in a key made by {@link generateKeyText}.
 * @example
 * ```ts
 * generateKeyText().length === 2 * KEY_BYTES; // true
 * ```
 */
export const KEY_BYTES = 32;
/**
 * Secrets shorter than this get a warning: a guessable passphrase can be found offline from one recorded handshake.
 * @example
 * ```ts
 * if (secret.length < WEAK_KEY_BYTES) console.warn("weak key");
 * ```
 */
export const WEAK_KEY_BYTES = 16;

const HEX = /^(?:[0-9a-fA-F]{2}){16,}$/;

/**
 * The secret bytes of a key text: 32 or more hex digits (an even count) are
 * decoded as hex, anything else is taken as a passphrase (its UTF-8 bytes).
 * Surrounding whitespace is ignored.
 *
 * @throws {@link NngError} EINVAL when the text is empty
 * @example
 * ```ts
 * secretFromText("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08").length; // 32
 * secretFromText("correct horse battery staple").length;                            // 28
 * ```
 */
export function secretFromText(text: string): Uint8Array {
  const t = text.trim();
  if (t.length === 0) throw nngError("EINVAL", "the messenger key is empty");
  if (HEX.test(t)) return Uint8Array.from(Buffer.from(t, "hex"));
  return new TextEncoder().encode(t);
}

/**
 * Parses `--key-hex`: hex digits only, at least 16 bytes.
 *
 * @throws {@link NngError} EINVAL for anything else
 * @example
 * ```ts
 * secretFromHex("00112233445566778899aabbccddeeff"); // 16 bytes
 * ```
 */
export function secretFromHex(hex: string): Uint8Array {
  const t = hex.trim();
  if (!HEX.test(t)) throw nngError("EINVAL", "--key-hex takes an even number of hex digits, at least 32 (16 bytes)");
  return Uint8Array.from(Buffer.from(t, "hex"));
}

/**
 * Reads a key file (as written by `nanonext messenger keygen`, or any text file).
 *
 * @throws {@link NngError} ENOENT (missing), EPERM (unreadable), EINVAL (empty)
 * @example
 * ```ts
 * const secret = await readKeyFile("chat.key");
 * ```
 */
export async function readKeyFile(file: string): Promise<Uint8Array> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw nngError(code === "ENOENT" ? "ENOENT" : code === "EACCES" ? "EPERM" : "EINVAL", `cannot read key file ${file}`, err);
  }
  try {
    return secretFromText(text);
  } catch {
    throw nngError("EINVAL", `key file ${file} is empty`);
  }
}

/**
 * A fresh random key: 32 bytes as 64 hex digits.
 *
 * @example
 * ```ts
 * generateKeyText(); // "3b9e…" (64 hex digits)
 * ```
 */
export function generateKeyText(): string {
  return Buffer.from(nacl.randomBytes(KEY_BYTES)).toString("hex");
}

/**
 * Writes a fresh key to `file` (mode 0600), never overwriting an existing file.
 *
 * @throws {@link NngError} EEXIST when the file exists, EPERM / ENOENT when it cannot be created
 * @example
 * ```ts
 * await writeKeyFile("chat.key"); // then copy chat.key to the other peer
 * ```
 */
export async function writeKeyFile(file: string): Promise<void> {
  try {
    await writeFile(file, generateKeyText() + "\n", { flag: "wx", mode: 0o600 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const nng = code === "EEXIST" ? "EEXIST" : code === "ENOENT" ? "ENOENT" : code === "EACCES" ? "EPERM" : "EINVAL";
    throw nngError(nng, code === "EEXIST" ? `${file} already exists (not overwritten)` : `cannot write ${file}`, err);
  }
}
