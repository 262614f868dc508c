import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { close, nano, type Socket, socket } from "../../src/index.js";
import { inprocUrl, ipcUrl } from "../helpers/addr.js";
import { fails, rejects, settle } from "../helpers/nng-expect.js";
import { nextPipe, pipeRemoved } from "../helpers/wait.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");

describe("close semantics", () => {
  const opened: { close(): Promise<void> }[] = [];
  async function open(...args: Parameters<typeof socket>): Promise<Socket> {
    const s = await socket(...args);
    opened.push(s);
    return s;
  }
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });

  /** A connected inproc pair. */
  async function pair(): Promise<[Socket, Socket]> {
    const url = inprocUrl("close");
    const a = await open("pair", { listen: url });
    const b = await open("pair", { dial: url, autostart: "sync" });
    return [a, b];
  }

  describe("close() is idempotent", () => {
    it("returns the same promise and resolves every time", async () => {
      const s = await socket("rep", { listen: "tcp://127.0.0.1:0" });
      const p1 = s.close();
      const p2 = s.close();
      expect(p1).to.equal(p2);
      await p1;
      await p2;
      await s.close();
      expect(s.closed).to.equal(true);
      expect(s.state).to.equal("closed");
      expect(s.listeners).to.have.length(0);
    });

    it("Nano, context, dialer and listener close are idempotent too", async () => {
      const n = await nano("req", { listen: ipcUrl("idem") });
      const ctx = n.socket.context();
      await ctx.close();
      await ctx.close();
      const d = await n.dial("inproc://nobody-idem", { autostart: false });
      d.close();
      d.close();
      expect(d.state).to.equal("closed");
      expect(n.dialers).to.have.length(0);
      const l = n.listeners[0]!;
      await l.close();
      await l.close();
      expect(l.state).to.equal("closed");
      expect(n.listeners).to.have.length(0);
      await n.close();
      await n.close();
      await close(n);
      expect(n.socket.closed).to.equal(true);
    });
  });

  describe("pending operations", () => {
    it("a pending recv rejects ECLOSED", async () => {
      const [a] = await pair();
      const r = a.recv();
      await a.close();
      await rejects(r, "ECLOSED");
    });

    it("a pending send rejects ECLOSED (push without peers blocks)", async () => {
      const s = await open("push");
      const p = s.send("stuck");
      const q = s.send("stuck too", { timeout: 60_000 });
      await s.close();
      await rejects(p, "ECLOSED");
      await rejects(q, "ECLOSED");
    });

    it("pending recvs on contexts reject ECLOSED when the socket or the context closes", async () => {
      const rep = await open("rep");
      const c1 = rep.context();
      const c2 = rep.context();
      const r1 = c1.recv();
      const r2 = c2.recv();
      await c1.close();
      await rejects(r1, "ECLOSED");
      expect(c1.closed).to.equal(true);
      await rep.close();
      await rejects(r2, "ECLOSED");
      expect(c2.closed).to.equal(true);
      await fails(() => c2.recv(), "ECLOSED");
      await fails(() => c1.send("x"), "ECLOSED");
    });

    it("a request arriving after a rep context closed goes to a live context, not the closed one", async () => {
      const url = inprocUrl("ctx-close");
      const rep = await open("rep", { listen: url });
      const req = await open("req", { dial: url, autostart: "sync", "recv-timeout": 5000 });
      const dead = rep.context();
      const deadRecv = dead.recv();
      await dead.close();
      await rejects(deadRecv, "ECLOSED");
      const live = rep.context();
      const liveRecv = live.recv({ mode: "string", timeout: 5000 });
      await req.send("to the live one");
      expect(await liveRecv).to.equal("to the live one");
      await live.send("answer");
      expect(await req.recv({ mode: "string" })).to.equal("answer");
    });

    it("a recv with a timeout rejects ECLOSED, not ETIMEDOUT, when closed first", async () => {
      const [a] = await pair();
      const r = a.recv({ timeout: 60_000 });
      await a.close();
      await rejects(r, "ECLOSED");
    });
  });

  describe("after close", () => {
    it("send, recv, try*, opt, setOpt, dial, listen and context reject ECLOSED", async () => {
      const s = await socket("req");
      await s.close();
      await fails(() => s.send("x"), "ECLOSED");
      await fails(() => s.recv(), "ECLOSED");
      await fails(() => s.trySend("x"), "ECLOSED");
      await fails(() => s.tryRecv(), "ECLOSED");
      await fails(() => s.opt("recv-timeout"), "ECLOSED");
      await fails(() => s.setOpt("recv-timeout", 5), "ECLOSED");
      await fails(() => s.dial("inproc://x"), "ECLOSED");
      await fails(() => s.listen("inproc://x"), "ECLOSED");
      await fails(() => s.context(), "ECLOSED");
      await fails(() => s.subscribe("x"), "ECLOSED");
    });

    it("a closed dialer or listener cannot be started again", async () => {
      const s = await open("pair");
      const d = await s.dial("inproc://nobody", { autostart: false });
      d.close();
      await rejects(d.start(), "ECLOSED");
      const l = await s.listen(inprocUrl("restart"), { autostart: false });
      await l.close();
      await rejects(l.start(), "ECLOSED");
    });
  });

  describe("releasing resources", () => {
    it("tcp: the port can be bound again after close", async () => {
      const a = await socket("rep", { listen: "tcp://127.0.0.1:0" });
      const url = a.listeners[0]!.url;
      expect(url).to.match(/^tcp:\/\/127\.0\.0\.1:\d+$/);
      await a.close();
      const b = await open("rep", { listen: url });
      expect(b.listeners[0]!.url).to.equal(url);
    });

    it("tcp: closing a listener alone releases the port", async () => {
      const a = await open("rep", { listen: "tcp://127.0.0.1:0" });
      const l = a.listeners[0]!;
      const url = l.url;
      await l.close();
      const b = await open("rep", { listen: url });
      expect(b.listeners[0]!.url).to.equal(url);
    });

    it("ipc: the socket file is removed on close and the path can be bound again", async () => {
      const url = ipcUrl("rm");
      const file = url.slice("ipc://".length);
      const a = await socket("pull", { listen: url });
      expect(fs.lstatSync(file).isSocket()).to.equal(true);
      await a.close();
      expect(fs.existsSync(file)).to.equal(false);
      const b = await open("pull", { listen: url });
      expect(fs.lstatSync(file).isSocket()).to.equal(true);
      await b.close();
      expect(fs.existsSync(file)).to.equal(false);
    });

    it("inproc: the name can be listened on again after close", async () => {
      const url = inprocUrl("again");
      const a = await socket("pair", { listen: url });
      await rejects(socket("pair", { listen: url }), "EADDRINUSE");
      await a.close();
      await open("pair", { listen: url });
    });

    for (const t of ["tcp", "ipc", "inproc"] as const) {
      it(`${t}: closing a socket closes its pipes (the peer sees pipe:remove)`, async () => {
        const url = t === "tcp" ? "tcp://127.0.0.1:0" : t === "ipc" ? ipcUrl("pr") : inprocUrl("pr");
        const a = await socket("pair", { listen: url });
        const b = await open("pair", { "reconnect-time-min": 60_000 });
        const added = nextPipe(b);
        await b.dial(a.listeners[0]!.url, { autostart: "sync" });
        await added;
        const removed = pipeRemoved(b);
        await a.close();
        await removed;
        expect(b.pipeIds).to.deep.equal([]);
      });
    }

    it("a raw tcp connection to a closed listener is refused", async () => {
      const a = await socket("rep", { listen: "tcp://127.0.0.1:0" });
      const port = Number(a.listeners[0]!.url.split(":").pop());
      await a.close();
      const err = await new Promise<NodeJS.ErrnoException>((resolve) => {
        const c = net.connect({ host: "127.0.0.1", port });
        c.once("error", (e) => {
          c.destroy();
          resolve(e);
        });
        c.once("connect", () => {
          c.destroy();
          resolve(Object.assign(new Error("connected"), { code: "CONNECTED" }));
        });
      });
      expect(err.code).to.equal("ECONNREFUSED");
    });
  });

  describe("iteration ends on close", () => {
    it("for await over messages() ends when the socket closes", async () => {
      const [a, b] = await pair();
      const got: string[] = [];
      let two!: () => void;
      const gotTwo = new Promise<void>((r) => (two = r));
      const loop = (async () => {
        for await (const m of a.messages({ mode: "string" })) {
          got.push(m);
          if (got.length === 2) two();
        }
        return "ended";
      })();
      await b.send("one");
      await b.send("two");
      await gotTwo;
      await a.close();
      expect(await loop).to.equal("ended");
      expect(got).to.deep.equal(["one", "two"]);
    });

    it("for await over the socket itself yields raw bytes and ends on close", async () => {
      const [a, b] = await pair();
      const got: string[] = [];
      let first!: () => void;
      const gotOne = new Promise<void>((r) => (first = r));
      const loop = (async () => {
        for await (const m of a) {
          expect(m).to.be.instanceOf(Uint8Array);
          got.push(Buffer.from(m).toString());
          first();
        }
      })();
      await b.send("x");
      await gotOne;
      await a.close();
      await loop;
      expect(got).to.deep.equal(["x"]);
    });

    it("break leaves the socket open and loses no message", async () => {
      const [a, b] = await pair();
      await b.send("1");
      await b.send("2");
      for await (const m of a.messages({ mode: "string" })) {
        expect(m).to.equal("1");
        break;
      }
      expect(a.closed).to.equal(false);
      expect(await a.recv({ mode: "string", timeout: 5000 })).to.equal("2");
    });

    it("a Nano's iteration ends when it closes", async () => {
      const url = inprocUrl("nano-it");
      const n = await nano("pull", { listen: url });
      const p = await open("push", { dial: url, autostart: "sync" });
      let first!: () => void;
      const gotOne = new Promise<void>((r) => (first = r));
      const loop = (async () => {
        const got: string[] = [];
        for await (const m of n.messages({ mode: "string" })) {
          got.push(m);
          first();
        }
        return got;
      })();
      await p.send("hello");
      await gotOne;
      await n.close();
      expect(await loop).to.deep.equal(["hello"]);
    });
  });

  describe("Symbol.asyncDispose", () => {
    it("await using closes sockets, Nano, contexts, dialers and listeners at block end", async () => {
      let s!: Socket;
      let n!: Awaited<ReturnType<typeof nano>>;
      let ctx!: ReturnType<Socket["context"]>;
      const url = ipcUrl("using");
      {
        await using s1 = await socket("rep", { listen: url });
        await using n1 = await nano("req");
        await using c1 = s1.context();
        await using d1 = await n1.dial(url, { autostart: false });
        await using l1 = await n1.listen(inprocUrl("using"));
        s = s1;
        n = n1;
        ctx = c1;
        expect(d1.state).to.equal("not started");
        expect(l1.state).to.equal("started");
        expect(s.closed).to.equal(false);
      }
      expect(s.closed).to.equal(true);
      expect(n.socket.closed).to.equal(true);
      expect(ctx.closed).to.equal(true);
      expect(fs.existsSync(url.slice("ipc://".length))).to.equal(false);
    });

    it("[Symbol.asyncDispose]() is close()", async () => {
      const s = await socket("bus");
      const r = s.recv();
      await s[Symbol.asyncDispose]();
      expect(s.closed).to.equal(true);
      await rejects(r, "ECLOSED");
      await s[Symbol.asyncDispose]();
    });
  });

  describe("process exit", () => {
    it("a script that opens tcp/ipc/inproc sockets, redials dead addresses and closes everything exits by itself", async function () {
      this.timeout(40_000);
      const script = path.join(root, "spec/fixtures/exit-cleanly.ts");
      const child = spawn(process.execPath, ["--import", "tsx", script], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (out += d.toString()));
      const bound = 30_000;
      let timer: NodeJS.Timeout | undefined;
      const result = await settle(
        new Promise<number | null>((resolve, reject) => {
          child.once("error", reject);
          child.once("exit", (code) => resolve(code));
          timer = setTimeout(() => reject(new Error(`the script did not exit within ${bound} ms`)), bound);
        }),
      );
      clearTimeout(timer);
      if (!result.ok) {
        child.kill("SIGKILL");
        await new Promise((r) => child.once("close", r));
        throw new Error(`${(result.error as Error).message}; output:\n${out}`);
      }
      expect(result.value, out).to.equal(0);
      expect(out).to.include("closed");
    });
  });
});
