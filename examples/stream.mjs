// Streams to non-SP peers (nanonext's stream()): a WebSocket client talking to an ordinary
// WebSocket server, then a one-connection TCP byte stream between our own listener and dialer.
import { WebSocketServer } from "ws";
import { recvAio, stream } from "../dist/index.js";

// 1. A WebSocket client. The server here is the `ws` package standing in for any public
//    service; it upper-cases text messages and reads the header we add to the upgrade.
const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
await new Promise((resolve) => wss.once("listening", resolve));
wss.on("connection", (ws, req) => {
  ws.send(`hello ${req.headers.authorization}`);
  ws.on("message", (data) => ws.send(String(data).toUpperCase()));
});
const ws = await stream({ dial: `ws://127.0.0.1:${wss.address().port}/feed`, textframes: true, headers: { Authorization: "Bearer demo" } });
console.log(await ws.recv({ mode: "string", timeout: 5000 }));         // hello Bearer demo
await ws.send("one message per send");
console.log(await recvAio(ws, { mode: "string", timeout: 5000 }));     // ONE MESSAGE PER SEND
await ws.close();
await new Promise((resolve) => wss.close(resolve));

// 2. A raw TCP byte stream: no SP handshake, no framing. listen resolves once one client has
//    connected; onListening gives the real port first. Each recv returns what has arrived,
//    at most `buffer` bytes.
let onListening;
const listening = new Promise((resolve) => (onListening = resolve));
const accepted = stream({ listen: "tcp://127.0.0.1:0", buffer: 8, onListening });
const client = await stream({ dial: await listening });
const server = await accepted;
await client.send("a byte stream has no message boundaries");
await client.close();                                   // the server reads what was sent, then the end
const pieces = [];
for await (const chunk of server.messages({ mode: "string" })) pieces.push(chunk);
console.log(pieces.length, "pieces of at most 8 bytes:", JSON.stringify(pieces.join("")));
await server.close();
