// stream() API rules shared by every scheme: dial/listen arguments, bad URLs
// and options, refused dials, timeouts and cancellation without loss, close
// semantics, and the aio (recvAio/sendAio) and Rx (recv$) forms on a stream.
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import { expect } from "chai";
import { Subscription } from "rxjs";
import { recvAio, sendAio, stopAio, tlsConfig, unresolved } from "../../src/index.js";
import { recv$ } from "../../src/rx/index.js";
import { type Stream, stream } from "../../src/stream/stream.js";
import { ipcUrl } from "../helpers/addr.js";
import { fails, rejects } from "../helpers/nng-expect.js";
import { closed, deadTcpUrl, listening, Opened, readBytes, serve } from "./peers.js";

describe("stream(): API", function () {
  this.timeout(15_000);
  const opened = new Opened();
  afterEach(() => opened.closeAll());

  /** A tcp stream dialed to a Node socket. */
  async function pair(opts: { buffer?: number } = {}): Promise<{ s: Stream; sock: net.Socket }> {
    const peer = await serve(opened, net.createServer(), { port: 0, host: "127.0.0.1" });
    const s = opened.stream(await stream({ dial: peer.url("tcp"), ...opts }));
    return { s, sock: await peer.next() };
  }

  describe("arguments", () => {
    it("neither dial nor listen is EINVAL with nanonext's message", async () => {
      for (const o of [{}, { dial: undefined, listen: undefined }, { dial: null as unknown as string }]) {
        const err = await rejects(stream(o), "EINVAL");
        expect(err.message).to.include("specify a URL for either dial or listen");
      }
      await fails(() => stream(undefined as never), "EINVAL");
    });

    it("with both, listen is ignored", async () => {
      const peer = await serve(opened, net.createServer(), { port: 0, host: "127.0.0.1" });
      const s = opened.stream(await stream({ dial: peer.url("tcp"), listen: "tcp://256.0.0.1:1" }));
      expect(s.mode).to.equal("dialer");
      await peer.next();
    });

    it("bad URLs: EADDRINVAL; unknown schemes and inproc: ENOTSUP", async () => {
      for (const url of ["nope", "tcp://127.0.0.1", "tcp://127.0.0.1:99999", "ws://", "tcp://:5555", "tls+tcp://127.0.0.1"]) {
        await rejects(stream({ dial: url }), "EADDRINVAL");
      }
      await rejects(stream({ listen: "tcp://[::1" }), "EADDRINVAL");
      await rejects(stream({ dial: "foo://x" }), "ENOTSUP");
      await rejects(stream({ dial: "inproc://x" }), "ENOTSUP");
      await rejects(stream({ listen: "inproc://x" }), "ENOTSUP");
    });

    it("bad options: EINVAL / EBADTYPE", async () => {
      await rejects(stream({ dial: "tcp://127.0.0.1:1", buffer: 0 }), "EINVAL");
      await rejects(stream({ dial: "tcp://127.0.0.1:1", buffer: 1.5 }), "EINVAL");
      await rejects(stream({ dial: "tcp://127.0.0.1:1", textframes: "yes" as never }), "EBADTYPE");
      await rejects(stream({ dial: "tcp://127.0.0.1:1", tls: {} as never }), "EBADTYPE");
      await rejects(stream({ dial: "tcp://127.0.0.1:1", headers: { a: 1 } as never }), "EBADTYPE");
      await rejects(stream({ dial: "ws://127.0.0.1:1/", headers: { "bad name": "x" } }), "EINVAL");
      await rejects(stream({ dial: "ws://127.0.0.1:1/", headers: { x: "a\r\nInjected: 1" } }), "EINVAL");
      await rejects(stream({ dial: "tcp://127.0.0.1:1", timeout: "1" as never }), "EBADTYPE");
    });

    it("refused dials: ECONNREFUSED on tcp, ipc, ws and tls+tcp", async () => {
      const dead = await deadTcpUrl();
      await rejects(stream({ dial: dead }), "ECONNREFUSED");
      await rejects(stream({ dial: dead.replace("tcp://", "ws://") + "/" }), "ECONNREFUSED");
      await rejects(stream({ dial: dead.replace("tcp://", "tls+tcp://"), tls: tlsConfig({ auth: "none" }) }), "ECONNREFUSED");
      await rejects(stream({ dial: ipcUrl("nobody") }), "ECONNREFUSED");
    });

    it("listen: a stale ipc socket file (its process died) is replaced", async () => {
      const path = ipcUrl("stale").slice(6);
      const child = spawn(process.execPath, ["-e", `require("net").createServer().listen(${JSON.stringify(path)}, () => console.log("up"))`], { stdio: ["ignore", "pipe", "inherit"] });
      await new Promise<void>((resolve) => child.stdout!.once("data", () => resolve()));
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGKILL");
      await exited;
      expect(fs.lstatSync(path).isSocket()).to.equal(true);
      const { url, accepted } = await listening((onListening) => stream({ listen: `ipc://${path}`, onListening, timeout: 5000 }));
      opened.socket(net.connect({ path: url.slice(6) }));
      opened.stream(await accepted);
      expect(fs.existsSync(path)).to.equal(false); // unlinked once the one client was taken
    });

    it("listen: a throwing onListening rejects EINVAL; a non-function is EBADTYPE", async () => {
      const err = await rejects(stream({ listen: "tcp://127.0.0.1:0", onListening: () => { throw new Error("boom"); } }), "EINVAL");
      expect(err.message).to.include("boom");
      await rejects(stream({ listen: "tcp://127.0.0.1:0", onListening: "no" as never }), "EBADTYPE");
    });

    it("listen: an address in use is EADDRINUSE", async () => {
      const peer = await serve(opened, net.createServer(), { port: 0, host: "127.0.0.1" });
      await rejects(stream({ listen: peer.url("tcp") }), "EADDRINUSE");
      const path = ipcUrl("busy");
      await serve(opened, net.createServer(), { path: path.slice(6) });
      await rejects(stream({ listen: path }), "EADDRINUSE");
    });
  });

  describe("connection timeouts and cancellation", () => {
    it("a listener nobody dials: ETIMEDOUT, ECANCELED; the address is released", async () => {
      const path = ipcUrl("lt");
      await rejects(stream({ listen: path, timeout: 50 }), "ETIMEDOUT");
      const ac = new AbortController();
      const { url, accepted } = await listening((onListening) => stream({ listen: "tcp://127.0.0.1:0", signal: ac.signal, onListening }));
      ac.abort();
      await rejects(accepted, "ECANCELED");
      // Released: both can be bound again.
      const again = await listening((onListening) => stream({ listen: url, onListening, timeout: 5000 }));
      const again2 = await listening((onListening) => stream({ listen: path, onListening, timeout: 5000 }));
      const c1 = opened.socket(net.connect({ port: Number(url.split(":")[2]), host: "127.0.0.1" }));
      const c2 = opened.socket(net.connect({ path: path.slice(6) }));
      opened.stream(await again.accepted);
      opened.stream(await again2.accepted);
      void c1;
      void c2;
      const aborted = new AbortController();
      aborted.abort();
      await rejects(stream({ dial: "tcp://127.0.0.1:1", signal: aborted.signal }), "ECANCELED");
    });

    it("a dial whose WebSocket handshake never finishes: ETIMEDOUT", async () => {
      const peer = await serve(opened, net.createServer(), { port: 0, host: "127.0.0.1" }); // accepts, never answers
      await rejects(stream({ dial: `${peer.url("ws")}/`, timeout: 100 }), "ETIMEDOUT");
      await rejects(stream({ dial: peer.url("tls+tcp"), timeout: 100, tls: tlsConfig({ auth: "none" }) }), "ETIMEDOUT");
    });
  });

  describe("receive and send", () => {
    it("recv timeouts: ETIMEDOUT, EAGAIN for timeout 0; data arriving later is kept", async () => {
      const { s, sock } = await pair();
      await rejects(s.recv({ timeout: 20 }), "ETIMEDOUT");
      await rejects(s.recv({ timeout: 0 }), "EAGAIN");
      sock.write("later");
      expect(new TextDecoder().decode(await s.recv({ timeout: 5000 }))).to.equal("later");
    });

    it("an aborted recv is ECANCELED and loses nothing", async () => {
      const { s, sock } = await pair();
      const ac = new AbortController();
      const p = s.recv({ signal: ac.signal });
      ac.abort();
      await rejects(p, "ECANCELED");
      const pre = new AbortController();
      pre.abort();
      await rejects(s.recv({ signal: pre.signal }), "ECANCELED");
      sock.write("kept");
      expect(await s.recv({ mode: "string" })).to.equal("kept");
    });

    it("modes: string, json, typed arrays; a misfit is EINVAL with the bytes in err.data", async () => {
      const { s, sock } = await pair();
      sock.write(new Uint8Array(new Int32Array([7, -1]).buffer));
      expect([...(await s.recv({ mode: "int32" }))]).to.deep.equal([7, -1]);
      sock.write("not json");
      const err = await rejects(s.recv({ mode: "json" }), "EINVAL");
      expect(new TextDecoder().decode(err.data)).to.equal("not json");
      await rejects(s.recv({ mode: "bogus" as never }), "EINVAL");
      await rejects(s.send({ an: "object" } as never), "EINVAL");
      await s.send(new Uint16Array([1, 2]));
      expect([...(await readBytes(sock, 4))]).to.deep.equal([1, 0, 2, 0]);
    });

    it("close: idempotent; everything after rejects ECLOSED; pending operations reject ECLOSED", async () => {
      const { s, sock } = await pair();
      await s.send("before close");
      const delivered = readBytes(sock, 12);
      const pending = rejects(s.recv(), "ECLOSED");
      expect(s.state).to.equal("opened");
      expect(String(s)).to.match(/^Stream\(dialer, opened, tcp:\/\/127\.0\.0\.1:\d+\)$/);
      const c1 = s.close();
      const c2 = s.close();
      expect(c1).to.equal(c2);
      await c1;
      await s.close();
      expect(s.state).to.equal("closed");
      await pending;
      await rejects(s.recv(), "ECLOSED");
      await rejects(s.send("x"), "ECLOSED");
      // What was sent before close() was delivered, then the peer sees the end.
      expect((await delivered).toString()).to.equal("before close");
      await closed(sock);
    });
  });

  describe("aio", () => {
    it("sendAio and recvAio on a stream; serial reads as string; stop() loses nothing", async () => {
      const { s, sock } = await pair();
      const sent = sendAio(s, "via aio");
      expect(await sent).to.equal(0);
      expect(sent.result).to.equal(0);
      expect((await readBytes(sock, 7)).toString()).to.equal("via aio");
      const r = recvAio(s, { mode: "serial" });
      expect(unresolved(r)).to.equal(true);
      sock.write("text");
      expect(await r).to.equal("text");
      expect(r.pipe).to.equal(0);
      const stopped = recvAio(s);
      stopAio(stopped);
      await stopped.wait();
      expect((stopped.data as { code?: string }).code).to.equal("ECANCELED");
      sock.write("after stop");
      expect(await recvAio(s, { mode: "string", timeout: 5000 })).to.equal("after stop");
      await s.close();
      const late = sendAio(s, "x");
      await late.wait();
      expect((late.result as { code?: string }).code).to.equal("ECLOSED");
    });
  });

  describe("rx", () => {
    it("recv$ emits chunks in the asked mode and completes when the peer closes", async () => {
      const { s, sock } = await pair({ buffer: 4 });
      const seen: string[] = [];
      const done = new Promise<void>((resolve, reject) => recv$(s, { mode: "string" }).subscribe({ next: (v) => seen.push(v as string), error: reject, complete: resolve }));
      sock.end("abcdefghij");
      await done;
      expect(seen.join("")).to.equal("abcdefghij");
      expect(Math.max(...seen.map((x) => x.length))).to.be.at.most(4);
    });

    it("recv$ completes when the stream is closed; unsubscribing loses nothing", async () => {
      const { s, sock } = await pair();
      let sub: Subscription | undefined;
      const first = new Promise<string>((resolve) => {
        sub = recv$(s, { mode: "string" }).subscribe((v) => {
          sub?.unsubscribe();
          resolve(v as string);
        });
      });
      sock.write("one");
      expect(await first).to.equal("one");
      sock.write("two");
      expect(await s.recv({ mode: "string", timeout: 5000 })).to.equal("two");
      const done = new Promise<void>((resolve, reject) => recv$(s).subscribe({ error: reject, complete: resolve }));
      await s.close();
      await done;
    });
  });
});
