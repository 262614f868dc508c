/** Command line of `nanonext messenger`: parsed here, run in messenger.ts. */
import { nngError } from "../core/errors.js";

/**
 * Usage text printed by `--help` and after a usage error.
 * @example
 * ```ts
 * process.stdout.write(MESSENGER_USAGE + "\n");
 * ```
 */
export const MESSENGER_USAGE = `usage: nanonext messenger [--key <file> | --key-hex <hex>] <url>
       nanonext messenger keygen [<file>]

A console chat between two peers over a pair socket: the first to start
listens on <url>, the second dials it. Both must hold the same key; each
side proves it by signing a fresh challenge, and every line is encrypted.

  --key <file>      key file (make one with "nanonext messenger keygen <file>")
  --key-hex <hex>   the key as hex digits (at least 32)
  NANONEXT_KEY      environment variable: a key or passphrase, used when
                    neither option is given

Type a line and press Enter to send it; ":q" or end of input quits.
Exit codes: 0 normal end, 1 error or failed authentication, 2 usage.`;

/**
 * A parsed command line.
 * @example
 * ```ts
 * const cmd: MessengerCommand = { kind: "keygen", file: "chat.key" };
 * ```
 */
export type MessengerCommand =
  | { kind: "help" }
  | { kind: "keygen"; file: string | undefined }
  | { kind: "chat"; url: string; keyFile: string | undefined; keyHex: string | undefined };

/**
 * Parses the arguments after `nanonext messenger`.
 *
 * @throws {@link NngError} EINVAL with a message for the user on a usage error
 * @example
 * ```ts
 * parseMessengerArgs(["--key", "chat.key", "tcp://127.0.0.1:5555"]);
 * // { kind: "chat", url: "tcp://127.0.0.1:5555", keyFile: "chat.key", keyHex: undefined }
 * ```
 */
export function parseMessengerArgs(args: readonly string[]): MessengerCommand {
  if (args.includes("--help") || args.includes("-h")) return { kind: "help" };
  if (args[0] === "keygen") {
    if (args.length > 2) throw nngError("EINVAL", "keygen takes at most one file name");
    const file = args[1];
    if (file !== undefined && file.startsWith("-") && file !== "-") throw nngError("EINVAL", `unknown option ${file}`);
    return { kind: "keygen", file: file === "-" ? undefined : file };
  }
  let url: string | undefined;
  let keyFile: string | undefined;
  let keyHex: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const eq = a.indexOf("=");
    const [name, inline] = a.startsWith("--") && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    if (name === "--key" || name === "-k" || name === "--key-hex") {
      const v = inline ?? args[++i];
      if (v === undefined || v === "") throw nngError("EINVAL", `${name} needs a value`);
      if (name === "--key-hex") keyHex = v;
      else keyFile = v;
    } else if (a.startsWith("-")) {
      throw nngError("EINVAL", `unknown option ${a}`);
    } else if (url === undefined) {
      url = a;
    } else {
      throw nngError("EINVAL", `unexpected argument ${a}`);
    }
  }
  if (url === undefined) throw nngError("EINVAL", "a url is required, e.g. tcp://127.0.0.1:5555");
  if (keyFile !== undefined && keyHex !== undefined) throw nngError("EINVAL", "give --key or --key-hex, not both");
  return { kind: "chat", url, keyFile, keyHex };
}
