// Bus: a full mesh of three nodes; each message reaches every directly connected peer.
import { socket } from "nanonext";

const a = await socket("bus", { listen: "inproc://bus-a" });
const b = await socket("bus", { listen: "inproc://bus-b", dial: "inproc://bus-a" });
const c = await socket("bus", { dial: ["inproc://bus-a", "inproc://bus-b"] });
while (a.pipeIds.length < 2 || b.pipeIds.length < 2) await new Promise((r) => setTimeout(r, 5));

await c.send("hello from c");
console.log("a got", await a.recv({ mode: "string", timeout: 1000 }));
console.log("b got", await b.recv({ mode: "string", timeout: 1000 }));
for (const s of [a, b, c]) await s.close();
