// Quick push/pull throughput of nanonext alone, in one process (npm run bench).
// The full comparison with libnng and zeromq.js is tracked separately.
import os from "node:os";
import path from "node:path";
import { socket } from "nanonext";

async function run(url, size, count) {
  const pull = await socket("pull", { listen: url });
  const push = await socket("push", { dial: pull.listeners[0].url, "reconnect-time-min": 10 });
  const body = new Uint8Array(size);
  const t0 = process.hrtime.bigint();
  const reader = (async () => {
    for (let i = 0; i < count; i++) await pull.recv();
  })();
  for (let i = 0; i < count; i++) await push.send(body);
  await reader;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  await push.close();
  await pull.close();
  return { msgs: count / s, mbps: (count * size) / s / 1e6 };
}

const rows = [];
for (const [name, url] of [
  ["inproc", `inproc://bench-${process.pid}`],
  ["ipc", `ipc://${path.join(os.tmpdir(), `nn-bench-${process.pid}.ipc`)}`],
  ["tcp", "tcp://127.0.0.1:0"],
]) {
  for (const [size, count] of [[64, 200_000], [1024, 100_000], [65536, 5_000]]) {
    const r = await run(url, size, count);
    rows.push({ transport: name, size, "msg/s": Math.round(r.msgs), "MB/s": Math.round(r.mbps) });
  }
}
console.table(rows);
