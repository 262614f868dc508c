// A raw req/rep device (nng's nng_device, nanonext's device()): clients talk to a front
// socket, workers to a back socket, and the device forwards both ways, headers and all.
import { device, socket } from "nanonext";

const front = await socket("rep", { listen: "tcp://127.0.0.1:0", raw: true });
const back = await socket("req", { listen: "inproc://workers", raw: true });
const running = device(front, back); // resolves when either socket closes

const worker = await socket("rep", { dial: "inproc://workers", autostart: "sync" });
const serving = (async () => {
  for await (const q of worker.messages({ mode: "string" })) await worker.send(`${q} -> handled by the worker`);
})();

const client = await socket("req", { dial: front.listeners[0].url, autostart: "sync" });
for (const q of ["job 1", "job 2"]) {
  await client.send(q);
  console.log(await client.recv({ mode: "string", timeout: 5000 }));
}

await client.close();
await front.close();
await back.close();
await running;
await worker.close();
await serving;
