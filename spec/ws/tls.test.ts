// TLS: tls+tcp:// and wss:// between our sockets, tlsConfig() validation,
// verification defaults (client verifies, server does not ask), auth modes and
// the error mapping (untrusted → EPEERAUTH, name mismatch → ECRYPTO) (§5, §12 item 14).
import { createPrivateKey } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { type CertPair, type ProtocolName, type Socket, socket, TlsConfig, tlsConfig, writeCert } from "../../src/index.js";
import { rejects, throws } from "../helpers/nng-expect.js";
import { nextPipe } from "../helpers/wait.js";

describe("TLS (tls+tcp://, wss://)", function () {
  this.timeout(15_000);
  let local: CertPair; // cn localhost: trusted by `trusting`
  let stranger: CertPair; // another self-signed certificate nobody trusts
  let named: CertPair; // cn other.example: trusted, but not for 127.0.0.1
  let dir: string;
  const opened: Socket[] = [];

  before(async () => {
    [local, stranger, named] = await Promise.all([writeCert(), writeCert(), writeCert({ cn: "other.example" })]);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "nn-tls-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  async function open(proto: ProtocolName, opts: Record<string, unknown> = {}): Promise<Socket> {
    const s = await socket(proto, opts);
    opened.push(s);
    return s;
  }

  async function exchange(a: Socket, b: Socket, text = "over tls"): Promise<void> {
    await a.send(text);
    expect(await b.recv({ mode: "string", timeout: 5000 })).to.equal(text);
  }

  for (const url of ["tls+tcp://127.0.0.1:0", "wss://127.0.0.1:0/sp"]) {
    const scheme = url.slice(0, url.indexOf(":"));
    describe(scheme, () => {
      it("connects with writeCert() certificates, verified both by 127.0.0.1 and localhost", async () => {
        const rep = await open("rep", { listen: url, tls: tlsConfig({ server: local.server }) });
        const bound = rep.listeners[0]!.url;
        expect(bound).to.match(new RegExp(`^${scheme.replace("+", "\\+")}://127\\.0\\.0\\.1:\\d+`));
        const added = nextPipe(rep);
        const req = await open("req", { dial: bound, autostart: "sync", tls: tlsConfig({ client: local.client }) });
        expect((await added).transport).to.equal(scheme);
        await exchange(req, rep);
        await exchange(rep, req, "back");
        const byName = await open("req", { dial: bound.replace("127.0.0.1", "localhost"), autostart: "sync", tls: tlsConfig({ client: local.client }) });
        await exchange(byName, rep, "by name");
      });

      it("an untrusted server → EPEERAUTH, a name mismatch → ECRYPTO; the socket stays usable", async () => {
        const fake = await open("rep", { listen: url, tls: tlsConfig({ server: stranger.server }) });
        const wrongName = await open("rep", { listen: url, tls: tlsConfig({ server: named.server }) });
        const good = await open("rep", { listen: url, tls: tlsConfig({ server: local.server }) });
        const cfg = tlsConfig({ client: [local.client[0], ""] });
        const req = await open("req");
        await rejects(req.dial(fake.listeners[0]!.url, { autostart: "sync", tls: cfg }), "EPEERAUTH");
        // Trusted as a CA, but issued for other.example.
        const trustNamed = tlsConfig({ client: named.client });
        await rejects(req.dial(wrongName.listeners[0]!.url, { autostart: "sync", tls: trustNamed }), "ECRYPTO");
        // …which a serverName override fixes.
        const other = await open("req", { dial: wrongName.listeners[0]!.url, autostart: "sync", tls: tlsConfig({ client: named.client, serverName: "other.example" }) });
        await exchange(other, wrongName);
        // No tls config: Node's CAs, and verification still on.
        await rejects(req.dial(good.listeners[0]!.url, { autostart: "sync" }), "EPEERAUTH");
        expect(req.dialers).to.have.length(0);
        await req.dial(good.listeners[0]!.url, { autostart: "sync", tls: cfg });
        await exchange(req, good, "still usable");
      });

      it('auth "none" on the dialer connects to anyone', async () => {
        const rep = await open("rep", { listen: url, tls: tlsConfig({ server: stranger.server }) });
        const req = await open("req", { dial: rep.listeners[0]!.url, autostart: "sync", tls: tlsConfig({ auth: "none" }) });
        await exchange(req, rep);
      });

      it('a listener with auth "required" takes only clients with a trusted certificate', async () => {
        const rep = await open("rep", { listen: url, tls: tlsConfig({ server: local.server, client: local.client, auth: "required" }) });
        const bound = rep.listeners[0]!.url;
        const trust = { client: local.client };
        const bare = await open("req", { "reconnect-time-min": 20, "reconnect-time-max": 40, dial: bound, tls: tlsConfig(trust) });
        const bad = await open("req", { "reconnect-time-min": 20, "reconnect-time-max": 40, dial: bound, tls: tlsConfig({ ...trust, server: stranger.server }) });
        const added = nextPipe(rep);
        const good = await open("req", { dial: bound, tls: tlsConfig({ ...trust, server: local.server }) });
        await added;
        await exchange(good, rep);
        expect(rep.pipeIds).to.have.length(1);
        expect(bare.stat("pipes")).to.equal(0);
        expect(bad.stat("pipes")).to.equal(0);
        // The server's "certificate required" alert (TLS 1.3, after our handshake finished) → EPEERAUTH.
        await rejects(bare.dial(bound, { autostart: "sync", tls: tlsConfig(trust) }), "EPEERAUTH");
      });

      it('a listener with auth "optional" takes clients without a certificate but not with a bad one', async () => {
        const rep = await open("rep", { listen: url, tls: tlsConfig({ server: local.server, client: local.client, auth: "optional" }) });
        const bound = rep.listeners[0]!.url;
        const bad = await open("req", { "reconnect-time-min": 20, "reconnect-time-max": 40, dial: bound, tls: tlsConfig({ client: local.client, server: stranger.server }) });
        const added = nextPipe(rep);
        const bare = await open("req", { dial: bound, tls: tlsConfig({ client: local.client }) });
        await added;
        await exchange(bare, rep);
        expect(bad.stat("pipes")).to.equal(0);
        expect(rep.pipeIds).to.have.length(1);
      });

      it("a listener needs a certificate → EINVAL", async () => {
        const s = await open("rep");
        await rejects(s.listen(url), "EINVAL");
        await rejects(s.listen(url, { tls: tlsConfig({ client: local.client }) }), "EINVAL");
        expect(s.listeners).to.have.length(0);
      });
    });
  }

  it("wss: two SP listeners share one TLS port on different paths", async () => {
    const tls = tlsConfig({ server: local.server });
    const a = await open("pair", { listen: "wss://127.0.0.1:0/a", tls });
    const port = a.listeners[0]!.opt("tcp-bound-port");
    const b = await open("pair", { listen: `wss://127.0.0.1:${port}/b`, tls });
    const ca = tlsConfig({ client: local.client });
    const da = await open("pair", { dial: `wss://127.0.0.1:${port}/a`, autostart: "sync", tls: ca });
    const db = await open("pair", { dial: `wss://localhost:${port}/b`, autostart: "sync", tls: ca });
    await exchange(da, a, "a");
    await exchange(db, b, "b");
    // ws and wss cannot share a port.
    const plain = await open("pair");
    await rejects(plain.listen(`ws://127.0.0.1:${port}/c`), "EADDRINUSE");
  });

  describe("tlsConfig()", () => {
    it("reads PEM files, a combined cert+key file, and an encrypted key with its passphrase", async () => {
      const certFile = path.join(dir, "cert.pem");
      const keyFile = path.join(dir, "key.pem");
      const both = path.join(dir, "both.pem");
      const encFile = path.join(dir, "enc.pem");
      fs.writeFileSync(certFile, local.server[0]);
      fs.writeFileSync(keyFile, local.server[1]);
      fs.writeFileSync(both, local.server[0] + local.server[1]);
      const enc = createPrivateKey(local.server[1]).export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "s3cret" }) as string;
      fs.writeFileSync(encFile, enc);

      for (const server of [[certFile, keyFile] as const, both, local.server[0] + local.server[1]]) {
        const rep = await open("rep", { listen: "tls+tcp://127.0.0.1:0", tls: tlsConfig({ server }) });
        const req = await open("req", { dial: rep.listeners[0]!.url, autostart: "sync", tls: tlsConfig({ client: certFile }) });
        await exchange(req, rep);
      }
      const rep = await open("rep", { listen: "wss://127.0.0.1:0/e", tls: tlsConfig({ server: [certFile, encFile], pass: "s3cret" }) });
      const req = await open("req", { dial: rep.listeners[0]!.url, autostart: "sync", tls: tlsConfig({ client: local.client }) });
      await exchange(req, rep);

      throws(() => tlsConfig({ server: [certFile, encFile], pass: "wrong" }), "ECRYPTO");
      throws(() => tlsConfig({ server: [certFile, encFile] }), "ECRYPTO");
    });

    it("rejects bad input with nng's codes", () => {
      throws(() => tlsConfig({ client: path.join(dir, "missing.pem") }), "ENOENT");
      throws(() => tlsConfig({ client: "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n" }), "ECRYPTO");
      throws(() => tlsConfig({ server: local.server[0] }), "ECRYPTO"); // a cert without its key
      throws(() => tlsConfig({ server: [local.server[0], stranger.server[1]] }), "ECRYPTO"); // key does not match
      throws(() => tlsConfig({ auth: "sometimes" as "none" }), "EINVAL");
      throws(() => tlsConfig({ client: 42 as unknown as string }), "EBADTYPE");
      throws(() => tlsConfig({ client: "" }), "EINVAL");
    });

    it("auth modes, nanonext's booleans, and the defaults", () => {
      expect(tlsConfig().auth).to.equal(undefined);
      expect(tlsConfig({ auth: true }).auth).to.equal("required");
      expect(tlsConfig({ auth: false }).auth).to.equal("none");
      const c = tlsConfig({ client: local.client, server: local.server, auth: "optional", serverName: "x" });
      expect(c).to.be.instanceOf(TlsConfig);
      expect(c).to.include({ auth: "optional", serverName: "x", hasCa: true, hasCert: true });
      expect(Object.isFrozen(c)).to.equal(true);
    });

    it("socket(), dial() and listen() refuse a tls value that is not a TlsConfig → EBADTYPE", async () => {
      await rejects(socket("req", { dial: "tls+tcp://127.0.0.1:1", tls: { client: "x" } as unknown as TlsConfig }), "EBADTYPE");
      const s = await open("rep");
      await rejects(s.listen("wss://127.0.0.1:0/", { tls: "pem" as unknown as TlsConfig }), "EBADTYPE");
    });
  });
});
