// Our ws://, wss:// and tls+tcp:// against libnng 1.5.2 (nngcat), both
// directions, with certificates from writeCert() (wire-protocol.md §4, §5, §5.x).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { type CertPair, type ProtocolName, type Socket, socket, tlsConfig, writeCert } from "../../src/index.js";
import { freePort } from "../helpers/addr.js";
import { writeCertFiles } from "../helpers/cert-files.js";
import { rejects } from "../helpers/nng-expect.js";
import { type Peer, peerAvailable, spawnPeer, until } from "../helpers/peers.js";
import { nextPipe } from "../helpers/wait.js";

describe("ws/wss/tls+tcp interop with nngcat", function () {
  this.timeout(20_000);
  let cert: CertPair;
  let stranger: CertPair;
  let dir: string;
  let certFile: string;
  let keyFile: string;
  let strangerCert: string;
  let strangerKey: string;
  const opened: Socket[] = [];
  const peers: Peer[] = [];

  before(async function () {
    if (!peerAvailable("nngcat")) {
      console.log("    (skipping: nngcat is not installed; with CI=true this is a failure)");
      this.skip();
    }
    [cert, stranger] = await Promise.all([writeCert(), writeCert({ cn: "127.0.0.1" })]);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "nn-ws-nngcat-"));
    ({ cert: certFile, key: keyFile } = writeCertFiles(dir, "cert", cert));
    ({ cert: strangerCert, key: strangerKey } = writeCertFiles(dir, "stranger", stranger));
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.kill()));
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  async function open(proto: ProtocolName, opts: Record<string, unknown> = {}): Promise<Socket> {
    const s = await socket(proto, opts);
    opened.push(s);
    return s;
  }

  function nngcat(args: string[]): Peer {
    const p = spawnPeer("nngcat", args);
    peers.push(p);
    return p;
  }

  /** Resolves with the exit code, failing with the peer's output if it is not 0. */
  async function exitsCleanly(p: Peer): Promise<void> {
    const code = await p.exited;
    expect(code, p.out()).to.equal(0);
  }

  const serverTls = () => tlsConfig({ server: cert.server });
  const clientTls = () => tlsConfig({ client: cert.client });
  const TLS_ARGS = () => ["--cacert", certFile];

  const cases: { name: string; listen: string; secure: boolean }[] = [
    // No path: nngcat then sends `GET  HTTP/1.1` (empty request target), which we must accept.
    { name: "ws, no path", listen: "ws://127.0.0.1:0", secure: false },
    { name: "ws, a path", listen: "ws://127.0.0.1:0/sp/rpc", secure: false },
    { name: "wss", listen: "wss://127.0.0.1:0/sp", secure: true },
    { name: "tls+tcp", listen: "tls+tcp://127.0.0.1:0", secure: true },
  ];

  for (const c of cases) {
    describe(c.name, () => {
      it("ours rep listens, nngcat --req0 dials", async () => {
        const rep = await open("rep", { listen: c.listen, tls: c.secure ? serverTls() : undefined });
        const url = rep.listeners[0]!.url;
        const peer = nngcat(["--req0", "--dial", url, "--data", "ping from nng", "--ascii", ...(c.secure ? TLS_ARGS() : [])]);
        expect(await rep.recv({ mode: "string", timeout: 10_000 })).to.equal("ping from nng");
        await rep.send("pong from ts");
        await exitsCleanly(peer);
        expect(peer.out()).to.include("pong from ts");
      });

      it("nngcat --rep0 listens, ours req dials", async () => {
        const port = await freePort();
        const url = c.listen.replace(":0", `:${port}`);
        const peer = nngcat(["--rep0", "--listen", url, "--data", "pong from nng", "--ascii", ...(c.secure ? ["--cert", certFile, "--key", keyFile] : [])]);
        const req = await open("req", { "reconnect-time-min": 50, "reconnect-time-max": 200, dial: url, tls: c.secure ? clientTls() : undefined });
        await req.send("ping from ts");
        expect(await req.recv({ mode: "string", timeout: 10_000 })).to.equal("pong from nng");
        await until(() => peer.out().includes("ping from ts"), 5000, "nngcat to print the request");
      });

      it("200 kB messages both ways (fragmented by nng and by us)", async () => {
        const pull = await open("pull", { listen: c.listen, tls: c.secure ? serverTls() : undefined });
        const big = path.join(dir, "big.bin");
        fs.writeFileSync(big, Buffer.alloc(200_000, "n"));
        const pusher = nngcat(["--push0", "--dial", pull.listeners[0]!.url, "--file", big, ...(c.secure ? TLS_ARGS() : [])]);
        const got = await pull.recv({ timeout: 10_000 });
        expect(got.length).to.equal(200_000);
        expect(got.every((b) => b === 0x6e)).to.equal(true);
        await pusher.kill();

        const port = await freePort();
        const url = c.listen.replace(":0", `:${port}`);
        const puller = nngcat(["--pull0", "--listen", url, "--raw", ...(c.secure ? ["--cert", certFile, "--key", keyFile] : [])]);
        const push = await open("push", { "reconnect-time-min": 50, "reconnect-time-max": 200, dial: url, tls: c.secure ? clientTls() : undefined });
        await push.send(Buffer.alloc(200_000, "t"), { timeout: 10_000 });
        await until(() => puller.out().length >= 200_000, 10_000, "nngcat to print 200 kB");
        expect(puller.out()).to.equal("t".repeat(200_000));
      });
    });
  }

  describe("certificates and verification", () => {
    for (const scheme of ["tls+tcp", "wss"]) {
      it(`${scheme}: nngcat verifies writeCert()'s default certificate by localhost and by 127.0.0.1`, async () => {
        const rep = await open("rep", { listen: `${scheme}://127.0.0.1:0${scheme === "wss" ? "/v" : ""}`, tls: serverTls() });
        const url = rep.listeners[0]!.url;
        for (const host of ["localhost", "127.0.0.1"]) {
          const peer = nngcat(["--req0", "--dial", url.replace("127.0.0.1", host), "--data", host, "--ascii", ...TLS_ARGS()]);
          expect(await rep.recv({ mode: "string", timeout: 10_000 })).to.equal(host);
          await rep.send(`ok ${host}`);
          await exitsCleanly(peer);
        }
      });
    }

    it("nngcat refuses our untrusted certificate unless -k", async () => {
      const rep = await open("rep", { listen: "tls+tcp://127.0.0.1:0", tls: tlsConfig({ server: stranger.server }) });
      const url = rep.listeners[0]!.url;
      // No CA at all: EPEERAUTH; another CA: mbedtls reports ECRYPTO (both seen with libnng 1.5.2).
      const noCa = nngcat(["--req0", "--dial", url, "--data", "x"]);
      expect(await noCa.exited).to.not.equal(0);
      expect(noCa.out()).to.include("Peer could not be authenticated");
      const otherCa = nngcat(["--req0", "--dial", url, "--data", "x", ...TLS_ARGS()]);
      expect(await otherCa.exited).to.not.equal(0);
      expect(otherCa.out()).to.include("Cryptographic error");
      const insecure = nngcat(["--req0", "--dial", url, "--data", "insecure", "--ascii", "-k"]);
      expect(await rep.recv({ mode: "string", timeout: 10_000 })).to.equal("insecure");
      await rep.send("ok");
      await exitsCleanly(insecure);
    });

    it("an IP certificate (cn 127.0.0.1) verifies in nngcat and in Node when dialing the address", async () => {
      const rep = await open("rep", { listen: "wss://127.0.0.1:0/ip", tls: tlsConfig({ server: stranger.server }) });
      const url = rep.listeners[0]!.url;
      const peer = nngcat(["--req0", "--dial", url, "--data", "by ip", "--ascii", "--cacert", strangerCert]);
      expect(await rep.recv({ mode: "string", timeout: 10_000 })).to.equal("by ip");
      await rep.send("ok");
      await exitsCleanly(peer);
      const req = await open("req", { dial: url, autostart: "sync", tls: tlsConfig({ client: stranger.client }) });
      await req.send("node");
      expect(await rep.recv({ mode: "string", timeout: 5000 })).to.equal("node");
    });

    for (const scheme of ["tls+tcp", "wss"]) {
      it(`${scheme}: our dialer refuses nngcat's untrusted certificate with EPEERAUTH, and stays usable`, async () => {
        const port = await freePort();
        const url = `${scheme}://127.0.0.1:${port}${scheme === "wss" ? "/u" : ""}`;
        const peer = nngcat(["--rep0", "--listen", url, "--data", "pong", "--cert", strangerCert, "--key", strangerKey]);
        const req = await open("req");
        // Wait until nngcat listens: a refused TCP connection is ECONNREFUSED, a TLS refusal EPEERAUTH.
        for (const deadline = Date.now() + 10_000; ;) {
          try {
            await req.dial(url, { autostart: "sync", tls: clientTls() });
            throw new Error("dial succeeded against an untrusted certificate");
          } catch (err) {
            if ((err as { code?: string }).code !== "ECONNREFUSED" || Date.now() > deadline) {
              expect((err as { code?: string }).code, String(err)).to.equal("EPEERAUTH");
              break;
            }
            await new Promise((r) => setTimeout(r, 50));
          }
        }
        const added = nextPipe(req);
        await req.dial(url, { autostart: "sync", tls: tlsConfig({ client: stranger.client }) });
        await added;
        await req.send("trusted now");
        expect(await req.recv({ mode: "string", timeout: 5000 })).to.equal("pong");
        // Without a config the dialer still verifies (against Node's CAs).
        await rejects(req.dial(url, { autostart: "sync" }), "EPEERAUTH");
        expect(peer.proc.exitCode).to.equal(null);
      });
    }

    it('our listener with auth "required" takes nngcat with a client certificate, not without', async () => {
      const rep = await open("rep", { listen: "tls+tcp://127.0.0.1:0", tls: tlsConfig({ server: cert.server, client: cert.client, auth: "required" }) });
      const url = rep.listeners[0]!.url;
      const bare = nngcat(["--req0", "--dial", url, "--data", "bare", ...TLS_ARGS()]);
      expect(await bare.exited).to.not.equal(0);
      const withCert = nngcat(["--req0", "--dial", url, "--data", "with cert", "--ascii", ...TLS_ARGS(), "--cert", certFile, "--key", keyFile]);
      expect(await rep.recv({ mode: "string", timeout: 10_000 })).to.equal("with cert");
      await rep.send("ok");
      await exitsCleanly(withCert);
    });
  });
});
