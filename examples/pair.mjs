// pair0: exactly one peer, both ways, over ipc. Then pair1 "poly": one socket talks to
// several peers and picks the peer per message.
import os from "node:os";
import path from "node:path";
import { socket } from "nanonext";

const ipc = `ipc://${path.join(os.tmpdir(), `nanonext-pair-example-${process.pid}.ipc`)}`;
const a = await socket("pair", { listen: ipc });
const b = await socket("pair", { dial: ipc, autostart: "sync" });
await a.send("ping from a");
console.log("b got", await b.recv({ mode: "string", timeout: 1000 }));
await b.send("pong from b");
console.log("a got", await a.recv({ mode: "string", timeout: 1000 }));
await b.close();
await a.close();

const hub = await socket("poly", { listen: "tcp://127.0.0.1:0" });
const url = hub.listeners[0].url;
const left = await socket("pair1", { dial: url, autostart: "sync" });
const right = await socket("pair1", { dial: url, autostart: "sync" });

await left.send("hi from left");
await right.send("hi from right");
for (let i = 0; i < 2; i++) {
  const m = await hub.recv({ mode: "message", timeout: 1000 });
  const text = new TextDecoder().decode(m.body);
  console.log(`hub got ${JSON.stringify(text)} on pipe ${m.pipe}; answering that pipe only`);
  await hub.send(`reply to ${text}`, { pipe: m.pipe });
}
console.log("left got", await left.recv({ mode: "string", timeout: 1000 }));
console.log("right got", await right.recv({ mode: "string", timeout: 1000 }));
for (const s of [left, right, hub]) await s.close();
