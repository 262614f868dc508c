import { generateKeyPair, randomBytes } from "node:crypto";
import net from "node:net";
// X.509 building: node-forge. Chosen over @peculiar/x509 (whose v2 needs a global
// Reflect polyfill installed by the application — a library must not patch
// globals) and over selfsigned (a thin wrapper that now sits on @peculiar/x509):
// node-forge is maintained, has no dependencies, no global side effects and a
// synchronous certificate API. The RSA key itself is made by Node's native crypto.
import forge from "node-forge";
import { nngError } from "../core/errors.js";

/**
 * Options of {@link writeCert}.
 * @example
 * ```ts
 * const pair = await writeCert({ cn: "localhost", valid: "20301231235959" });
 * ```
 */
export interface WriteCertOptions {
  /**
   * Common name, and the subjectAltName: a host name becomes a DNS entry, an
   * IP address an IP entry. Default `"localhost"` (see {@link writeCert}).
   */
  cn?: string | undefined;
  /** End of validity: nanonext's `"YYYYMMDDhhmmss"` (UTC) or a Date. Default `"20301231235959"`. */
  valid?: string | Date | undefined;
}

/**
 * A self-signed certificate and its key, shaped for {@link tlsConfig}.
 * @example
 * ```ts
 * const { server, client }: CertPair = await writeCert({ cn: "localhost" });
 * const [certPem, keyPem] = server;
 * ```
 */
export interface CertPair {
  /** `[certificate, private key]` in PEM: pass as `tlsConfig({ server })`. */
  readonly server: readonly [cert: string, key: string];
  /** `[certificate, ""]` in PEM: the same certificate as the CA to trust, `tlsConfig({ client })`. */
  readonly client: readonly [ca: string, crl: string];
}

function parseValid(v: string | Date | undefined): Date {
  if (v === undefined) return new Date(Date.UTC(2030, 11, 31, 23, 59, 59));
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) throw nngError("EINVAL", "valid is an invalid Date");
    return v;
  }
  const m = typeof v === "string" ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(v) : null;
  if (!m) throw nngError("EINVAL", `valid must be "YYYYMMDDhhmmss" or a Date, not ${String(v)}`);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) throw nngError("EINVAL", `valid: ${v} is not a date`);
  return date;
}

/**
 * subjectAltName entries for a CN, chosen so both Node and libnng 1.5.2
 * (mbedtls 2.28) verify the certificate:
 * - an IP address → `IP:addr` (which Node matches) plus `DNS:addr`, because
 *   mbedtls 2.28 compares only DNS entries once a certificate has a SAN, and
 *   it compares them as text;
 * - a name → `DNS:name`; `localhost` also gets `IP:127.0.0.1`, `IP:::1` and
 *   `DNS:127.0.0.1`, so peers dialing the loopback address by number verify
 *   too (Node through the IP entries, nng 1.5.2 through the DNS one).
 */
function altNames(cn: string): { type: number; value?: string; ip?: string }[] {
  if (net.isIP(cn)) return [{ type: 2, value: cn }, { type: 7, ip: cn }];
  const out: { type: number; value?: string; ip?: string }[] = [{ type: 2, value: cn }];
  if (cn.toLowerCase() === "localhost") out.push({ type: 7, ip: "127.0.0.1" }, { type: 7, ip: "::1" }, { type: 2, value: "127.0.0.1" });
  return out;
}

/**
 * Generates a self-signed certificate and RSA-2048 key in PEM (nanonext's
 * `write_cert`), usable at once by {@link tlsConfig} on both sides and by nng
 * peers (`nngcat --cacert cert.pem`, `--cert`/`--key`).
 *
 * The CN goes into the subject **and** the subjectAltName (see above). The
 * default CN is `"localhost"` (SAN `DNS:localhost, IP:127.0.0.1, IP:::1,
 * DNS:127.0.0.1`): Node and nng 1.5.2 both verify it when dialing
 * `localhost` or `127.0.0.1`. A certificate for an address (`cn: "10.0.0.5"`)
 * verifies in both when dialing that address; one for a host name when
 * dialing that name. The certificate is its own CA (basicConstraints CA),
 * valid for server and client authentication.
 *
 * @throws {@link NngError} EINVAL (bad `cn` or `valid`)
 * @example
 * ```ts
 * const cert = await writeCert({ cn: "127.0.0.1", valid: "20351231235959" });
 * const rep = await socket("rep", { listen: "tls+tcp://127.0.0.1:0", tls: tlsConfig({ server: cert.server }) });
 * const req = await socket("req", { dial: rep.listeners[0].url, tls: tlsConfig({ client: cert.client }) });
 * ```
 */
export async function writeCert(opts: WriteCertOptions = {}): Promise<CertPair> {
  const cn = opts.cn ?? "localhost";
  if (typeof cn !== "string" || cn === "" || cn.length > 64 || /[\s,/=\\]/.test(cn)) throw nngError("EINVAL", `cn must be a host name or address, not ${String(cn)}`);
  const notAfter = parseValid(opts.valid);
  const notBefore = new Date(Date.now() - 60_000);
  if (notAfter <= notBefore) throw nngError("EINVAL", "valid is in the past");
  return selfSignedCert(cn, notBefore, notAfter);
}

/**
 * The certificate {@link writeCert} makes, for a CN already checked and any
 * validity window (tests use it to build an expired certificate, which
 * writeCert refuses).
 * @internal
 */
export async function selfSignedCert(cn: string, notBefore: Date, notAfter: Date): Promise<CertPair> {
  const { privateKey } = await new Promise<{ privateKey: string }>((resolve, reject) => {
    generateKeyPair("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } }, (err, _pub, priv) =>
      err ? reject(err) : resolve({ privateKey: priv }),
    );
  });
  const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  // A positive 128-bit serial (RFC 5280: at most 20 octets, non-negative).
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  cert.serialNumber = serial.toString("hex");
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  const name = [{ shortName: "CN", value: cn }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", critical: true, digitalSignature: true, keyEncipherment: true, keyCertSign: true },
    { name: "extKeyUsage", serverAuth: true, clientAuth: true },
    { name: "subjectAltName", altNames: altNames(cn) },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(key, forge.md.sha256.create());
  const pem = forge.pki.certificateToPem(cert);
  return Object.freeze({ server: Object.freeze([pem, privateKey] as const), client: Object.freeze([pem, ""] as const) });
}
