#!/usr/bin/env node
/**
 * The `nanonext` command: `cat` (an nngcat clone), `messenger` (chat over
 * pair sockets) and `bench` (throughput of nanonext's own sockets).
 */
import { catMain, packageVersion } from "./cat.js";

const USAGE = `Usage: nanonext <command> [<args>...]

Commands:
  cat         command-line access to the Scalability Protocols, as nngcat
              (nanonext cat --req --dial tcp://127.0.0.1:5555 --data hi --quoted)
  messenger   a chat between peers over a pair socket (nanonext messenger --help)
  bench       quick throughput and latency of nanonext's own sockets (nanonext bench --help)

Options:
  -h, --help     this text
  -V, --version  the nanonext version
`;

async function dispatch(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "cat":
      return catMain(rest);
    case "messenger": {
      const { messengerMain } = await import("./messenger.js");
      return messengerMain(rest);
    }
    case "bench": {
      const { benchMain } = await import("./bench.js");
      return benchMain(rest);
    }
    case "-h":
    case "--help":
    case "help":
      process.stdout.write(USAGE);
      return 0;
    case "-V":
    case "--version":
      process.stdout.write(`${packageVersion()}\n`);
      return 0;
    default:
      process.stderr.write(command === undefined ? USAGE : `nanonext: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 1;
  }
}

/** Waits until everything written to a stream has been handed to the OS. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write("", () => resolve()));
}

// A closed reader (`nanonext cat ... | head`) ends us quietly, as SIGPIPE ends nngcat.
process.stdout.on("error", () => process.exit(1));

let code: number;
try {
  code = await dispatch(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`nanonext: ${err instanceof Error ? err.message : String(err)}\n`);
  code = 1;
}
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
// Like nngcat's exit(): a background redial or a peer's open pipe must not keep us running.
process.exit(code);
