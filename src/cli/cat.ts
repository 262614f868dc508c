/**
 * `nanonext cat`: nngcat 1.5.2 rebuilt on nanonext's sockets. Same options,
 * same send/receive loops per protocol, same output formats, same stderr
 * texts and exit codes (1 on any fatal error, 0 otherwise).
 */
import fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
// The package entry: it registers every Node transport.
import { isNngError, NngError, Socket, strerror, tlsConfig, type TlsConfig } from "../index.js";
import { CatError, checkCatOptions, parseCatArgs, readFileOrStdin, type CatOptions, type CatResolvedProtocol, type FileReader } from "./cat-args.js";
import { formatMessage } from "./cat-format.js";
import { CAT_USAGE } from "./cat-usage.js";

export { CAT_USAGE } from "./cat-usage.js";

/**
 * Where `nanonext cat` reads and writes; tests pass their own.
 * @example
 * ```ts
 * const chunks: Uint8Array[] = [];
 * await catMain(["--pull", "--listen", "ipc:///tmp/p", "--raw", "-C", "1"], { out: (b) => chunks.push(b), err: console.error });
 * ```
 */
export interface CatIo {
  /** Standard output (received messages, verbose lines). */
  out(bytes: Uint8Array): void;
  /** One line for standard error, without its newline. */
  err(line: string): void;
  /** Reads `--file`/`--cacert`/`--cert`/`--key` files (`-` = stdin). */
  readFile?: FileReader | undefined;
}

type Options = CatOptions & { protocol: CatResolvedProtocol };

/** Drain time after the last send, as nngcat (its send queues have no flush either). */
const DRAIN_MS = 200;


/**
 * The `version` of nanonext's package.json.
 * @example
 * ```ts
 * console.log(packageVersion()); // "0.1.0"
 * ```
 */
export function packageVersion(): string {
  // src/cli and dist/cli are both two levels below the package root.
  const text = fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}

const encoder = new TextEncoder();

/** nng_strerror's text for an error, as nngcat prints it. */
function text(err: unknown): string {
  if (err instanceof NngError) return strerror(err.errno);
  return err instanceof Error ? err.message : String(err);
}

function fatal(line: string, err?: unknown): never {
  throw new CatError(err instanceof NngError ? err.code : "EINVAL", line, err);
}

const done = (err: unknown) => isNngError(err, "ETIMEDOUT") || isNngError(err, "ESTATE") || isNngError(err, "EAGAIN");

const isTlsUrl = (url: string) => /^(wss[46]?|tls\+tcp[46]?):/i.test(url);

const PEM = "-----BEGIN ";

/** nngcat's TLS settings: --insecure, --cert (with --key, or one file holding both), --cacert. */
function makeTls(o: Options): TlsConfig {
  const dec = new TextDecoder();
  const pem = (b: Uint8Array) => {
    const s = dec.decode(b);
    // tlsConfig would take non-PEM text for a file name.
    if (!s.includes(PEM)) throw new NngError("ECRYPTO", "not PEM");
    return s;
  };
  try {
    const cert = o.cert ? pem(o.cert) : undefined;
    return tlsConfig({
      auth: o.insecure ? "none" : undefined,
      server: cert === undefined ? undefined : o.key ? [cert, pem(o.key)] : cert,
      client: o.cacert ? pem(o.cacert) : undefined,
    });
  } catch (err) {
    return fatal(`Unable to configure TLS: ${text(err)}`, err);
  }
}

async function connect(sock: Socket, o: Options, io: CatIo): Promise<void> {
  let tls: TlsConfig | undefined;
  for (const a of o.addresses) {
    const cfg = isTlsUrl(a.url) ? (tls ??= makeTls(o)) : undefined;
    if (a.mode === "dial") {
      const d = await sock.dial(a.url, { autostart: false, tls: cfg }).catch((e: unknown) => fatal(`Unable to create dialer for ${a.url}: ${text(e)}`, e));
      await d.start({ async: o.async }).catch((e: unknown) => fatal(`Unable to dial on ${a.url}: ${text(e)}`, e));
      if (o.verbose === "verbose") io.out(encoder.encode(`Connected to: ${d.url}\n`));
    } else {
      const l = await sock.listen(a.url, { autostart: false, tls: cfg }).catch((e: unknown) => fatal(`Unable to create listener for ${a.url}: ${text(e)}`, e));
      await l.start().catch((e: unknown) => fatal(`Unable to listen on ${a.url}: ${text(e)}`, e));
      if (o.verbose === "verbose") io.out(encoder.encode(`Listening at: ${l.url}\n`));
    }
  }
}

function print(o: Options, io: CatIo, body: Uint8Array): void {
  const bytes = formatMessage(o.format, body);
  if (bytes.length > 0) io.out(bytes);
}

/** Receives until `--count` messages, a timeout, or the end of a survey. */
async function recvLoop(sock: Socket, o: Options, io: CatIo): Promise<void> {
  for (let iters = 0; o.count === 0 || iters < o.count; iters++) {
    let body: Uint8Array;
    try {
      body = await sock.recv();
    } catch (err) {
      if (done(err)) return;
      fatal(`Receive error: ${text(err)}`, err);
    }
    print(o, io, body);
  }
}

/** rep/respondent with data: print each request, answer it with the data. */
async function respLoop(sock: Socket, o: Options, io: CatIo, data: Uint8Array): Promise<void> {
  for (let iters = 0; ; ) {
    const body = await sock.recv().catch((e: unknown) => fatal(`Receive error: ${text(e)}`, e));
    print(o, io, body);
    await sock.send(data).catch((e: unknown) => fatal(`Send error: ${text(e)}`, e));
    iters++;
    if (o.count > 0 && iters >= o.count) break;
  }
  await sleep(DRAIN_MS);
}

/** push/pub: send once, or `--count` times, every `--interval`. */
async function sendLoop(sock: Socket, o: Options, data: Uint8Array): Promise<void> {
  if (o.delay > 0) await sleep(o.delay);
  for (let iters = 0; ; ) {
    const start = performance.now();
    await sock.send(data).catch((e: unknown) => fatal(`Send error: ${text(e)}`, e));
    iters++;
    if ((o.interval < 0 && o.count === 0) || (o.count > 0 && iters >= o.count)) break;
    const delta = performance.now() - start;
    if (delta < o.interval) await sleep(o.interval - delta);
  }
  await sleep(DRAIN_MS);
}

/**
 * req/surveyor (and pair/bus with data): send, then print what comes back
 * until the interval ends, the receive times out or the exchange is over.
 */
async function sendRecv(sock: Socket, o: Options, io: CatIo, data: Uint8Array): Promise<void> {
  if (o.delay > 0) await sleep(o.delay);
  for (let iters = 0; ; ) {
    const start = performance.now();
    await sock.send(data).catch((e: unknown) => fatal(`Send error: ${text(e)}`, e));
    if (o.interval < 0 && o.count === 0) {
      await recvLoop(sock, o, io);
      return;
    }
    for (;;) {
      // nngcat computes interval - elapsed even without --interval (a negative, invalid
      // timeout); without one we wait as long as --recv-timeout says.
      let expire = o.interval < 0 ? -1 : Math.max(0, Math.floor(o.interval - (performance.now() - start)));
      if (o.recvTimeout >= 0 && (expire < 0 || expire > o.recvTimeout)) expire = o.recvTimeout;
      let body: Uint8Array;
      try {
        body = await sock.recv({ timeout: expire });
      } catch (err) {
        if (done(err)) break;
        fatal(`Cannot receive: ${text(err)}`, err);
      }
      print(o, io, body);
    }
    iters++;
    if (o.count > 0 && iters >= o.count) return;
    const delta = performance.now() - start;
    if (delta < o.interval) await sleep(o.interval - delta);
  }
}

function configure(sock: Socket, o: Options): void {
  for (const t of o.topics) sock.subscribe(t);
  if (o.sendTimeout > 0) sock.setOpt("send-timeout", o.sendTimeout);
  if (o.recvTimeout > 0) sock.setOpt("recv-timeout", o.recvTimeout);
  if (o.recvMaxSize >= 0) sock.setOpt("recv-size-max", o.recvMaxSize);
}

async function run(sock: Socket, o: Options, io: CatIo): Promise<void> {
  const data = o.data;
  switch (o.protocol) {
    case "sub0":
    case "pull0":
      return recvLoop(sock, o, io);
    case "rep0":
    case "respondent0":
      return data ? respLoop(sock, o, io, data) : recvLoop(sock, o, io);
    case "push0":
    case "pub0":
      return sendLoop(sock, o, data!);
    case "bus0":
    case "pair0":
    case "pair1":
      return data ? sendRecv(sock, o, io, data) : recvLoop(sock, o, io);
    case "req0":
    case "surveyor0":
      return sendRecv(sock, o, io, data!);
  }
}

/**
 * Runs `nanonext cat` with the arguments after `cat`; resolves with the exit
 * code (0, or 1 after printing nngcat's error text on stderr — and 1 for
 * `--help`, as nngcat).
 *
 * @example
 * ```ts
 * process.exitCode = await catMain(["--req", "--dial", "tcp://127.0.0.1:5555", "--data", "hi", "--quoted"]);
 * ```
 */
export async function catMain(args: readonly string[], io: CatIo = processIo()): Promise<number> {
  let sock: Socket | undefined;
  try {
    const parsed = parseCatArgs(args, io.readFile ?? readFileOrStdin);
    if (parsed.action === "help") {
      io.out(encoder.encode(CAT_USAGE));
      return 1;
    }
    if (parsed.action === "version") {
      io.out(encoder.encode(`${packageVersion()}\n`));
      return 0;
    }
    const o = checkCatOptions(parsed.options);
    sock = new Socket(o.protocol);
    configure(sock, o);
    await connect(sock, o, io);
    await run(sock, o, io);
    return 0;
  } catch (err) {
    if (!(err instanceof CatError)) throw err;
    io.err(err.line);
    return 1;
  } finally {
    await sock?.close();
  }
}

/**
 * Standard output and error of this process.
 * @example
 * ```ts
 * await catMain(process.argv.slice(3), processIo());
 * ```
 */
export function processIo(): CatIo {
  return {
    out: (b) => void process.stdout.write(b),
    err: (line) => void process.stderr.write(`${line}\n`),
  };
}
