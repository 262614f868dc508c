// writeCert(): self-signed certificates shaped for tlsConfig() and for nng
// peers (wire-protocol.md §5.x: CN kept, and put into the subjectAltName).
import { createPrivateKey, X509Certificate } from "node:crypto";
import { expect } from "chai";
import { type CertPair, writeCert } from "../../src/index.js";
import { fails } from "../helpers/nng-expect.js";

describe("writeCert()", function () {
  this.timeout(15_000);
  let byDefault: CertPair;
  let byIp: CertPair;
  let byName: CertPair;

  before(async () => {
    [byDefault, byIp, byName] = await Promise.all([writeCert(), writeCert({ cn: "127.0.0.1", valid: "20351231235959" }), writeCert({ cn: "sp.example", valid: new Date(Date.UTC(2031, 0, 2)) })]);
  });

  it("returns nanonext's shape: server [cert, key], client [cert, \"\"]", () => {
    const [cert, key] = byDefault.server;
    expect(cert).to.match(/^-----BEGIN CERTIFICATE-----\r?\n[\s\S]+-----END CERTIFICATE-----\r?\n?$/);
    expect(key).to.match(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/);
    expect(byDefault.client).to.deep.equal([cert, ""]);
    expect(Object.isFrozen(byDefault) && Object.isFrozen(byDefault.server)).to.equal(true);
  });

  it("default: CN=localhost, SAN DNS:localhost + IP:127.0.0.1 + IP:::1 (+ DNS:127.0.0.1 for mbedtls), self-signed CA, valid to 2030", () => {
    const x = new X509Certificate(byDefault.server[0]);
    expect(x.subject).to.equal("CN=localhost");
    expect(x.issuer).to.equal("CN=localhost");
    expect(x.subjectAltName).to.equal("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:127.0.0.1");
    expect(x.ca).to.equal(true);
    expect(x.verify(x.publicKey)).to.equal(true);
    expect(x.checkPrivateKey(createPrivateKey(byDefault.server[1]))).to.equal(true);
    expect(new Date(x.validTo).toISOString()).to.equal("2030-12-31T23:59:59.000Z");
    expect(new Date(x.validFrom).getTime()).to.be.lessThan(Date.now());
    expect(x.checkHost("localhost")).to.equal("localhost");
    expect(x.checkIP("127.0.0.1")).to.equal("127.0.0.1");
    expect((x.publicKey.asymmetricKeyDetails?.modulusLength)).to.equal(2048);
  });

  it("an address: IP and DNS entries for it; valid as YYYYMMDDhhmmss", () => {
    const x = new X509Certificate(byIp.server[0]);
    expect(x.subject).to.equal("CN=127.0.0.1");
    expect(x.subjectAltName).to.equal("DNS:127.0.0.1, IP Address:127.0.0.1");
    expect(x.checkIP("127.0.0.1")).to.equal("127.0.0.1");
    expect(new Date(x.validTo).toISOString()).to.equal("2035-12-31T23:59:59.000Z");
  });

  it("a name: a DNS entry; valid as a Date", () => {
    const x = new X509Certificate(byName.server[0]);
    expect(x.subject).to.equal("CN=sp.example");
    expect(x.subjectAltName).to.equal("DNS:sp.example");
    expect(new Date(x.validTo).toISOString()).to.equal("2031-01-02T00:00:00.000Z");
  });

  it("every certificate is new: distinct keys and serials", () => {
    const a = new X509Certificate(byDefault.server[0]);
    const b = new X509Certificate(byIp.server[0]);
    expect(a.serialNumber).to.not.equal(b.serialNumber);
    expect(byDefault.server[1]).to.not.equal(byIp.server[1]);
  });

  it("bad cn or valid → EINVAL", async () => {
    await fails(() => writeCert({ cn: "" }), "EINVAL");
    await fails(() => writeCert({ cn: "a b" }), "EINVAL");
    await fails(() => writeCert({ cn: "CN=x,O=y" }), "EINVAL");
    await fails(() => writeCert({ valid: "2030-12-31" }), "EINVAL");
    await fails(() => writeCert({ valid: "20301332235959" }), "EINVAL");
    await fails(() => writeCert({ valid: "20000101000000" }), "EINVAL");
    await fails(() => writeCert({ valid: new Date(Number.NaN) }), "EINVAL");
  });
});
