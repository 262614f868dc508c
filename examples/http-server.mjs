// An HTTP server (nanonext's http_server): a page, a JSON endpoint, a WebSocket echo and a
// Server-Sent Events stream, plus an SP rep socket sharing the same port, all exercised here.
import WebSocket from "ws";
import { formatSse, handler, handlerStream, handlerWs, httpServer, socket } from "../dist/index.js";

const srv = httpServer("http://127.0.0.1:0", [
  handler("/", () => ({ body: "Hello from nanonext" })),
  handler("/api/echo", (req) => ({ headers: { "Content-Type": "application/json" }, body: JSON.stringify({ got: req.body.toString() }) }), { method: "POST" }),
  handlerWs("/ws", (ws, data) => ws.send(`echo: ${data}`), { textframes: true }),
  handlerStream("/events", async (conn) => {
    conn.setHeader("Content-Type", "text/event-stream");
    conn.setHeader("Cache-Control", "no-cache");
    for (let i = 1; i <= 3; i++) await conn.send(formatSse(`tick ${i}`, { event: "tick", id: i }));
    conn.close();
  }),
]);
await srv.start();
console.log("serving at", srv.url); // port 0 replaced by the real one

// Plain HTTP.
console.log(await (await fetch(`${srv.url}/`)).text());
const posted = await fetch(`${srv.url}/api/echo`, { method: "POST", body: "some data" });
console.log(posted.status, await posted.json());
console.log("unknown path:", (await fetch(`${srv.url}/nope`)).status, "wrong method:", (await fetch(`${srv.url}/api/echo`)).status);

// WebSocket (text frames).
const ws = new WebSocket(`${srv.url.replace("http", "ws")}/ws`);
await new Promise((resolve, reject) => {
  ws.once("open", resolve);
  ws.once("error", reject);
});
ws.send("hi");
console.log(String(await new Promise((resolve) => ws.once("message", resolve))));
ws.close();

// Server-Sent Events, read chunk by chunk as the server sends them.
const events = await fetch(`${srv.url}/events`);
const decoder = new TextDecoder();
for await (const chunk of events.body) process.stdout.write(decoder.decode(chunk, { stream: true }));

// An SP socket on the same port: upgrades asking for an SP protocol at /rpc go to it.
const rep = await socket("rep", { listen: `${srv.url.replace("http", "ws")}/rpc` });
const req = await socket("req", { dial: rep.listeners[0].url, autostart: "sync" });
await req.send("ping");
await rep.send(`${await rep.recv({ mode: "string" })} -> pong`);
console.log("SP on the shared port:", await req.recv({ mode: "string", timeout: 5000 }));

await req.close();
await rep.close();
await srv.close(); // closes open WebSocket and stream connections too; the process exits by itself
