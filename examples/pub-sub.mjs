// Publish/subscribe with topic prefixes over IPC.
import os from "node:os";
import path from "node:path";
import { socket } from "nanonext";

const url = `ipc://${path.join(os.tmpdir(), `nanonext-pubsub-${process.pid}.ipc`)}`;
const pub = await socket("pub", { listen: url });
const sub = await socket("sub", { dial: url, "reconnect-time-min": 50 });
sub.subscribe("weather.");

// A subscriber only sees what is published after it connected: wait for the pipe.
await new Promise((resolve) => (sub.pipeIds.length ? resolve() : sub.once("pipe:add", resolve)));

let got = 0;
const reader = (async () => {
  for await (const m of sub.messages({ mode: "string" })) {
    console.log("sub got", m);
    if (++got === 2) break;
  }
})();

// pub never blocks; repeat until the subscriber has its two messages.
while (got < 2) {
  await pub.send("sports.football 3-1"); // filtered out by the subscriber
  await pub.send("weather.paris sunny");
  await pub.send("weather.oslo snow");
  await new Promise((r) => setTimeout(r, 20));
}
await reader;
await sub.close();
await pub.close();
