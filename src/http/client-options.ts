import { nngError } from "../core/errors.js";
import { TlsConfig } from "../tls/config.js";

/**
 * Options of {@link ncurl} (and, without `followRedirects`, of
 * {@link ncurlAio} and {@link ncurlSession}): nanonext's `ncurl()` arguments.
 *
 * @example
 * ```ts
 * const res = await ncurl("https://example.org/api", {
 *   method: "POST",
 *   headers: { "content-type": "application/json", authorization: "Bearer abc" },
 *   data: JSON.stringify({ q: 1 }),
 *   response: ["content-type", "date"],
 *   timeout: 5000,
 *   followRedirects: true,
 * });
 * ```
 */
export interface NcurlOptions {
  /** The request method, any HTTP token. Default `"GET"`. */
  method?: string | undefined;
  /** Request headers. Set `content-type` yourself when sending data. */
  headers?: Readonly<Record<string, string>> | undefined;
  /** The request body: a string (sent as UTF-8) or bytes, sent as is with a `content-length`. */
  data?: string | Uint8Array | undefined;
  /**
   * Response headers to return: `true` for all of them (keys in lower case),
   * or the names wanted, looked up case-insensitively and keyed as given
   * (a name the response lacks is left out). Without it `headers` is `null`,
   * except on a 3xx response, which always reports `location`.
   */
  response?: true | readonly string[] | undefined;
  /** Milliseconds for the whole call: connect, request, response (and every redirect). Negative or absent: no limit. */
  timeout?: number | undefined;
  /**
   * For https: a client {@link TlsConfig}, e.g. `tlsConfig({ client: ca })`,
   * to verify the server against your CA. Without it the server is verified
   * against Node's CAs (a deliberate difference from nanonext, which does not
   * verify); `tlsConfig({ auth: "none" })` skips verification.
   */
  tls?: TlsConfig | undefined;
  /**
   * `true` (default): the body as a string. It stays a Buffer when it is not
   * valid UTF-8 or holds a NUL byte anywhere but at the very end (where
   * nanonext would warn). `false`: always the exact bytes, as a Buffer.
   */
  convert?: boolean | undefined;
  /**
   * {@link ncurl} only: follow 3xx responses that carry a `Location`,
   * re-sending the same method, headers and data. `true` allows up to 10
   * hops, a number that many; one more rejects with EPROTO. Default `false`.
   */
  followRedirects?: boolean | number | undefined;
  /** Aborting rejects with ECANCELED. */
  signal?: AbortSignal | undefined;
}

/**
 * What {@link ncurl}, {@link NcurlSession.transact} and an awaited
 * {@link ncurlAio} give: nanonext's `list(status, headers, data)`.
 *
 * @example
 * ```ts
 * const { status, headers, data } = await ncurl("http://127.0.0.1:8080/", { response: true });
 * if (status === 200) console.log(headers?.["content-type"], data);
 * ```
 */
export interface NcurlResult {
  /** The HTTP status code, e.g. 200. */
  status: number;
  /** The response headers asked for with `response` (see {@link NcurlOptions.response}), or null. */
  headers: Record<string, string> | null;
  /** The body: a string when `convert` (default), else a Buffer. */
  data: string | Buffer;
}

/** Redirect hops `followRedirects: true` allows. @internal */
export const MAX_REDIRECTS = 10;

/** A request checked once and fixed. @internal */
export interface Prepared {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | undefined;
  readonly response: true | readonly string[] | undefined;
  /** Milliseconds, or −1 for no limit. */
  readonly timeout: number;
  readonly tls: TlsConfig | undefined;
  readonly convert: boolean;
  /** Redirect hops allowed; undefined: redirects are not followed. */
  readonly follow: number | undefined;
  readonly signal: AbortSignal | undefined;
}

/** Where a request goes. @internal */
export interface Target {
  readonly url: URL;
  readonly secure: boolean;
  /** Without IPv6 brackets. */
  readonly hostname: string;
  readonly port: number;
  /** Path and query. */
  readonly path: string;
  /** `user:password` from the URL, for basic authentication. */
  readonly auth: string | undefined;
}

/**
 * Parses an http(s) URL, relative to `base` for a redirect's Location.
 * @throws {@link NngError} EBADTYPE (not a string), EADDRINVAL (not an http/https URL with a host)
 * @internal
 */
export function parseTarget(input: unknown, base?: URL): Target {
  if (typeof input !== "string") throw nngError("EBADTYPE", `the URL must be a string, not ${typeof input}`);
  let url: URL;
  try {
    url = new URL(input, base);
  } catch (err) {
    throw nngError("EADDRINVAL", `invalid URL ${JSON.stringify(input)}`, err);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw nngError("EADDRINVAL", `${url.protocol}// is not http: or https:`);
  const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  if (!hostname) throw nngError("EADDRINVAL", `no host in ${JSON.stringify(input)}`);
  const secure = url.protocol === "https:";
  const auth = url.username || url.password ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined;
  return { url, secure, hostname, port: url.port ? Number(url.port) : secure ? 443 : 80, path: `${url.pathname || "/"}${url.search}`, auth };
}

function checkHeaders(h: unknown): Record<string, string> {
  if (h === undefined || h === null) return {};
  if (typeof h !== "object" || Array.isArray(h)) throw nngError("EBADTYPE", "headers must be a record of strings");
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (typeof v !== "string") throw nngError("EBADTYPE", `header ${k} must be a string, not ${typeof v}`);
    out[k] = v;
  }
  return out;
}

function checkBody(d: unknown): Buffer | undefined {
  if (d === undefined || d === null) return undefined;
  if (typeof d === "string") return Buffer.from(d, "utf8");
  if (d instanceof Uint8Array) return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  throw nngError("EBADTYPE", "data must be a string or a Uint8Array");
}

function checkResponse(r: unknown): true | readonly string[] | undefined {
  if (r === undefined || r === null || r === false) return undefined;
  if (r === true) return true;
  if (Array.isArray(r) && r.every((x) => typeof x === "string")) return [...(r as string[])];
  throw nngError("EBADTYPE", "response must be true or an array of header names");
}

function checkFollow(f: unknown): number | undefined {
  if (f === undefined || f === null || f === false) return undefined;
  if (f === true) return MAX_REDIRECTS;
  if (typeof f !== "number") throw nngError("EBADTYPE", "followRedirects must be a boolean or a number");
  if (!Number.isInteger(f) || f < 0) throw nngError("EINVAL", `followRedirects must be a whole number ≥ 0, not ${f}`);
  return f;
}

/**
 * Checks every option once, so a bad one fails before anything is sent.
 * @throws {@link NngError} EBADTYPE, EINVAL
 * @internal
 */
export function prepare(opts: NcurlOptions | undefined, follow: boolean): Prepared {
  if (opts === undefined || opts === null) opts = {};
  if (typeof opts !== "object") throw nngError("EBADTYPE", "options must be an object");
  const method = opts.method ?? "GET";
  if (typeof method !== "string" || method === "") throw nngError("EINVAL", "method must be a non-empty string");
  const t = opts.timeout;
  if (t !== undefined && t !== null && (typeof t !== "number" || Number.isNaN(t))) throw nngError("EBADTYPE", "timeout must be a number");
  const tls = opts.tls ?? undefined;
  if (tls !== undefined && !(tls instanceof TlsConfig)) throw nngError("EBADTYPE", "tls must be a TlsConfig made by tlsConfig()");
  const convert = opts.convert ?? true;
  if (typeof convert !== "boolean") throw nngError("EBADTYPE", "convert must be a boolean");
  const signal = opts.signal ?? undefined;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw nngError("EBADTYPE", "signal must be an AbortSignal");
  return {
    method,
    headers: checkHeaders(opts.headers),
    body: checkBody(opts.data),
    response: checkResponse(opts.response),
    timeout: t === undefined || t === null || t < 0 ? -1 : t,
    tls,
    convert,
    follow: follow ? checkFollow(opts.followRedirects) : undefined,
    signal,
  };
}
