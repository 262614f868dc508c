/**
 * nanonext's minimalist HTTP(S) client: {@link ncurl}, {@link ncurlAio},
 * {@link ncurlSession}. One request, the whole response buffered; no
 * cookies, proxies, compression or HTTP/2. Failures reject with an
 * {@link NngError} in nng's vocabulary (ETIMEDOUT, ECONNREFUSED, EADDRINVAL,
 * EPEERAUTH, ECANCELED, …) where nanonext returns an errorValue.
 */
import { Aio, UNRESOLVED, type Unresolved } from "../aio/aio.js";
import { isNngError, nngError, type NngError } from "../core/errors.js";
import { deadline, exchange, redirectOf, toResult } from "./client-exchange.js";
import { type NcurlOptions, type NcurlResult, parseTarget, prepare } from "./client-options.js";
import { NcurlSession } from "./client-session.js";

export type { NcurlOptions, NcurlResult } from "./client-options.js";
export { NcurlSession, type TransactOptions } from "./client-session.js";

/**
 * Options of {@link ncurlAio} and {@link ncurlSession}: those of
 * {@link ncurl} without `followRedirects` (they never follow redirects).
 *
 * @example
 * ```ts
 * const opts: NcurlAioOptions = { method: "POST", data: "x", timeout: 1000 };
 * const aio = ncurlAio("http://127.0.0.1:8080/", opts);
 * ```
 */
export type NcurlAioOptions = Omit<NcurlOptions, "followRedirects">;

async function request(url: string, p: ReturnType<typeof prepare>, extra?: AbortSignal): Promise<NcurlResult> {
  let target = parseTarget(url);
  const d = deadline(p.timeout, p.signal, extra);
  try {
    for (let hops = 0; ; hops++) {
      const raw = await exchange(target, p, d.signal);
      const location = p.follow === undefined ? undefined : redirectOf(raw);
      if (location === undefined) return toResult(raw, p);
      if (hops >= p.follow!) throw nngError("EPROTO", `too many redirects (more than ${p.follow})`);
      target = parseTarget(location, target.url);
    }
  } finally {
    d.clear();
  }
}

/**
 * Makes an HTTP(S) request and resolves with its status, headers and body
 * (nanonext's `ncurl`).
 *
 * - https verifies the server: against Node's CAs without `tls`, or the
 *   CA of `tls: tlsConfig({ client: ca })`; `tlsConfig({ auth: "none" })`
 *   skips verification (nanonext never verifies without `tls`).
 * - Redirects are followed only with `followRedirects`; otherwise a 3xx
 *   response is returned with its `location` header.
 * - The body is a string by default; see {@link NcurlOptions.convert}.
 *
 * @throws {@link NngError} EADDRINVAL (bad URL, not http/https, unknown host),
 * ECONNREFUSED, ETIMEDOUT, EPEERAUTH (server certificate not trusted),
 * ECRYPTO (other TLS failures), EPROTO (malformed response, too many
 * redirects), ECONNSHUT/ECONNRESET (connection lost), ECANCELED (`signal`),
 * EBADTYPE/EINVAL (bad options)
 * @example
 * ```ts
 * const { status, data } = await ncurl("http://127.0.0.1:8080/hello");
 * const post = await ncurl("https://example.org/api", {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   data: JSON.stringify({ x: 1 }),
 *   response: ["date"],
 *   tls: tlsConfig({ client: caPem }),
 *   timeout: 5000,
 * });
 * const bytes = (await ncurl(url, { convert: false })).data; // Buffer
 * ```
 */
export async function ncurl(url: string, opts?: NcurlOptions): Promise<NcurlResult> {
  return request(url, prepare(opts, true));
}

/**
 * The {@link Aio} of {@link ncurlAio}: awaiting it gives the whole
 * {@link NcurlResult}; `.status`, `.headers` and `.data` (the body) read
 * {@link UNRESOLVED} until it completes, then the values — or, on failure,
 * all three the {@link NngError}, as nanonext's `ncurlAio`.
 *
 * @example
 * ```ts
 * const aio = ncurlAio("http://127.0.0.1:8080/");
 * await callAio(aio);
 * console.log(aio.status, aio.headers, aio.data);
 * ```
 */
export class NcurlAio extends Aio<NcurlResult, string | Buffer> {
  /** The HTTP status, the error, or UNRESOLVED. */
  get status(): number | NngError | Unresolved {
    const v = this.outcome;
    return v === UNRESOLVED || isNngError(v) ? v : v.status;
  }

  /** The selected response headers (or null), the error, or UNRESOLVED. */
  get headers(): Record<string, string> | null | NngError | Unresolved {
    const v = this.outcome;
    return v === UNRESOLVED || isNngError(v) ? v : v.headers;
  }

  /** @internal `.data` is the body. */
  protected override view(v: NcurlResult): string | Buffer {
    return v.data;
  }
}

/**
 * Starts an HTTP(S) request and returns its {@link NcurlAio} at once
 * (nanonext's `ncurl_aio`). It never follows redirects. It works with
 * `callAio`, `collectAio` (which gives the body), `stopAio` (ECANCELED) and
 * `unresolved`. Bad options complete the aio with their error.
 *
 * @example
 * ```ts
 * const aio = ncurlAio("http://127.0.0.1:8080/slow", { timeout: 5000 });
 * if (unresolved(aio)) doOtherWork();
 * const { status, data } = await aio;
 * stopAio(ncurlAio(url)); // cancelled: .data is an NngError ECANCELED
 * ```
 */
export function ncurlAio(url: string, opts?: NcurlAioOptions): NcurlAio {
  return new NcurlAio("recv", (signal) => request(url, prepare(opts, false), signal));
}

/**
 * Connects to an HTTP(S) server and keeps the connection open, with the
 * request fixed now (nanonext's `ncurl_session`); {@link NcurlSession.transact}
 * sends it, again and again, over that one connection. `timeout` covers the
 * connect and, separately, each transact; `signal` cancels the connect.
 *
 * @throws {@link NngError} as {@link ncurl}: ECONNREFUSED, EADDRINVAL, ETIMEDOUT, EPEERAUTH, …
 * @example
 * ```ts
 * await using s = await ncurlSession("http://127.0.0.1:8080/status", { response: ["etag"], timeout: 1000 });
 * const first = await s.transact();
 * const again = await s.transact(); // same TCP connection
 * ```
 */
export async function ncurlSession(url: string, opts?: NcurlAioOptions): Promise<NcurlSession> {
  const p = prepare(opts, false);
  return NcurlSession.open(parseTarget(url), p);
}

/**
 * True for an {@link NcurlSession}, open or closed (nanonext's `is_ncurl_session`).
 *
 * @example
 * ```ts
 * const s = await ncurlSession("http://127.0.0.1:8080/");
 * isNcurlSession(s); // true
 * isNcurlSession({}); // false
 * ```
 */
export function isNcurlSession(x: unknown): x is NcurlSession {
  return x instanceof NcurlSession;
}
