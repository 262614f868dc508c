/**
 * Connection flood: 5000 connections (tcp and ipc, in waves of 100) that
 * send a full SP header, half of one, garbage or nothing and are dropped,
 * while a good req peer keeps exchanging with the rep listener. Checks that
 * accept continues, the good peer never stalls, no pipe or handle is left
 * over, a new peer is served afterwards and the heap does not grow beyond
 * a margin. Exits 1 otherwise.
 *
 *   node --import tsx --expose-gc spec/stress/flood.ts
 */
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { socket, stat } from "../../src/index.js";

const TOTAL = Number(process.env.FLOOD_CONNECTIONS ?? 5000);
const WAVE = 100;
const HEAP_MARGIN = 16 * 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;
const SP_REQ = Buffer.from([0, 0x53, 0x50, 0, 0, 0x30, 0, 0]);

let refused = 0;
function connect(opts: net.NetConnectOpts): Promise<net.Socket | undefined> {
  return new Promise((resolve) => {
    const c = net.connect(opts);
    // A full accept queue (EAGAIN on a Unix socket, ECONNREFUSED) is refused by the kernel, as for any server.
    c.once("error", () => {
      refused++;
      resolve(undefined);
    });
    c.once("connect", () => {
      c.removeAllListeners("error");
      c.on("error", () => undefined);
      resolve(c);
    });
  });
}

async function flood(transport: "tcp" | "ipc"): Promise<boolean> {
  const listen = transport === "tcp" ? "tcp://127.0.0.1:0" : `ipc://${path.join(os.tmpdir(), `flood-${process.pid}.ipc`)}`;
  const rep = await socket("rep", { listen });
  const url = rep.listeners[0]!.url;
  const req = await socket("req", { dial: url, autostart: "sync" });
  const opts: net.NetConnectOpts = transport === "tcp" ? { host: "127.0.0.1", port: Number(url.slice(url.lastIndexOf(":") + 1)) } : { path: url.slice("ipc://".length) };

  let stop = false;
  let exchanges = 0;
  let slowest = 0;
  const ac = new AbortController();
  const server = (async () => {
    for (;;) {
      const m = await rep.recv({ signal: ac.signal });
      await rep.send(m as Uint8Array);
    }
  })().catch(() => undefined);
  const client = (async () => {
    while (!stop) {
      const t = performance.now();
      await req.send("ping");
      await req.recv({ timeout: 10_000 });
      slowest = Math.max(slowest, performance.now() - t);
      exchanges++;
      // A client at a steady pace, not one that hogs the event loop.
      await new Promise((r) => setTimeout(r, 1));
    }
  })();

  gc?.();
  const mem0 = process.memoryUsage();
  const t0 = performance.now();
  let made = 0;
  refused = 0;
  for (let sent = 0; sent < TOTAL; sent += WAVE) {
    const socks = await Promise.all(Array.from({ length: WAVE }, () => connect(opts)));
    socks.forEach((c, i) => {
      if (!c) return;
      made++;
      if (i % 4 === 0) c.write(SP_REQ);
      else if (i % 4 === 1) c.write(SP_REQ.subarray(0, 3));
      else if (i % 4 === 2) c.write("GET / HTTP/1.1\r\n\r\n");
    });
    await new Promise((r) => setImmediate(r));
    for (const c of socks) c?.destroy();
    // Node's Unix-socket server takes about one connection per event-loop turn: give it a few.
    await new Promise((r) => setTimeout(r, transport === "ipc" ? 20 : 1));
  }
  const secs = (performance.now() - t0) / 1000;
  const before = exchanges;
  while (exchanges < before + 10) await new Promise((r) => setTimeout(r, 5));
  stop = true;
  await client;
  // Let the dropped connections finish closing, then nothing but the good pipe may remain.
  const deadline = Date.now() + 10_000;
  while (rep.pipeIds.length > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const leftoverPipes = rep.pipeIds.length - 1;
  gc?.();
  const mem1 = process.memoryUsage();
  const accepted = Number(stat(rep.listeners[0]!, "accept"));
  await req.close();
  // Accept continues: a new peer is served after the flood.
  const late = await socket("req", { dial: url, autostart: "sync" });
  await late.send("late");
  const lateOk = (await late.recv({ mode: "string", timeout: 10_000 })) === "late";
  await late.close();
  ac.abort();
  await rep.close();
  await server;
  const ok = leftoverPipes === 0 && mem1.heapUsed <= mem0.heapUsed + HEAP_MARGIN && exchanges > 0 && lateOk && made > TOTAL / 10;
  const mb = (n: number) => (n / 1048576).toFixed(1);
  console.log(
    `${ok ? "ok  " : "FAIL"} ${transport}: ${made} connections made, ${refused} refused by a full accept queue, in ${secs.toFixed(1)} s; ` +
      `${accepted} SP pipes accepted; ${exchanges} good exchanges meanwhile (slowest ${slowest.toFixed(0)} ms); leftover pipes ${leftoverPipes}; ` +
      `a new peer served after: ${lateOk}; heap ${mb(mem0.heapUsed)} → ${mb(mem1.heapUsed)} MiB, rss ${mb(mem0.rss)} → ${mb(mem1.rss)} MiB`,
  );
  return ok;
}

let failed = 0;
for (const t of ["tcp", "ipc"] as const) if (!(await flood(t))) failed++;

// Everything is closed: no socket, server or timer may keep the process alive.
const left = process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap" && r !== "PipeWrap");
if (left.length) {
  console.log(`FAIL resources left after close: ${left.join(", ")}`);
  failed++;
}
console.log(failed ? `flood: ${failed} check(s) failed` : "flood: ok");
process.exitCode = failed ? 1 : 0;
