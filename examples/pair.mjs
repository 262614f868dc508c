// pair1 "poly": one socket talks to several peers and picks the peer per message.
import { socket } from "nanonext";

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
