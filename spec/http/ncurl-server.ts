/** A node:http(s) test server for the ncurl specs, on 127.0.0.1 and port 0. */
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type net from "node:net";
import type tls from "node:tls";

export const BINARY = Buffer.from([0x00, 0x01, 0xff, 0x00, 0x7f, 0x80, 0x00, 0x0a, 0x00]);

/** What the server saw of each request. */
export interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  remotePort: number;
  /** The SNI name an https client sent (false/undefined without one). */
  servername: string | false | null | undefined;
}

export interface TestServer {
  /** `http://127.0.0.1:<port>` (or https). */
  base: string;
  port: number;
  seen: Seen[];
  close(): Promise<void>;
}

function route(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
  const u = new URL(req.url ?? "/", "http://x");
  const p = u.pathname;
  const m = /^\/redirect\/(\d+)$/.exec(p);
  if (m) {
    const n = Number(m[1]);
    if (n === 0) res.writeHead(200, { "content-type": "text/plain" }).end(`done ${req.method} ${body.toString()}`);
    else res.writeHead(302, { location: `/redirect/${n - 1}`, "x-hop": String(n) }).end();
    return;
  }
  const s = /^\/status\/(\d+)$/.exec(p);
  if (s) {
    res.writeHead(Number(s[1]), { "x-one": "1" }).end("status body");
    return;
  }
  switch (p) {
    case "/text":
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end("héllo wörld");
      return;
    case "/echo":
      res.writeHead(200, { "content-type": "application/octet-stream" }).end(body);
      return;
    case "/binary":
      res.writeHead(200, { "content-type": "application/octet-stream" }).end(BINARY);
      return;
    case "/nul-end":
      res.writeHead(200).end(Buffer.from("abc\0"));
      return;
    case "/bad-utf8":
      res.writeHead(200).end(Buffer.from([0x61, 0xc3, 0x28]));
      return;
    case "/headers":
      res.setHeader("X-One", "1");
      res.setHeader("X-Two", "two");
      res.setHeader("Set-Cookie", ["a=1", "b=2"]);
      res.writeHead(200, { "content-type": "text/plain" }).end("h");
      return;
    case "/loop":
      res.writeHead(301, { location: "/loop" }).end();
      return;
    case "/relative":
      res.writeHead(307, { location: "redirect/0" }).end();
      return;
    case "/no-location":
      res.writeHead(302).end("nowhere");
      return;
    case "/elsewhere":
      res.writeHead(302, { location: String(u.searchParams.get("to")) }).end();
      return;
    case "/port":
      res.writeHead(200).end(String(req.socket.remotePort));
      return;
    case "/close":
      res.writeHead(200, { connection: "close" }).end("bye");
      return;
    case "/chunked":
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("part1,");
      setImmediate(() => res.end("part2"));
      return;
    case "/hang":
      return; // never answers
    default:
      res.writeHead(404).end("not found");
  }
}

/** Starts a server; `tls` = [cert, key] makes it https. */
export async function startServer(tls?: readonly [string, string]): Promise<TestServer> {
  const seen: Seen[] = [];
  const sockets = new Set<net.Socket>();
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body, remotePort: req.socket.remotePort ?? 0, servername: (req.socket as tls.TLSSocket).servername });
      route(req, res, body);
    });
  };
  const server: http.Server = tls ? https.createServer({ cert: tls[0], key: tls[1] }, handler) : http.createServer(handler);
  server.on("connection", (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  // A client refusing our certificate makes the server see a TLS error: not a test failure.
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    base: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export { freePort } from "../helpers/addr.js";
