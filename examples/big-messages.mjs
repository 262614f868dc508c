// Big messages over tcp: each received 1 MiB message is given back with release() once
// used, so the next receive reads into warm memory instead of fresh memory (nng_msg_free).
import { release, socket } from "nanonext";

const SIZE = 1 << 20;
const N = 200;
const pull = await socket("pull", { listen: "tcp://127.0.0.1:0" });
const push = await socket("push", { dial: pull.listeners[0].url, autostart: "sync" });

const sending = (async () => {
  const body = new Uint8Array(SIZE);
  for (let i = 0; i < N; i++) {
    body[0] = i;
    // A copy each time: a resolved send may still be queued for writing, so its bytes must not change.
    await push.send(body.slice());
  }
})();

const t0 = performance.now();
let reused = 0;
let last;
for (let i = 0; i < N; i++) {
  const m = await pull.recv();
  if (m.length !== SIZE || m[0] !== (i & 255)) throw new Error(`message ${i} is wrong`);
  if (m.buffer === last) reused++;
  last = m.buffer;
  release(m); // done with m: its memory carries a later message
}
await sending;
const s = (performance.now() - t0) / 1000;
console.log(`${N} × 1 MiB in ${s.toFixed(2)} s (${((N * SIZE) / s / 1e6).toFixed(0)} MB/s), ${reused} received into released memory`);
await push.close();
await pull.close();
