// handlerWs(): plain (non-SP) WebSocket endpoints on httpServer(), tested with
// the `ws` package as a client (binary, text frames, browser-like Origin).
import type http from "node:http";
import { expect } from "chai";
import WebSocket from "ws";
import { isNngError } from "../../src/core/errors.js";
import { handler, handlerWs, type WsRequest } from "../../src/http/handlers.js";
import { type HttpServer, httpServer } from "../../src/http/server.js";
import type { WsConnection } from "../../src/http/server-ws.js";

/** Opens a client; resolves once open, rejects with the HTTP status of a refused upgrade. */
function connect(url: string, opts: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts);
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req: http.ClientRequest, res: http.IncomingMessage) => {
      ws.terminate();
      reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode }));
    });
    ws.once("error", reject);
  });
}

function nextMessage(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => ws.once("message", (data: Buffer, isBinary: boolean) => resolve({ data, isBinary })));
}

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve(-1);
    ws.once("close", (code: number) => resolve(code));
  });
}

/** A promise with its resolver, for waiting on callbacks. */
function signal<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("httpServer: handlerWs", function () {
  this.timeout(15_000);
  const servers: HttpServer[] = [];
  const clients: WebSocket[] = [];

  async function serve(...handlers: Parameters<typeof httpServer>[1][]): Promise<{ srv: HttpServer; ws: string }> {
    const srv = httpServer("http://127.0.0.1:0", handlers.flat());
    servers.push(srv);
    await srv.start();
    return { srv, ws: srv.url.replace(/^http/, "ws") };
  }

  async function client(url: string, opts?: WebSocket.ClientOptions): Promise<WebSocket> {
    const ws = await connect(url, opts);
    clients.push(ws);
    return ws;
  }

  afterEach(async () => {
    for (const c of clients.splice(0)) c.terminate();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it("binary echo: messages arrive whole as Buffers and go back as binary frames", async () => {
    const got: unknown[] = [];
    const { ws } = await serve(
      handlerWs("/echo", (conn, data) => {
        got.push(data);
        return conn.send(data).then(() => undefined);
      }),
    );
    const c = await client(`${ws}/echo`);
    const big = Buffer.alloc(200_000, 7);
    c.send(Buffer.from([1, 2, 3]));
    const m1 = await nextMessage(c);
    expect([m1.isBinary, [...m1.data]]).to.deep.equal([true, [1, 2, 3]]);
    c.send(big);
    const m2 = await nextMessage(c);
    expect(m2.data.equals(big)).to.equal(true);
    c.send("text in binary mode");
    const m3 = await nextMessage(c);
    expect([m3.isBinary, m3.data.toString()]).to.deep.equal([true, "text in binary mode"]);
    expect(Buffer.isBuffer(got[0])).to.equal(true);
    expect(Buffer.isBuffer(got[2])).to.equal(true);
  });

  it("textframes: strings in, text frames out", async () => {
    const got: unknown[] = [];
    const { ws } = await serve(
      handlerWs(
        "/upper",
        (conn, data) => {
          got.push(data);
          void conn.send((data as string).toUpperCase());
        },
        { textframes: true },
      ),
    );
    const c = await client(`${ws}/upper`);
    c.send("héllo");
    const m = await nextMessage(c);
    expect([m.isBinary, m.data.toString()]).to.deep.equal([false, "HÉLLO"]);
    expect(got).to.deep.equal(["héllo"]);
  });

  it("onOpen sees uri and headers (a browser-like client with Origin); ids are unique server-wide; onClose on client close", async () => {
    const opened: { id: number; req: WsRequest }[] = [];
    const closedIds: number[] = [];
    const bothClosed = signal();
    const { ws } = await serve(
      handlerWs("/a", () => undefined, {
        onOpen: (conn, req) => void opened.push({ id: conn.id, req }),
        onClose: (conn) => {
          closedIds.push(conn.id);
          if (closedIds.length === 2) bothClosed.resolve();
        },
      }),
      handlerWs("/b", () => undefined, { onOpen: (conn, req) => void opened.push({ id: conn.id, req }), onClose: (conn) => void closedIds.push(conn.id) }),
    );
    const a = await client(`${ws}/a?token=abc`, { origin: "http://app.example", headers: { "User-Agent": "Mozilla/5.0 (test)" } });
    const b = await client(`${ws}/b`);
    expect(opened).to.have.length(2);
    expect(opened[0]!.req.uri).to.equal("/a?token=abc");
    expect(opened[0]!.req.headers["origin"]).to.equal("http://app.example");
    expect(opened[0]!.req.headers["user-agent"]).to.equal("Mozilla/5.0 (test)");
    expect(opened[0]!.id).not.to.equal(opened[1]!.id);
    const a2 = await client(`${ws}/a`);
    expect(new Set(opened.map((o) => o.id)).size).to.equal(3);
    a.close();
    a2.close();
    await bothClosed.promise;
    expect(closedIds.sort()).to.deep.equal([opened[0]!.id, opened[2]!.id].sort());
    b.close();
  });

  it("ws.close() in onOpen refuses the upgrade with HTTP 403 (auth hook); onClose still runs", async () => {
    const closedIds: number[] = [];
    let sendResult: Promise<0> | undefined;
    const { ws } = await serve(
      handlerWs("/auth", () => undefined, {
        onOpen: (conn, req) => {
          if (req.headers["authorization"] !== "Bearer ok") {
            sendResult = conn.send("never");
            sendResult.catch(() => undefined);
            conn.close();
          }
        },
        onClose: (conn) => void closedIds.push(conn.id),
      }),
    );
    try {
      await connect(`${ws}/auth`);
      expect.fail("the upgrade should be refused");
    } catch (err) {
      expect((err as { status?: number }).status).to.equal(403);
    }
    expect(closedIds).to.have.length(1);
    try {
      await sendResult;
      expect.fail("send should reject");
    } catch (err) {
      expect(isNngError(err, "ECLOSED")).to.equal(true);
    }
    const ok = await client(`${ws}/auth`, { headers: { Authorization: "Bearer ok" } });
    expect(ok.readyState).to.equal(WebSocket.OPEN);
  });

  it("an async onOpen may send before the upgrade completes; a rejecting one is a 500", async () => {
    const { ws } = await serve(
      handlerWs("/greet", () => undefined, {
        onOpen: async (conn) => {
          await new Promise((r) => setImmediate(r));
          void conn.send("welcome");
        },
        textframes: true,
      }),
      handlerWs("/broken", () => undefined, { onOpen: () => Promise.reject(new Error("no")) }),
    );
    const c = new WebSocket(`${ws}/greet`);
    clients.push(c);
    const m = await nextMessage(c);
    expect(m.data.toString()).to.equal("welcome");
    try {
      await connect(`${ws}/broken`);
      expect.fail("refused");
    } catch (err) {
      expect((err as { status?: number }).status).to.equal(500);
    }
  });

  it("server close() closes every connection (1001) and calls onClose; send afterwards rejects ECLOSED", async () => {
    const conns: WsConnection[] = [];
    const closedIds: number[] = [];
    const { srv, ws } = await serve(handlerWs("/ws", () => undefined, { onOpen: (c) => void conns.push(c), onClose: (c) => void closedIds.push(c.id) }));
    const c1 = await client(`${ws}/ws`);
    const c2 = await client(`${ws}/ws`);
    const codes = Promise.all([closed(c1), closed(c2)]);
    await srv.close();
    expect(closedIds.sort()).to.deep.equal(conns.map((c) => c.id).sort());
    expect(await codes).to.deep.equal([1001, 1001]);
    for (const c of conns) {
      expect(c.closed).to.equal(true);
      try {
        await c.send("late");
        expect.fail("send after close");
      } catch (err) {
        expect(isNngError(err, "ECLOSED")).to.equal(true);
      }
    }
  });

  it("server close() does not wait for an onOpen that never settles: the client is refused with 503", async () => {
    const entered = signal();
    const closedIds: number[] = [];
    const { srv, ws } = await serve(
      handlerWs("/stuck", () => undefined, {
        onOpen: () => {
          entered.resolve();
          return new Promise(() => undefined);
        },
        onClose: (c) => void closedIds.push(c.id),
      }),
    );
    const outcome = connect(`${ws}/stuck`).then(
      () => "open",
      (err: { status?: number; code?: string }) => err.status ?? err.code ?? "error",
    );
    await entered.promise;
    await srv.close();
    expect(closedIds).to.have.length(1);
    expect(await outcome).to.be.oneOf([503, "ECONNRESET"]);
  });

  it("ws.close() from the server side, and a throwing onMessage does not kill the connection", async () => {
    const { ws } = await serve(
      handlerWs(
        "/ws",
        (conn, data) => {
          if (data === "bye") conn.close();
          else if (data === "boom") throw new Error("boom");
          else void conn.send(`echo ${data as string}`);
        },
        { textframes: true },
      ),
    );
    const c = await client(`${ws}/ws`);
    c.send("boom");
    c.send("hi");
    expect((await nextMessage(c)).data.toString()).to.equal("echo hi");
    const code = closed(c);
    c.send("bye");
    expect(await code).to.equal(1000);
  });

  it("HTTP handlers and WebSocket endpoints side by side; unknown ws path is 404", async () => {
    const { srv, ws } = await serve(handler("/", () => ({ body: "page" })), handlerWs("/live", (c, d) => void c.send(d)));
    const res = await fetch(`${srv.url}/`);
    expect(await res.text()).to.equal("page");
    const c = await client(`${ws}/live`);
    c.send(Buffer.from("x"));
    expect((await nextMessage(c)).data.toString()).to.equal("x");
    try {
      await connect(`${ws}/nowhere`);
      expect.fail("refused");
    } catch (err) {
      expect((err as { status?: number }).status).to.equal(404);
    }
  });
});
