// stream() over tcp://, ipc:// and tls+tcp:// against plain Node peers: raw
// bytes both ways (no SP handshake, no framing), order and completeness across
// many small writes, the `buffer` cap, back-pressure, and how an ending peer shows.
import net from "node:net";
import tls from "node:tls";
import { expect } from "chai";
import { type CertPair, tlsConfig, writeCert } from "../../src/index.js";
import { stream } from "../../src/stream/stream.js";
import { ipcUrl } from "../helpers/addr.js";
import { rejects } from "../helpers/nng-expect.js";
import { closed, listening, Opened, pattern, readBytes, recvBytes, serve } from "./peers.js";

describe("stream(): byte streams (tcp, ipc, tls+tcp)", function () {
  this.timeout(20_000);
  const opened = new Opened();
  let cert: CertPair;

  before(async () => {
    cert = await writeCert({ cn: "localhost" });
  });
  afterEach(() => opened.closeAll());

  /** A dialed stream and the Node socket at the other end, for each scheme. */
  async function dialed(scheme: "tcp" | "ipc" | "tls+tcp", buffer?: number) {
    const server =
      scheme === "tls+tcp" ? tls.createServer({ cert: cert.server[0], key: cert.server[1] }) : net.createServer();
    const where = scheme === "ipc" ? { path: ipcUrl("bs").slice("ipc://".length) } : { port: 0, host: "127.0.0.1" };
    const peer = await serve(opened, server, where, scheme === "tls+tcp" ? "secureConnection" : "connection");
    const url = peer.url(scheme);
    const s = opened.stream(await stream({ dial: url, buffer, tls: scheme === "tls+tcp" ? tlsConfig({ client: cert.client[0] }) : undefined }));
    return { s, sock: await peer.next(), url };
  }

  for (const scheme of ["tcp", "ipc", "tls+tcp"] as const) {
    describe(scheme, () => {
      it("dial: bytes both ways, no framing added", async () => {
        const { s, sock, url } = await dialed(scheme);
        expect(s.mode).to.equal("dialer");
        expect(s.url).to.equal(url);
        expect(s.textframes).to.equal(false);
        await s.send("hello");
        expect((await readBytes(sock, 5)).toString()).to.equal("hello");
        sock.write(Buffer.from([0, 1, 2, 255]));
        const { bytes } = await recvBytes(s, 4);
        expect([...bytes]).to.deep.equal([0, 1, 2, 255]);
        expect(bytes.constructor).to.equal(Uint8Array);
      });

      it("nothing is lost or reordered across many small writes; each recv is at most `buffer` bytes", async () => {
        const { s, sock } = await dialed(scheme, 7);
        const data = pattern(5000);
        for (let off = 0, k = 1; off < data.length; off += k, k = (k % 13) + 1) sock.write(data.subarray(off, off + k));
        const { bytes, sizes } = await recvBytes(s, data.length);
        expect(Buffer.from(bytes).equals(Buffer.from(data))).to.equal(true);
        expect(Math.max(...sizes)).to.be.at.most(7);
        // And the other way: many small sends arrive whole and in order.
        const back = pattern(3000, 99);
        for (let off = 0; off < back.length; off += 10) await s.send(back.subarray(off, off + 10));
        expect((await readBytes(sock, back.length)).equals(Buffer.from(back))).to.equal(true);
      });

      it("listen: binds, reports the bound URL, takes exactly one client and stops listening", async () => {
        const where = scheme === "ipc" ? ipcUrl("bl") : `${scheme}://127.0.0.1:0`;
        const { url, accepted } = await listening((onListening) =>
          stream({ listen: where, onListening, tls: scheme === "tls+tcp" ? tlsConfig({ server: cert.server }) : undefined }),
        );
        if (scheme !== "ipc") expect(url).to.match(new RegExp(`^${scheme.replace("+", "\\+")}://127\\.0\\.0\\.1:[1-9]\\d*$`));
        else expect(url).to.equal(where);
        const opts = scheme === "ipc" ? { path: url.slice(6) } : { host: "127.0.0.1", port: Number(url.slice(url.lastIndexOf(":") + 1)) };
        const client = opened.socket(scheme === "tls+tcp" ? tls.connect({ ...opts, ca: cert.client[0], servername: "localhost" }) : net.connect(opts));
        const s = opened.stream(await accepted);
        expect(s.mode).to.equal("listener");
        expect(s.url).to.equal(url);
        client.write("from client");
        expect(Buffer.from((await recvBytes(s, 11)).bytes).toString()).to.equal("from client");
        await s.send("from server");
        expect((await readBytes(client, 11)).toString()).to.equal("from server");
        // The listening socket is gone: a second client is refused.
        const second = opened.socket(net.connect(opts));
        const err = await new Promise<NodeJS.ErrnoException>((resolve) => second.once("error", resolve));
        expect(err.code).to.be.oneOf(["ECONNREFUSED", "ENOENT"]);
      });

      it("the peer closing: what arrived is still received, then ECONNSHUT; for-await ends quietly", async () => {
        const { s, sock } = await dialed(scheme);
        sock.end("last words");
        const got = await recvBytes(s, 10);
        expect(Buffer.from(got.bytes).toString()).to.equal("last words");
        await rejects(s.recv({ timeout: 5000 }), "ECONNSHUT");
        await rejects(s.recv(), "ECONNSHUT");
        await rejects(s.send("x"), "ECONNSHUT");
        const chunks: Uint8Array[] = [];
        for await (const c of s) chunks.push(c);
        expect(chunks).to.deep.equal([]);
        await s.close();
        await s.close();
      });
    });
  }

  it("back-pressure: 64 MiB to a peer that is not reading; timed-out and cancelled sends send nothing", async () => {
    const { s, sock } = await dialed("tcp");
    sock.pause();
    const big = pattern(64 * 1024 * 1024);
    await s.send(big); // taken by the transport at once
    await rejects(s.send("lost?", { timeout: 0 }), "EAGAIN");
    await rejects(s.send("lost?", { timeout: 30 }), "ETIMEDOUT");
    const ac = new AbortController();
    const cancelled = s.send("lost?", { signal: ac.signal });
    ac.abort();
    await rejects(cancelled, "ECANCELED");
    const last = s.send("END"); // waits for the transport to drain
    sock.resume();
    const got = await readBytes(sock, big.length + 3);
    await last;
    expect(got.subarray(0, big.length).equals(Buffer.from(big.buffer, big.byteOffset, big.length))).to.equal(true);
    expect(got.subarray(big.length).toString()).to.equal("END");
  });

  it("back-pressure: a slow reader gets every byte of 8 MiB in order", async () => {
    const { s, sock } = await dialed("tcp");
    const big = pattern(8 * 1024 * 1024, 3);
    sock.write(big);
    const { bytes, sizes } = await recvBytes(s, big.length, 20_000);
    expect(Buffer.from(bytes).equals(Buffer.from(big))).to.equal(true);
    expect(Math.max(...sizes)).to.be.at.most(65536);
  });

  it("tls+tcp: a server nobody trusts is EPEERAUTH; our listener without a certificate is EINVAL", async () => {
    const server = tls.createServer({ cert: cert.server[0], key: cert.server[1] });
    const peer = await serve(opened, server, { port: 0, host: "127.0.0.1" }, "secureConnection");
    await rejects(stream({ dial: peer.url("tls+tcp") }), "EPEERAUTH"); // Node's CAs do not know it
    await rejects(stream({ listen: "tls+tcp://127.0.0.1:0" }), "EINVAL");
    // auth "none" connects anyway.
    const s = opened.stream(await stream({ dial: peer.url("tls+tcp"), tls: tlsConfig({ auth: "none" }) }));
    expect(s.opt("tls-verified")).to.equal(false);
    const verified = opened.stream(await stream({ dial: peer.url("tls+tcp").replace("127.0.0.1", "localhost"), tls: tlsConfig({ client: cert.client[0] }) }));
    expect(verified.opt("tls-verified")).to.equal(true);
    expect(verified.opt("tls-peer-cn")).to.equal("localhost");
  });

  it("opt(): addresses, and ENOTSUP for WebSocket options", async () => {
    const { s, sock } = await dialed("tcp");
    expect(s.opt("remote-address")).to.equal(`127.0.0.1:${sock.localPort}`);
    expect(s.opt("local-address")).to.equal(`127.0.0.1:${sock.remotePort}`);
    expect(s.opt("url")).to.equal(s.url);
    for (const name of ["ws:request-uri", "tls-verified", "nope"]) {
      expect(() => s.opt(name)).to.throw().with.property("code", "ENOTSUP");
    }
    await s.close();
    await closed(sock);
    expect(() => s.opt("url")).to.throw().with.property("code", "ECLOSED");
  });
});
