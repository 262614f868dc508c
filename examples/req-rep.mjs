// Request/reply over TCP: rep servers on ephemeral ports and req clients.
// Run: npm run demo   (builds, then runs this file)
import os from "node:os";
import path from "node:path";
import { socket, nano } from "nanonext";

const rep = await socket("rep", { listen: "tcp://127.0.0.1:0" });
const url = rep.listeners[0].url; // the real bound port
console.log(`rep listening on ${url}`);

// The server answers every request until its socket closes (the loop then ends).
const served = (async () => {
  for await (const msg of rep.messages({ mode: "string" })) {
    await rep.send(`${msg.toUpperCase()} (from rep)`);
  }
})();

const req = await nano("req", { dial: url });
for (const word of ["hello", "scalability", "protocols"]) {
  await req.send(word);
  console.log(`req sent ${JSON.stringify(word)}, got ${JSON.stringify(await req.recv({ mode: "string", timeout: 5000 }))}`);
}

// Any JS value travels in "serial" mode (CBOR): a tiny RPC server.
const rpcUrl = `ipc://${path.join(os.tmpdir(), `nanonext-demo-${process.pid}.ipc`)}`;
const rpcServer = await socket("rep", { listen: rpcUrl });
const rpcServed = (async () => {
  for await (const call of rpcServer.messages({ mode: "serial" })) {
    const result = call.op === "sum" ? call.args.reduce((a, b) => a + b, 0) : null;
    await rpcServer.send({ result, at: new Date() }, { mode: "serial" });
  }
})();
const rpc = await nano("req", { dial: rpcUrl });
await rpc.send({ op: "sum", args: [1, 2, 3] }, { mode: "serial" });
console.log("rpc reply:", await rpc.recv({ mode: "serial", timeout: 5000 }));

await Promise.all([req.close(), rpc.close(), rep.close(), rpcServer.close()]);
await Promise.all([served, rpcServed]);
console.log("closed; the process exits by itself");
