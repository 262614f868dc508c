/**
 * TLS refusals over tls+tcp:// and wss://: a server certificate from an
 * untrusted CA, an expired one and one for another name are refused with a
 * typed NngError that says why (untrusted or expired → EPEERAUTH, a name
 * mismatch → ECRYPTO, as documented), by our dialer against our listener and
 * against nngcat, and by nngcat against our listener; the refusing side keeps
 * working.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { type CertPair, NngError, type Socket, socket, tlsConfig, writeCert } from "../../src/index.js";
import { selfSignedCert } from "../../src/tls/cert.js";
import { writeCertFiles } from "../helpers/cert-files.js";
import { peerAvailable, type Peer, spawnPeer } from "../helpers/peers.js";
import { freePort } from "../helpers/raw-stream.js";

/** A self-signed certificate for localhost/127.0.0.1 that expired yesterday (writeCert refuses past dates). */
function expiredCert(): Promise<CertPair> {
  return selfSignedCert("localhost", new Date(Date.now() - 3 * 86_400_000), new Date(Date.now() - 86_400_000));
}

interface BadCase {
  name: string;
  /** The certificate the server presents. */
  server: () => CertPair;
  /** The CA the client trusts. */
  trust: () => CertPair;
  code: "EPEERAUTH" | "ECRYPTO";
  why: RegExp;
}

describe("reliability: TLS refusals", function () {
  this.timeout(30_000);
  let good: CertPair;
  let stranger: CertPair;
  let otherName: CertPair;
  let expired: CertPair;
  let dir: string;
  const opened: Socket[] = [];
  const peers: Peer[] = [];

  before(async () => {
    [good, stranger, otherName] = await Promise.all([writeCert(), writeCert(), writeCert({ cn: "other.example" })]);
    expired = await expiredCert();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "nn-tlsr-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.kill()));
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  const CASES: BadCase[] = [
    { name: "a certificate from an untrusted CA", server: () => stranger, trust: () => good, code: "EPEERAUTH", why: /self[- ]signed|unable to (get|verify)|issuer/i },
    { name: "an expired certificate", server: () => expired, trust: () => expired, code: "EPEERAUTH", why: /expired/i },
    { name: "a certificate for another name", server: () => otherName, trust: () => otherName, code: "ECRYPTO", why: /altnames|hostname|not in the cert/i },
  ];

  /** Files for nngcat. */
  const files = (c: CertPair, tag: string) => writeCertFiles(dir, tag, c);

  async function refused(p: Promise<unknown>, c: BadCase): Promise<void> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err, "the dial should have been refused").to.be.instanceOf(NngError);
    expect((err as NngError).code, (err as Error).message).to.equal(c.code);
    expect((err as Error).message).to.match(c.why);
  }

  for (const scheme of ["tls+tcp", "wss"] as const) {
    const any = scheme === "wss" ? "wss://127.0.0.1:0/tls" : "tls+tcp://127.0.0.1:0";
    describe(scheme, () => {
      for (const c of CASES) {
        it(`our dialer refuses ${c.name} (${c.code}) and still connects to a good server`, async () => {
          const bad = await socket("rep", { listen: any, tls: tlsConfig({ server: c.server().server }) });
          const ok = await socket("rep", { listen: any, tls: tlsConfig({ server: good.server }) });
          const req = await socket("req");
          opened.push(bad, ok, req);
          await refused(req.dial(bad.listeners[0]!.url, { autostart: "sync", tls: tlsConfig({ client: c.trust().client }) }), c);
          expect(bad.pipeIds).to.deep.equal([]);
          await req.dial(ok.listeners[0]!.url, { autostart: "sync", tls: tlsConfig({ client: good.client }) });
          await req.send("hi");
          expect(await ok.recv({ mode: "string", timeout: 5000 })).to.equal("hi");
        });
      }

      describe("with nngcat", function () {
        before(function () {
          if (!peerAvailable("nngcat")) {
            console.log("      (nngcat not installed: skipping; apt-get install nng-utils)");
            this.skip();
          }
        });

        for (const c of CASES) {
          it(`our dialer refuses an nngcat listener with ${c.name} (${c.code})`, async () => {
            const f = files(c.server(), `srv-${scheme}-${c.code}-${c.name.length}`);
            const port = await freePort();
            const url = scheme === "wss" ? `wss://127.0.0.1:${port}/tls` : `tls+tcp://127.0.0.1:${port}`;
            peers.push(spawnPeer("nngcat", ["--rep", "--listen", url, "--cert", f.cert, "--key", f.key, "--data", "pong", "--ascii"]));
            const req = await socket("req");
            opened.push(req);
            // Until nngcat listens, the dial is refused with ECONNREFUSED; then with the TLS error.
            let err: unknown;
            for (let i = 0; i < 100; i++) {
              err = await req.dial(url, { autostart: "sync", tls: tlsConfig({ client: c.trust().client }) }).then(
                () => undefined,
                (e: unknown) => e,
              );
              if (!(err instanceof NngError) || err.code !== "ECONNREFUSED") break;
              await new Promise((r) => setTimeout(r, 50));
            }
            await refused(Promise.reject(err), c);
          });

          it(`nngcat refuses our listener with ${c.name}; our listener keeps serving`, async () => {
            const ca = files(c.trust(), `ca-${scheme}-${c.code}-${c.name.length}`);
            const rep = await socket("rep", { listen: any, tls: tlsConfig({ server: c.server().server }) });
            opened.push(rep);
            const url = rep.listeners[0]!.url;
            const peer = spawnPeer("nngcat", ["--req", "--dial", url, "--cacert", ca.cert, "--data", "hi", "--ascii"]);
            peers.push(peer);
            const code = await peer.exited;
            expect(code, peer.out()).to.not.equal(0);
            expect(peer.out()).to.match(/crypto|auth|certificate/i);
            expect(rep.pipeIds).to.deep.equal([]);
            // A dialer that does not verify still gets through: the listener is fine.
            const req = await socket("req", { dial: url, autostart: "sync", tls: tlsConfig({ auth: "none" }) });
            opened.push(req);
            await req.send("after");
            expect(await rep.recv({ mode: "string", timeout: 5000 })).to.equal("after");
          });
        }
      });
    });
  }
});
