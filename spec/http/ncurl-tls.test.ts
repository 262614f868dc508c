// ncurl over https against a node:https server with writeCert() certificates:
// verification with a tlsConfig CA, EPEERAUTH with the wrong one or (Node's
// CAs) with none, and unverified https only when asked (auth: "none").
import { expect } from "chai";
import { ncurl, ncurlAio, ncurlSession } from "../../src/http/client.js";
import { type CertPair, tlsConfig, writeCert } from "../../src/index.js";
import { rejects } from "../helpers/nng-expect.js";
import { startServer, type TestServer } from "./ncurl-server.js";

describe("ncurl over https", function () {
  this.timeout(20_000);
  let cert: CertPair;
  let stranger: CertPair;
  let named: CertPair;
  let srv: TestServer;

  before(async () => {
    [cert, stranger, named] = await Promise.all([writeCert(), writeCert(), writeCert({ cn: "other.example" })]);
    srv = await startServer(cert.server);
  });
  after(() => srv?.close());
  beforeEach(() => {
    srv.seen.length = 0;
  });

  it("verifies the server with a CA from tlsConfig({ client }), by address and by name", async () => {
    const tls = tlsConfig({ client: cert.client });
    expect(await ncurl(`${srv.base}/text`, { tls })).to.deep.equal({ status: 200, headers: null, data: "héllo wörld" });
    const byName = await ncurl(`https://localhost:${srv.port}/echo`, { tls, method: "POST", data: "secret" });
    expect(byName.data).to.equal("secret");
  });

  it("an untrusted server certificate → EPEERAUTH; a name mismatch → ECRYPTO", async () => {
    await rejects(ncurl(`${srv.base}/text`, { tls: tlsConfig({ client: stranger.client }) }), "EPEERAUTH");
    await rejects(ncurl(`${srv.base}/text`, { tls: tlsConfig() }), "EPEERAUTH"); // Node's CAs do not know it
    const other = await startServer(named.server);
    try {
      await rejects(ncurl(`${other.base}/text`, { tls: tlsConfig({ client: named.client }) }), "ECRYPTO");
    } finally {
      await other.close();
    }
  });

  it("without tls, https verifies against Node's CAs: an untrusted server is EPEERAUTH", async () => {
    await rejects(ncurl(`${srv.base}/text`), "EPEERAUTH");
    await rejects(ncurl(`https://localhost:${srv.port}/text`), "EPEERAUTH");
  });

  it("unverified with auth: 'none'; SNI carries the host name, never an address", async () => {
    const none = tlsConfig({ auth: "none" });
    const res = await ncurl(`${srv.base}/binary`, { convert: false, response: ["content-type"], tls: none });
    expect(res.status).to.equal(200);
    expect(res.headers).to.deep.equal({ "content-type": "application/octet-stream" });
    expect((await ncurl(`https://localhost:${srv.port}/text`, { tls: none })).data).to.equal("héllo wörld");
    expect(srv.seen.map((x) => x.servername)).to.deep.equal([false, "localhost"]);
  });

  it("tlsConfig auth: 'none' connects to an untrusted server", async () => {
    expect((await ncurl(`${srv.base}/text`, { tls: tlsConfig({ auth: "none" }) })).status).to.equal(200);
  });

  it("follows redirects over https, keeping the tls config", async () => {
    const res = await ncurl(`${srv.base}/redirect/2`, { tls: tlsConfig({ client: cert.client }), followRedirects: true });
    expect(res.data).to.equal("done GET ");
  });

  it("ncurlAio over https, verified and not", async () => {
    const good = ncurlAio(`${srv.base}/text`, { tls: tlsConfig({ client: cert.client }) });
    const bad = ncurlAio(`${srv.base}/text`, { tls: tlsConfig({ client: stranger.client }) });
    expect((await good).status).to.equal(200);
    await rejects(Promise.resolve(bad), "EPEERAUTH");
  });

  it("a session over https reuses its one TLS connection", async () => {
    const s = await ncurlSession(`${srv.base}/port`, { tls: tlsConfig({ client: cert.client }) });
    try {
      const ports = [];
      for (let i = 0; i < 3; i++) ports.push((await s.transact()).data);
      expect(new Set(ports).size).to.equal(1);
      expect(new Set(srv.seen.map((x) => x.remotePort)).size).to.equal(1);
      expect(srv.seen).to.have.length(3);
    } finally {
      s.close();
    }
    const unverified = await ncurlSession(`${srv.base}/text`, { tls: tlsConfig({ auth: "none" }) });
    try {
      expect((await unverified.transact()).data).to.equal("héllo wörld");
    } finally {
      unverified.close();
    }
    await rejects(ncurlSession(`${srv.base}/text`, { tls: tlsConfig({ client: stranger.client }) }), "EPEERAUTH");
  });
});
