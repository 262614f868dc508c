/**
 * `nanonext messenger`: a console chat between two peers over a pair0
 * socket, after nanonext's removed `messenger()` — but with real
 * authentication and encryption (protocol in messenger-crypto.ts).
 *
 * Whoever starts first listens on the URL; the second finds it in use and
 * dials. On every connection both sides run the handshake; a peer that cannot
 * prove the key is refused ("authentication failed: peer does not hold the
 * key") and its pipe closed before anything it sent is shown; so is a peer
 * that has not finished the handshake within 10 s. A refused dialer gives up
 * (exit 1); a listener keeps waiting for the right peer.
 */
import { clearLine, createInterface, cursorTo } from "node:readline";
import { isNngError, nngError } from "../core/errors.js";
import { socket } from "../index.js";
import { MESSENGER_USAGE, parseMessengerArgs } from "./messenger-args.js";
import { ChatConsole, type ConsoleOutput } from "./messenger-console.js";
import { MAX_TEXT_BYTES, SecureChannel, deriveKey, type ChannelRole } from "./messenger-crypto.js";
import { generateKeyText, readKeyFile, secretFromHex, secretFromText, WEAK_KEY_BYTES, writeKeyFile } from "./messenger-key.js";

/**
 * Options of {@link messenger}.
 * @example
 * ```ts
 * const opts: MessengerOptions = { key: await readFile("chat.key", "utf8"), handshakeTimeout: 5000 };
 * ```
 */
export interface MessengerOptions {
  /** The shared secret: its bytes, or a key text (64 hex digits as `keygen` writes, or a passphrase). */
  key: Uint8Array | string;
  /** Lines to send (default `process.stdin`). */
  input?: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Chat lines (default `process.stdout`). */
  output?: ConsoleOutput;
  /** Status lines: peer connected, authenticated, errors (default `process.stderr`). */
  errorOutput?: ConsoleOutput;
  /** Ends the session like `:q`. */
  signal?: AbortSignal;
  /** Milliseconds a new peer has to finish the handshake (default 10 000). */
  handshakeTimeout?: number;
}

interface Session {
  readonly id: number;
  readonly channel: SecureChannel;
  timer: NodeJS.Timeout | undefined;
  refused: boolean;
}

const SEND_TIMEOUT = 2000;

/**
 * Runs one chat session on `url` until `:q`, end of input, `signal` or (as
 * a dialer) a failed authentication. Resolves with the exit code: 0 for a
 * normal end, 1 for an error or a refused peer.
 *
 * @example
 * ```ts
 * // stdin/stdout/stderr by default; another process runs the same line with the same key
 * const ac = new AbortController();
 * process.once("SIGINT", () => ac.abort());
 * process.exitCode = await messenger("tcp://127.0.0.1:5555", { key: await readFile("chat.key", "utf8"), signal: ac.signal });
 * ```
 */
export async function messenger(url: string, opts: MessengerOptions): Promise<number> {
  if (typeof opts !== "object" || opts === null) throw nngError("EINVAL", "messenger() needs options with a key");
  const out = opts.output ?? process.stdout;
  const err = opts.errorOutput ?? process.stderr;
  const input = opts.input ?? process.stdin;
  const con = new ChatConsole(out, err);
  if (typeof opts.key !== "string" && !(opts.key instanceof Uint8Array)) throw nngError("EINVAL", "key must be a string or a Uint8Array");
  const secret = typeof opts.key === "string" ? secretFromText(opts.key) : opts.key;
  const key = deriveKey(secret);
  const handshakeMs = opts.handshakeTimeout ?? 10_000;
  if (typeof handshakeMs !== "number" || !(handshakeMs > 0) || handshakeMs > 2 ** 31 - 1) throw nngError("EINVAL", "handshakeTimeout must be a positive number of milliseconds");
  if (secret.length < WEAK_KEY_BYTES) con.status(`warning: a key of ${secret.length} bytes can be guessed; use "nanonext messenger keygen"`);

  const sock = await socket("pair", {
    // Unauthenticated peers must not make us buffer much: a line plus framing.
    "recv-size-max": MAX_TEXT_BYTES + 1024,
    "reconnect-time-min": 250,
    "reconnect-time-max": 2000,
  });
  // Set before dialing: a dialer's first pipe may arrive before dial() resolves.
  let role: ChannelRole = "listener";
  const sessions = new Map<number, Session>();
  let current: Session | undefined;
  let quitting = false;
  let finish!: (code: number) => void;
  const finished = new Promise<number>((r) => (finish = r));

  const refuse = (s: Session, why: string) => {
    if (s.refused) return;
    s.refused = true;
    clearTimeout(s.timer);
    con.status(`authentication failed: ${why}`);
    // Our own PROOF may still sit in the pipe's write batch: let it go out, so a
    // wrong-key peer learns it was refused too, then drop the connection.
    setImmediate(() => sock.closePipe(s.id));
    // A dialer would only be refused again on every reconnect: give up.
    if (role === "dialer") void quit(1);
  };

  sock.on("pipe:add", (p) => {
    if (quitting) return;
    const s: Session = { id: p.id, channel: new SecureChannel(key, role), timer: undefined, refused: false };
    sessions.set(p.id, s);
    current = s;
    con.status("peer connected");
    s.timer = setTimeout(() => refuse(s, "peer did not authenticate in time"), handshakeMs);
    sock.send(s.channel.hello(), { timeout: SEND_TIMEOUT }).catch(() => undefined);
  });
  sock.on("pipe:remove", (p) => {
    const s = sessions.get(p.id);
    if (!s) return;
    sessions.delete(p.id);
    clearTimeout(s.timer);
    if (current === s) current = undefined;
    if (!quitting) con.status("peer disconnected");
  });

  // Listen first; when the address is taken (or not ours to bind), dial it, as nanonext's messenger did.
  try {
    try {
      await sock.listen(url);
      con.status(`nanonext messenger | listening on ${sock.listeners[0]?.url ?? url}`);
    } catch (e) {
      if (!isNngError(e, "EADDRINUSE") && !isNngError(e, "EADDRINVAL")) throw e;
      role = "dialer";
      con.status(`nanonext messenger | dialing ${url}`);
      await sock.dial(url);
    }
  } catch (e) {
    await sock.close();
    throw e;
  }
  con.status(`type a line and press Enter to send it; :q to quit`);

  const receiving = (async () => {
    for (;;) {
      let m;
      try {
        m = await sock.recv({ mode: "message" });
      } catch (e) {
        if (!isNngError(e, "ECLOSED")) {
          con.status(`receive failed: ${detail(e)}`);
          void quit(1);
        }
        return;
      }
      const s = sessions.get(m.pipe);
      if (!s || s.refused) continue;
      let step;
      try {
        step = s.channel.receive(m.body);
      } catch (e) {
        refuse(s, isNngError(e, "EPEERAUTH") ? "peer does not hold the key" : detail(e));
        continue;
      }
      if (step.reply) sock.send(step.reply, { timeout: SEND_TIMEOUT }).catch(() => undefined);
      if (step.authenticated) {
        clearTimeout(s.timer);
        con.status("authenticated");
      }
      if (step.text !== undefined) con.incoming(step.text);
      if (step.dropped) con.status(`dropped a message: ${step.dropped}`);
      if (step.leave) sock.closePipe(s.id);
    }
  })();

  const sendLine = async (line: string) => {
    const s = current;
    if (!s || !s.channel.authenticated || s.refused) return con.status("not sent: peer offline");
    let frame;
    try {
      frame = s.channel.seal(line);
    } catch {
      return con.status(`not sent: longer than ${MAX_TEXT_BYTES} bytes`);
    }
    try {
      await sock.send(frame, { timeout: SEND_TIMEOUT });
      con.outgoing(line);
    } catch {
      if (!quitting) con.status("not sent: peer offline");
    }
  };

  // On a terminal readline edits the line, so incoming text never splits what is being typed.
  const interactive = input.isTTY === true && out.isTTY === true;
  const rl = createInterface({ input, output: interactive ? out : undefined, terminal: interactive, crlfDelay: Infinity, prompt: "" });
  let rlClosed = false;
  if (interactive) {
    con.attach({
      clear: () => {
        clearLine(out, 0);
        cursorTo(out, 0);
      },
      redraw: () => {
        if (!rlClosed) rl.prompt(true);
      },
    });
  }
  // Lines are handled one at a time, in order; end of input quits after the last.
  let lines = Promise.resolve();
  const queue = (f: () => Promise<void> | void) => {
    lines = lines.then(f).catch((e: unknown) => con.status(`error: ${detail(e)}`));
  };
  rl.on("line", (line) =>
    queue(() => {
      if (quitting) return;
      if (line.trim() === ":q") return quit(0);
      if (line.trim() === "") return;
      return sendLine(line);
    }),
  );
  rl.on("close", () => {
    rlClosed = true;
    queue(() => quit(0));
  });
  const onAbort = () => void quit(0);
  rl.on("SIGINT", onAbort); // Ctrl-C while readline holds the terminal in raw mode
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener("abort", onAbort, { once: true });

  async function quit(code: number): Promise<void> {
    if (quitting) return;
    quitting = true;
    opts.signal?.removeEventListener("abort", onAbort);
    for (const s of sessions.values()) clearTimeout(s.timer);
    const s = current;
    if (s && s.channel.authenticated && !s.refused) {
      // Best effort: the peer also sees the pipe close.
      await sock.send(s.channel.sealLeave(), { timeout: 500 }).catch(() => undefined);
    }
    await new Promise((r) => setImmediate(r)); // flush what was just sent before the pipes close
    rl.close();
    await sock.close();
    await receiving;
    con.status("session ended");
    finish(code);
  }

  return finished;
}

/**
 * Runs `nanonext messenger <args>` (the arguments after the command name)
 * with the process's stdin, stdout and stderr, and resolves with the exit
 * code: 0 normal end, 1 error or failed authentication, 2 usage error.
 * SIGINT and SIGTERM end the session cleanly.
 *
 * @example
 * ```ts
 * // bin: nanonext messenger --key chat.key tcp://127.0.0.1:5555
 * process.exitCode = await messengerMain(process.argv.slice(3));
 * ```
 */
export async function messengerMain(args: string[]): Promise<number> {
  const err = process.stderr;
  let cmd;
  try {
    cmd = parseMessengerArgs(args);
  } catch (e) {
    // A usage error reads better without nng's "3 | Invalid argument: " prefix.
    err.write(`nanonext messenger: ${detail(e).replace(/^\d+ \| [^:]+: /, "")}\n${MESSENGER_USAGE}\n`);
    return 2;
  }
  if (cmd.kind === "help") {
    process.stdout.write(MESSENGER_USAGE + "\n");
    return 0;
  }
  try {
    if (cmd.kind === "keygen") {
      if (cmd.file === undefined) process.stdout.write(generateKeyText() + "\n");
      else {
        await writeKeyFile(cmd.file);
        err.write(`wrote a new key to ${cmd.file}; give the same file to your peer\n`);
      }
      return 0;
    }
    let secret: Uint8Array;
    if (cmd.keyFile !== undefined) secret = await readKeyFile(cmd.keyFile);
    else if (cmd.keyHex !== undefined) secret = secretFromHex(cmd.keyHex);
    else if (process.env.NANONEXT_KEY) secret = secretFromText(process.env.NANONEXT_KEY);
    else {
      err.write(`nanonext messenger: a key is required: --key <file>, --key-hex <hex> or NANONEXT_KEY\n(make one with "nanonext messenger keygen <file>")\n`);
      return 2;
    }
    const ac = new AbortController();
    const stop = () => ac.abort();
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    try {
      return await messenger(cmd.url, { key: secret, signal: ac.signal });
    } finally {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    }
  } catch (e) {
    err.write(`nanonext messenger: ${detail(e)}\n`);
    return 1;
  }
}

function detail(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
