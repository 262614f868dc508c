// Raw Node `net` over tcp or a unix socket: the ceilings for big messages (no SP framing, no protocol).
//   sink <port|path> <warmupMs> [framed]: counts bytes until the sender closes. With `framed`, it also
//     assembles every BENCH_SIZE bytes into a fresh buffer of their own, as any receiver that hands
//     out whole messages must: the plain-Node cost of new memory per message.
//   source <port|path> <size> <ms>: writes size-byte buffers for ms.
// A numeric address is a tcp port on 127.0.0.1; anything else is a unix socket path.
import fs from "node:fs";
import net from "node:net";
import { print, ready } from "./measure.mjs";
import { monotonicNow } from "./clock.mjs";

const [role, ...args] = process.argv.slice(2);
const where = (addr) => (/^\d+$/.test(addr) ? { port: +addr, host: "127.0.0.1" } : { path: addr });

if (role === "sink") {
  const [addr, warmupMs, mode] = args;
  const warmup = +warmupMs / 1000;
  const size = +process.env.BENCH_SIZE || 1;
  const framed = mode === "framed";
  const server = net.createServer((sock) => {
    let bytes = 0, first = 0, t0 = -1, b0 = 0;
    let msg = framed ? Buffer.allocUnsafe(size) : undefined;
    let pos = 0;
    sock.on("data", (chunk) => {
      bytes += chunk.length;
      if (framed) {
        for (let off = 0; off < chunk.length; ) {
          const k = Math.min(size - pos, chunk.length - off);
          chunk.copy(msg, pos, off, off + k);
          pos += k;
          off += k;
          if (pos === size) {
            msg = Buffer.allocUnsafe(size);
            pos = 0;
          }
        }
      }
      if (first === 0) first = monotonicNow();
      else if (t0 < 0) {
        const t = monotonicNow();
        if (t - first >= warmup) {
          t0 = t;
          b0 = bytes;
        }
      }
    });
    sock.on("end", () => {
      const t1 = monotonicNow();
      if (t0 < 0) t0 = first;
      print({ msgs: (bytes - b0) / size, bytes: bytes - b0, seconds: t1 - t0, rss: Math.round(process.memoryUsage.rss() / 1024) });
      server.close();
      sock.destroy();
    });
  });
  const at = where(addr);
  if (at.path) fs.rmSync(at.path, { force: true });
  server.listen(at, ready);
} else if (role === "source") {
  const [addr, size, ms] = args;
  const body = Buffer.alloc(+size);
  const sock = net.connect(where(addr), () => {
    if (where(addr).port) sock.setNoDelay(true);
    const end = performance.now() + +ms;
    const pump = () => {
      while (performance.now() < end) {
        if (!sock.write(body)) return void sock.once("drain", pump);
      }
      sock.end();
    };
    pump();
  });
} else {
  console.error(`net peer: unknown role ${role}`);
  process.exit(2);
}
