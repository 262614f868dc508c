// A pipeline: one pusher load-balances work across two pullers (inproc, no copies).
import { socket } from "nanonext";

const push = await socket("push", { listen: "inproc://work" });
const workers = await Promise.all([1, 2].map(() => socket("pull", { dial: "inproc://work" })));
await new Promise((resolve) => {
  const check = () => (push.pipeIds.length === 2 ? resolve() : push.once("pipe:add", check));
  check();
});

const N = 10;
const counts = [0, 0];
const done = Promise.all(
  workers.map(async (w, i) => {
    for await (const job of w.messages({ mode: "string" })) {
      counts[i]++;
      if (counts[0] + counts[1] === N) break;
    }
  }),
);
for (let i = 0; i < N; i++) await push.send(`job ${i}`);
await Promise.race([done, new Promise((r) => setTimeout(r, 2000))]);
console.log(`worker 1 took ${counts[0]} jobs, worker 2 took ${counts[1]}`);
for (const w of workers) await w.close();
await push.close();
