// The TLS settings object lives apart from the code that builds it from PEM
// text and files (config.ts, Node-only), so the socket core can check `tls`
// options without pulling node:tls into browser bundles.

/**
 * How a TLS endpoint checks its peer, as nng's `tls-authmode`:
 * `"none"` never verifies; `"optional"` verifies a certificate if the peer
 * presents one (a server then asks for one); `"required"` verifies and fails
 * without one.
 * @example
 * ```ts
 * tlsConfig({ server: [certPem, keyPem], client: [caPem], auth: "required" });
 * ```
 */
export type TlsAuthMode = "none" | "optional" | "required";

/** Resolved PEM material. @internal */
export interface Material {
  ca?: string;
  crl?: string;
  cert?: string;
  key?: string;
  passphrase?: string;
}

/**
 * TLS settings for `wss://` and `tls+tcp://` endpoints, made by
 * {@link tlsConfig}. Immutable; one config may serve many dialers and
 * listeners.
 * @example
 * ```ts
 * const tls = tlsConfig({ client: [caCertPem] });
 * const s = await socket("req", { dial: "tls+tcp://127.0.0.1:5555", tls });
 * ```
 */
export class TlsConfig {
  /** The configured auth mode; undefined means the role default (dialer "required", listener "none"). */
  readonly auth: TlsAuthMode | undefined;
  /** The server name override, if any. */
  readonly serverName: string | undefined;
  /** @internal */
  readonly material: Readonly<Material>;

  /** @internal Use {@link tlsConfig}. */
  constructor(material: Material, auth: TlsAuthMode | undefined, serverName: string | undefined) {
    this.material = Object.freeze({ ...material });
    this.auth = auth;
    this.serverName = serverName;
    Object.freeze(this);
  }

  /** True when peers are verified against a CA given here (not Node's built-in list). */
  get hasCa(): boolean {
    return this.material.ca !== undefined;
  }

  /** True when the config carries our own certificate and key. */
  get hasCert(): boolean {
    return this.material.cert !== undefined;
  }

  /** @internal */
  toString(): string {
    return `TlsConfig(${this.auth ?? "default"} auth${this.hasCa ? ", ca" : ""}${this.hasCert ? ", cert" : ""})`;
  }
}
