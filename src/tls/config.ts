import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import tls from "node:tls";
import { fromSystemError, nngError, type NngError } from "../core/errors.js";
import { type Material, TlsConfig, type TlsAuthMode } from "./tls-config.js";

export { TlsConfig, type TlsAuthMode } from "./tls-config.js";

/**
 * Options of {@link tlsConfig}. PEM arguments are PEM text or a path to a PEM file.
 * @example
 * ```ts
 * const server = tlsConfig({ server: [certPem, keyPem], auth: "none" });
 * const client = tlsConfig({ client: [certPem], serverName: "localhost" });
 * ```
 */
export interface TlsConfigOptions {
  /**
   * What peers are verified against (nanonext's `client`): the CA certificate
   * chain, or `[ca, crl]` with a revocation list (`""` for none). Without it a
   * dialer verifies against Node's built-in CAs.
   */
  client?: string | readonly [ca: string, crl?: string] | undefined;
  /**
   * Our own identity (nanonext's `server`): `[cert, key]`, or one PEM holding
   * both. A listener presents it as its server certificate; a dialer
   * presents it as a client certificate when the server asks for one.
   */
  server?: string | readonly [cert: string, key: string] | undefined;
  /** Passphrase of an encrypted private key. */
  pass?: string | undefined;
  /**
   * Peer verification. Default: `"required"` on dialers (the server
   * certificate must chain to `client` and match the server name) and
   * `"none"` on listeners. `true`/`false` mean `"required"`/`"none"`.
   */
  auth?: TlsAuthMode | boolean | undefined;
  /** The name expected in the server certificate, also sent as SNI. Default: the URL's host. */
  serverName?: string | undefined;
}


function isPem(s: string): boolean {
  return s.includes("-----BEGIN ");
}

/** PEM text as given, or the contents of the file it names. */
function pemOrFile(v: unknown, what: string): string {
  if (typeof v !== "string") throw nngError("EBADTYPE", `${what} must be PEM text or a file path`);
  if (isPem(v)) return v;
  if (v === "") throw nngError("EINVAL", `${what} is empty`);
  try {
    return fs.readFileSync(v, "utf8");
  } catch (err) {
    throw nngError("ENOENT", `cannot read ${what} file ${v}`, err);
  }
}

/** The PEM blocks of one kind (`CERTIFICATE`, or any `… PRIVATE KEY`) in a text. */
function blocks(text: string, key: boolean): string {
  const re = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
  const out: string[] = [];
  for (const m of text.matchAll(re)) {
    if (m[1]!.endsWith("PRIVATE KEY") === key) out.push(m[0]);
  }
  return out.join("\n");
}

/** Node ignores malformed CA certificates silently; nng (mbedtls) refuses them: so do we. */
function checkCerts(pem: string, what: string): void {
  const certs = [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)];
  if (certs.length === 0) throw nngError("ECRYPTO", `no PEM certificate in the ${what}`);
  for (const c of certs) {
    try {
      new X509Certificate(c[0]);
    } catch (err) {
      throw nngError("ECRYPTO", `bad certificate in the ${what}: ${(err as Error).message}`, err);
    }
  }
}

function authMode(v: unknown): TlsAuthMode | undefined {
  if (v === undefined || v === null) return undefined;
  if (v === true) return "required";
  if (v === false) return "none";
  if (v === "none" || v === "optional" || v === "required") return v;
  throw nngError("EINVAL", `auth must be "none", "optional" or "required", not ${String(v)}`);
}

/**
 * Creates a TLS configuration (nanonext's `tls_config`). Certificates and
 * keys may be PEM text or file paths; they are read and checked here, so a
 * bad file, a malformed PEM or a wrong passphrase fails at once.
 *
 * Deliberate difference from nanonext: a dialer **verifies the server by
 * default**, whatever else the config holds (nanonext's `auth = is.null(server)`
 * turns verification off for a config that has `server`). Pass
 * `auth: "none"` to connect without verification.
 *
 * @throws {@link NngError} EBADTYPE, EINVAL (bad auth, empty value), ENOENT (unreadable file), ECRYPTO (malformed PEM, wrong passphrase)
 * @example
 * ```ts
 * const { server, client } = await writeCert({ cn: "localhost" });
 * const rep = await socket("rep", { listen: "wss://127.0.0.1:0/rpc", tls: tlsConfig({ server }) });
 * const req = await socket("req", { dial: rep.listeners[0].url, tls: tlsConfig({ client }) });
 *
 * // Files work too, and so do client certificates:
 * tlsConfig({ client: "/etc/ssl/ca.pem", server: ["/etc/ssl/me.pem", "/etc/ssl/me.key"], pass: "secret" });
 * ```
 */
export function tlsConfig(opts: TlsConfigOptions = {}): TlsConfig {
  if (typeof opts !== "object" || opts === null) throw nngError("EBADTYPE", "tlsConfig takes an options object");
  const m: Material = {};
  if (opts.client !== undefined && opts.client !== null) {
    const c: unknown = opts.client;
    if (typeof c !== "string" && !Array.isArray(c)) throw nngError("EBADTYPE", "client takes a CA (PEM or file) or [ca, crl]");
    const [ca, crl] = typeof c === "string" ? [c, undefined] : (c as [unknown, unknown]);
    m.ca = pemOrFile(ca, "CA certificate");
    if (crl) m.crl = pemOrFile(crl, "CRL");
  }
  if (opts.server !== undefined && opts.server !== null) {
    if (typeof opts.server === "string") {
      const both = pemOrFile(opts.server, "certificate and key");
      m.cert = blocks(both, false);
      m.key = blocks(both, true);
      if (!m.cert || !m.key) throw nngError("ECRYPTO", "the server PEM must hold a certificate and a private key");
    } else {
      if (!Array.isArray(opts.server) || opts.server.length < 2) throw nngError("EBADTYPE", "server takes [cert, key]");
      m.cert = pemOrFile(opts.server[0], "certificate");
      m.key = pemOrFile(opts.server[1], "private key");
    }
  }
  if (opts.pass !== undefined && opts.pass !== null) {
    if (typeof opts.pass !== "string") throw nngError("EBADTYPE", "pass must be a string");
    m.passphrase = opts.pass;
  }
  const auth = authMode(opts.auth);
  if (opts.serverName !== undefined && typeof opts.serverName !== "string") throw nngError("EBADTYPE", "serverName must be a string");
  if (m.ca !== undefined) checkCerts(m.ca, "CA");
  try {
    // Parses everything once: malformed PEM and wrong passphrases fail here, not on connect.
    tls.createSecureContext({ ...m });
  } catch (err) {
    throw nngError("ECRYPTO", (err as Error).message, err);
  }
  return new TlsConfig(m, auth, opts.serverName || undefined);
}

/** An empty config: verification against Node's CAs, no own certificate. @internal */
export const DEFAULT_TLS = new TlsConfig({}, undefined, undefined);

/** Verification failures of the peer's certificate (OpenSSL's X509 verify codes). */
const PEERAUTH = new Set([
  "UNABLE_TO_GET_ISSUER_CERT", "UNABLE_TO_GET_CRL", "UNABLE_TO_DECRYPT_CERT_SIGNATURE", "UNABLE_TO_DECRYPT_CRL_SIGNATURE",
  "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY", "CERT_SIGNATURE_FAILURE", "CRL_SIGNATURE_FAILURE", "CERT_NOT_YET_VALID", "CERT_HAS_EXPIRED",
  "CRL_NOT_YET_VALID", "CRL_HAS_EXPIRED", "ERROR_IN_CERT_NOT_BEFORE_FIELD", "ERROR_IN_CERT_NOT_AFTER_FIELD", "ERROR_IN_CRL_LAST_UPDATE_FIELD",
  "ERROR_IN_CRL_NEXT_UPDATE_FIELD", "DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "CERT_CHAIN_TOO_LONG", "CERT_REVOKED", "INVALID_CA", "PATH_LENGTH_EXCEEDED", "INVALID_PURPOSE",
  "CERT_UNTRUSTED", "CERT_REJECTED", "ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE", "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED",
]);

/**
 * Maps a TLS failure to nng's vocabulary: an unverified or untrusted
 * certificate → EPEERAUTH; a name mismatch and every other TLS/crypto
 * error → ECRYPTO; plain socket errors as usual.
 * @internal
 */
export function tlsError(err: unknown, fallback: NngError["code"] = "ECONNREFUSED"): NngError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? "";
  const msg = (err as Error | undefined)?.message ?? String(err);
  if (PEERAUTH.has(code)) return nngError("EPEERAUTH", msg, err);
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID" || code === "HOSTNAME_MISMATCH" || code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_") || code.startsWith("ERR_OSSL_")) {
    return nngError("ECRYPTO", msg, err);
  }
  return fromSystemError(err, fallback);
}

/** The auth mode of a dialer (default required) or listener (default none). @internal */
export function authFor(cfg: TlsConfig, role: "client" | "server"): TlsAuthMode {
  return cfg.auth ?? (role === "client" ? "required" : "none");
}

/**
 * Checks the server name as Node does, and like mbedtls and nanonext also
 * accepts a CN equal to an IP address when the certificate has no
 * subjectAltName at all (so certificates made for older nng peers work).
 */
function checkName(name: string, cert: tls.PeerCertificate): Error | undefined {
  const err = tls.checkServerIdentity(name, cert);
  if (err && net.isIP(name) && !cert.subjectaltname && cert.subject?.CN === name) return undefined;
  return err;
}

/**
 * tls.connect options for a dialer to `host`.
 * @internal
 */
export function clientOptions(cfg: TlsConfig, host: string): tls.ConnectionOptions {
  const m = cfg.material;
  const name = cfg.serverName ?? host;
  const verify = authFor(cfg, "client") !== "none";
  const o: tls.ConnectionOptions = {
    ...m,
    minVersion: "TLSv1.2",
    rejectUnauthorized: verify,
    checkServerIdentity: (_host, cert) => checkName(name, cert),
  };
  // SNI carries names only (RFC 6066).
  if (name && !net.isIP(name)) o.servername = name;
  return o;
}

/**
 * tls.createServer options for a listener.
 * @throws {@link NngError} EINVAL when the config has no certificate
 * @internal
 */
export function serverOptions(cfg: TlsConfig | undefined, what: string): tls.TlsOptions {
  if (!cfg?.hasCert) throw nngError("EINVAL", `${what} listener needs a certificate: tls: tlsConfig({ server: [cert, key] })`);
  const auth = authFor(cfg, "server");
  return {
    ...cfg.material,
    minVersion: "TLSv1.2",
    requestCert: auth !== "none",
    // "optional" lets a peer without a certificate in; one with a bad certificate is refused by checkClient.
    rejectUnauthorized: auth === "required",
  };
}

/**
 * After the handshake of an "optional" server: a presented certificate must
 * have verified. Returns the error to close with, if any.
 * @internal
 */
export function checkClient(sock: tls.TLSSocket, cfg: TlsConfig | undefined): NngError | undefined {
  if (!cfg || authFor(cfg, "server") !== "optional" || sock.authorized) return undefined;
  const peer = sock.getPeerCertificate();
  if (!peer || Object.keys(peer).length === 0) return undefined;
  return nngError("EPEERAUTH", `client certificate not verified: ${String(sock.authorizationError)}`);
}
