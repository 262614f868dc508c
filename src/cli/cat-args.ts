/**
 * Command-line parsing of `nanonext cat`, nngcat's clone. Options, aliases,
 * prefix matching (`--comp` for `--compat`), `--opt=value` / `--opt:value`
 * forms, attached short values (`-L5678`) and every error text follow
 * nngcat 1.5.2, so scripts written for nngcat work unchanged.
 */
import fs from "node:fs";
import { NngError, type NngErrorCode } from "../core/errors.js";

/**
 * The output formats of received messages; `"none"` (no format option) prints nothing, as nngcat does.
 * @example
 * ```ts
 * const f: CatFormat = "quoted";
 * ```
 */
export type CatFormat = "none" | "no" | "raw" | "ascii" | "quoted" | "hex" | "msgpack";

/**
 * nngcat's protocol choices (`pair` resolves to pair1, or pair0 with `--compat`).
 * @example
 * ```ts
 * const p: CatProtocol = "surveyor0";
 * ```
 */
export type CatProtocol = "req0" | "rep0" | "pub0" | "sub0" | "push0" | "pull0" | "surveyor0" | "respondent0" | "pair0" | "pair1" | "pair" | "bus0";

/**
 * One `--dial`/`--listen` (and their aliases), in command-line order.
 * @example
 * ```ts
 * const a: CatAddress = { mode: "listen", url: "tcp://127.0.0.1:5678" }; // from -L 5678
 * ```
 */
export interface CatAddress {
  mode: "dial" | "listen";
  url: string;
}

/**
 * Everything the command line asked for. Durations are milliseconds, `-1`
 * meaning "not given" (infinite), as in nngcat.
 * @example
 * ```ts
 * const o: CatOptions = parseCatArgs(["--req", "--dial", "tcp://127.0.0.1:5555", "-D", "hi"]).options!;
 * o.protocol; // "req0"
 * ```
 */
export interface CatOptions {
  protocol: CatProtocol | undefined;
  addresses: CatAddress[];
  format: CatFormat;
  /** Body of outgoing messages (`--data` or `--file`). */
  data: Uint8Array | undefined;
  topics: Uint8Array[];
  verbose: "normal" | "verbose" | "silent";
  count: number;
  delay: number;
  interval: number;
  sendTimeout: number;
  recvTimeout: number;
  /** `-1`: not given; `--recv-maxsz 0` becomes 0x7fffffff as in nngcat. */
  recvMaxSize: number;
  compat: boolean;
  async: boolean;
  insecure: boolean;
  /** PEM file contents (nngcat loads them while parsing). */
  cacert: Uint8Array | undefined;
  cert: Uint8Array | undefined;
  key: Uint8Array | undefined;
  socketName: string | undefined;
  zeroTierHome: string | undefined;
}

/**
 * A fatal command-line or run-time error of `nanonext cat`: `line` is the
 * exact text printed on stderr (nngcat's wording), the process exits with 1.
 * @example
 * ```ts
 * try { parseCatArgs(["--re"]); } catch (e) { if (e instanceof CatError) console.error(e.line); }
 * // Option --re is ambiguous (specify in full).
 * ```
 */
export class CatError extends NngError {
  /** The message as printed, without a trailing newline. */
  readonly line: string;
  constructor(code: NngErrorCode, line: string, cause?: unknown) {
    super(code, line, cause === undefined ? undefined : { cause });
    this.name = "CatError";
    this.line = line;
  }
}

/**
 * The outcome of parsing: run with options, or print help/version.
 * @example
 * ```ts
 * const r = parseCatArgs(["--help"]); // { action: "help" }
 * ```
 */
export type CatParse = { action: "help" } | { action: "version" } | { action: "run"; options: CatOptions };

/**
 * How files named by `--file`, `--cacert`, `--cert`, `--key` are read (`-` = stdin).
 * Throws a Node system error (with `code`) when the file cannot be read.
 * @example
 * ```ts
 * const fake: FileReader = () => new TextEncoder().encode("body");
 * parseCatArgs(["--push", "-F", "any", "--dial", "inproc://x"], fake);
 * ```
 */
export type FileReader = (path: string) => Uint8Array;

type Key =
  | "help" | "verbose" | "silent" | CatProtocol | "dial" | "listen" | "data" | "file" | "subscribe" | "format" | "ascii" | "quoted"
  | "raw" | "hex" | "msgpack" | "compat" | "async" | "recv-maxsz" | "count" | "delay" | "interval" | "recv-timeout" | "send-timeout"
  | "socket-name" | "bind-ipc" | "connect-ipc" | "bind-local" | "connect-local" | "insecure" | "cacert" | "key" | "cert" | "zt-home"
  | "version";

interface Spec {
  name: string;
  short?: string;
  key: Key;
  arg?: boolean;
}

// nngcat's table, in its order: prefix matching depends on which names exist ("--re" is ambiguous, "--req" is req0).
const SPECS: readonly Spec[] = [
  { name: "help", short: "h", key: "help" },
  { name: "verbose", short: "v", key: "verbose" },
  { name: "silent", short: "q", key: "silent" },
  { name: "req0", key: "req0" },
  { name: "rep0", key: "rep0" },
  { name: "push0", key: "push0" },
  { name: "pull0", key: "pull0" },
  { name: "pub0", key: "pub0" },
  { name: "sub", key: "sub0" },
  { name: "sub0", key: "sub0" },
  { name: "surveyor0", key: "surveyor0" },
  { name: "respondent0", key: "respondent0" },
  { name: "pair", key: "pair" },
  { name: "pair0", key: "pair0" },
  { name: "pair1", key: "pair1" },
  { name: "bus0", key: "bus0" },
  { name: "dial", key: "dial", arg: true },
  { name: "listen", key: "listen", arg: true },
  { name: "data", short: "D", key: "data", arg: true },
  { name: "file", short: "F", key: "file", arg: true },
  { name: "subscribe", key: "subscribe", arg: true },
  { name: "format", key: "format", arg: true },
  { name: "ascii", short: "A", key: "ascii" },
  { name: "quoted", short: "Q", key: "quoted" },
  { name: "raw", key: "raw" },
  { name: "hex", key: "hex" },
  { name: "compat", key: "compat" },
  { name: "async", key: "async" },
  { name: "msgpack", key: "msgpack" },
  { name: "recv-maxsz", short: "Z", key: "recv-maxsz", arg: true },
  { name: "count", short: "C", key: "count", arg: true },
  { name: "delay", short: "d", key: "delay", arg: true },
  { name: "interval", short: "i", key: "interval", arg: true },
  { name: "recv-timeout", key: "recv-timeout", arg: true },
  { name: "send-timeout", key: "send-timeout", arg: true },
  { name: "socket-name", key: "socket-name", arg: true },
  { name: "bind", key: "listen", arg: true },
  { name: "connect", key: "dial", arg: true },
  { name: "bind-ipc", short: "X", key: "bind-ipc", arg: true },
  { name: "connect-ipc", short: "x", key: "connect-ipc", arg: true },
  { name: "bind-local", short: "L", key: "bind-local", arg: true },
  { name: "connect-local", short: "l", key: "connect-local", arg: true },
  { name: "insecure", short: "k", key: "insecure" },
  { name: "cacert", key: "cacert", arg: true },
  { name: "key", key: "key", arg: true },
  { name: "cert", short: "E", key: "cert", arg: true },
  { name: "zt-home", key: "zt-home", arg: true },
  { name: "version", short: "V", key: "version" },
];

const PROTOCOLS = new Set<Key>(["req0", "rep0", "pub0", "sub0", "push0", "pull0", "surveyor0", "respondent0", "pair0", "pair1", "pair", "bus0"]);
const FORMATS: Record<string, CatFormat> = { no: "no", ascii: "ascii", hex: "hex", quoted: "quoted", raw: "raw", msgpack: "msgpack" };

type Step = { done: true } | { done: false; key: Key; value: string; next: number };

/** One option at `argv[i]`, matched as nng_opts_parse does. */
function step(argv: readonly string[], i: number): Step {
  const arg = argv[i];
  // A non-option argument (or a lone "-") ends the options; the rest is ignored, as in nngcat.
  if (arg === undefined || !arg.startsWith("-") || arg === "-") return { done: true };
  const long = arg.startsWith("--");
  const body = long ? arg.slice(2) : arg.slice(1);
  let len = 1;
  if (long) {
    len = body.search(/[=:]/);
    if (len < 0) len = body.length;
  }
  const word = body.slice(0, len);
  let found: Spec | undefined;
  let matches = 0;
  for (const s of SPECS) {
    if (!long) {
      if (s.short === body[0]) {
        found = s;
        matches = 1;
        break;
      }
      continue;
    }
    if (!s.name.startsWith(word)) continue;
    found = s;
    matches++;
    if (s.name.length === len) {
      matches = 1; // an exact name wins over prefixes
      break;
    }
  }
  if (matches === 0 || !found) throw new CatError("EINVAL", `Option ${arg} is invalid.`);
  if (matches > 1) throw new CatError("EAMBIGUOUS", `Option ${arg} is ambiguous (specify in full).`);
  if (!found.arg) {
    if (body.length > len) throw new CatError("EINVAL", `Option ${arg} is invalid.`);
    return { done: false, key: found.key, value: "", next: i + 1 };
  }
  if (body.length > len) return { done: false, key: found.key, value: body.slice(long ? len + 1 : len), next: i + 1 };
  const value = argv[i + 1];
  if (value === undefined) throw new CatError("ENOARG", `Option ${arg} requires argument.`);
  return { done: false, key: found.key, value, next: i + 2 };
}

/**
 * nngcat's integer arguments: decimal digits only, at most `max`.
 * @example
 * ```ts
 * intArg("5", 86400); // 5
 * ```
 */
export function intArg(val: string, max: number): number {
  if (val === "") throw new CatError("EINVAL", "Empty integer argument.");
  let v = 0;
  for (const ch of val) {
    if (ch < "0" || ch > "9") throw new CatError("EINVAL", "Integer argument expected.");
    v = v * 10 + (ch.charCodeAt(0) - 48);
    if (v > max) throw new CatError("EINVAL", "Integer argument too large.");
  }
  return v;
}

// C's strerror texts for what Node reports, so file errors read as nngcat's.
const SYS_TEXT: Record<string, string> = {
  ENOENT: "No such file or directory",
  EACCES: "Permission denied",
  EPERM: "Operation not permitted",
  EISDIR: "Is a directory",
  ENOTDIR: "Not a directory",
  ELOOP: "Too many levels of symbolic links",
  ENAMETOOLONG: "File name too long",
  EMFILE: "Too many open files",
  ENFILE: "Too many open files in system",
  EIO: "Input/output error",
  ENXIO: "No such device or address",
};

/**
 * Reads a file (`-` = standard input).
 * @example
 * ```ts
 * const body = readFileOrStdin("-");
 * ```
 */
export const readFileOrStdin: FileReader = (path) => new Uint8Array(fs.readFileSync(path === "-" ? 0 : path));

function load(path: string, read: FileReader): Uint8Array {
  try {
    return read(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "";
    const text = SYS_TEXT[code] ?? (err as Error).message;
    // fopen() succeeds on a directory; the read is what fails.
    const line = code === "EISDIR" ? `Read from ${path} failed: ${text}` : `Cannot open file ${path}: ${text}`;
    throw new CatError(code === "ENOENT" ? "ENOENT" : "EINVAL", line, err);
  }
}

function defaults(): CatOptions {
  return {
    protocol: undefined, addresses: [], format: "none", data: undefined, topics: [], verbose: "normal", count: 0, delay: 0,
    interval: -1, sendTimeout: -1, recvTimeout: -1, recvMaxSize: -1, compat: false, async: false, insecure: false,
    cacert: undefined, cert: undefined, key: undefined, socketName: undefined, zeroTierHome: undefined,
  };
}

const DAY = 86400;
const utf8 = (s: string) => new TextEncoder().encode(s);

/**
 * Parses `nanonext cat` arguments exactly as nngcat does, loading `--file`,
 * `--cacert`, `--cert`, `--key` on the way (so their errors come in
 * command-line order). Checks that need the whole line are in
 * {@link checkCatOptions}.
 *
 * @throws {@link CatError} with nngcat's message (`EINVAL`, `EAMBIGUOUS`, `ENOARG`, `ENOENT`)
 * @example
 * ```ts
 * const r = parseCatArgs(["--rep", "--listen=tcp://127.0.0.1:5555", "-D", "42", "--quoted"]);
 * if (r.action === "run") console.log(r.options.format); // "quoted"
 * ```
 */
export function parseCatArgs(argv: readonly string[], read: FileReader = readFileOrStdin): CatParse {
  const o = defaults();
  const once = (cur: unknown, line: string) => {
    if (cur !== undefined) throw new CatError("EINVAL", line);
  };
  let i = 0;
  for (;;) {
    const s = step(argv, i);
    if (s.done) break;
    i = s.next;
    const v = s.value;
    switch (s.key) {
      case "help":
        return { action: "help" };
      case "version":
        return { action: "version" };
      case "dial":
      case "listen":
        o.addresses.push({ mode: s.key, url: v });
        break;
      case "bind-local":
      case "connect-local":
        o.addresses.push({ mode: s.key === "bind-local" ? "listen" : "dial", url: `tcp://127.0.0.1:${intArg(v, 65536)}` });
        break;
      case "bind-ipc":
      case "connect-ipc":
        o.addresses.push({ mode: s.key === "bind-ipc" ? "listen" : "dial", url: `ipc:///${v}` });
        break;
      case "count":
        o.count = intArg(v, 0x7fffffff);
        break;
      case "subscribe":
        o.topics.push(utf8(v));
        break;
      case "verbose":
      case "silent":
        o.verbose = s.key;
        break;
      case "delay":
        o.delay = intArg(v, DAY) * 1000;
        break;
      case "interval":
        o.interval = intArg(v, DAY) * 1000;
        break;
      case "send-timeout":
        o.sendTimeout = intArg(v, DAY) * 1000;
        break;
      case "recv-timeout":
        o.recvTimeout = intArg(v, DAY) * 1000;
        break;
      case "recv-maxsz":
        o.recvMaxSize = intArg(v, 0x7fffffff) || 0x7fffffff;
        break;
      case "compat":
        o.compat = true;
        break;
      case "async":
        o.async = true;
        break;
      case "ascii":
      case "raw":
      case "quoted":
      case "msgpack":
      case "hex":
        if (o.format !== "none") throw new CatError("EINVAL", "Format may be specified only once.");
        o.format = s.key;
        break;
      case "format": {
        if (o.format !== "none") throw new CatError("EINVAL", "Format may be specified only once.");
        const f = FORMATS[v];
        if (!f) throw new CatError("EINVAL", "Invalid format specified.");
        o.format = f;
        break;
      }
      case "file":
      case "data":
        once(o.data, "Data (--file, --data) may be specified only once.");
        o.data = s.key === "file" ? load(v, read) : utf8(v);
        break;
      case "cacert":
        once(o.cacert, "CA Certificate (--cacert) may be specified only once.");
        o.cacert = load(v, read);
        break;
      case "key":
        once(o.key, "Key (--key) may be specified only once.");
        o.key = load(v, read);
        break;
      case "cert":
        once(o.cert, "Cert (--cert) may be specified only once.");
        o.cert = load(v, read);
        break;
      case "zt-home":
        o.zeroTierHome = v;
        break;
      case "socket-name":
        o.socketName = v;
        break;
      case "insecure":
        o.insecure = true;
        break;
      default:
        if (PROTOCOLS.has(s.key)) {
          if (o.protocol !== undefined) throw new CatError("EINVAL", "Only one protocol may be specified.");
          o.protocol = s.key as CatProtocol;
        }
    }
  }
  return { action: "run", options: o };
}

/**
 * The protocols after `--pair` is resolved.
 * @example
 * ```ts
 * const p: CatResolvedProtocol = "pair1";
 * ```
 */
export type CatResolvedProtocol = Exclude<CatProtocol, "pair">;

/**
 * The whole-line checks nngcat makes after parsing, in its order; resolves
 * `--pair` (pair1, or pair0 with `--compat`) and `--compat` (async dialing).
 *
 * @throws {@link CatError} e.g. "No address specified.", "Protocol requires either --file or --data."
 * @example
 * ```ts
 * const p = parseCatArgs(["--push", "--dial", "ipc:///tmp/x", "-D", "hi"]);
 * if (p.action === "run") checkCatOptions(p.options).protocol; // "push0"
 * ```
 */
export function checkCatOptions(o: CatOptions): CatOptions & { protocol: CatResolvedProtocol } {
  const bad = (line: string): never => {
    throw new CatError("EINVAL", line);
  };
  if (o.addresses.length === 0) bad("No address specified.");
  let protocol = o.protocol;
  let async = o.async;
  if (o.compat) {
    if (o.async) bad("Options --async and --compat are incompatible.");
    if (o.count !== 0) bad("Options --count and --compat are incompatible.");
    if (protocol === "pair") protocol = "pair0";
    if (protocol === "pair1") bad("Protocol does not support --compat.");
    async = true;
  } else if (protocol === "pair") {
    protocol = "pair1";
  }
  let topics = o.topics;
  if (protocol === "sub0") {
    if (topics.length === 0) topics = [new Uint8Array(0)]; // everything
  } else if (topics.length > 0) {
    bad("Protocol does not support --subscribe.");
  }
  switch (protocol) {
    case "pull0":
    case "sub0":
      if (o.data) bad("Protocol does not support --file or --data.");
      if (o.interval >= 0) bad("Protocol does not support --interval.");
      break;
    case "push0":
    case "pub0":
      if (o.format !== "none") bad("Protocol does not support --format options.");
      if (!o.data) bad("Protocol requires either --file or --data.");
      break;
    case "surveyor0":
    case "req0":
      if (!o.data) bad("Protocol requires either --file or --data.");
      break;
    case "rep0":
    case "respondent0":
      if (o.interval >= 0) bad("Protocol does not support --interval.");
      break;
    case "pair0":
    case "pair1":
    case "bus0":
      if (o.interval >= 0 && !o.data) bad("Option --interval requires either --file or --data.");
      break;
    default:
      break;
  }
  if (protocol === undefined) return bad("No protocol specified.");
  return { ...o, protocol, async, topics };
}
