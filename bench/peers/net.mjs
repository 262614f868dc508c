// Raw Node `net` over tcp: the ceiling for big messages (no framing, no protocol).
// sink <port> <warmupMs>: count bytes until the sender closes; source <port> <size> <ms>: write size-byte buffers.
import net from "node:net";
import { print, ready } from "./measure.mjs";
import { monotonicNow } from "./clock.mjs";

const [role, ...args] = process.argv.slice(2);

if (role === "sink") {
  const [port, warmupMs] = args;
  const warmup = +warmupMs / 1000;
  const server = net.createServer((sock) => {
    let bytes = 0, first = 0, t0 = -1, b0 = 0;
    sock.on("data", (chunk) => {
      bytes += chunk.length;
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
      const size = +process.env.BENCH_SIZE || 1;
      print({ msgs: (bytes - b0) / size, bytes: bytes - b0, seconds: t1 - t0, rss: Math.round(process.memoryUsage.rss() / 1024) });
      server.close();
      sock.destroy();
    });
  });
  server.listen(+port, "127.0.0.1", ready);
} else if (role === "source") {
  const [port, size, ms] = args;
  const body = Buffer.alloc(+size);
  const sock = net.connect(+port, "127.0.0.1", () => {
    sock.setNoDelay(true);
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
