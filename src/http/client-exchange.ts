import http from "node:http";
import https from "node:https";
import type tls from "node:tls";
import { isNngError, nngError, type NngError } from "../core/errors.js";
import { clientOptions, DEFAULT_TLS, tlsError } from "../tls/config.js";
import { type NcurlResult, type Prepared, type Target } from "./client-options.js";

/** A response as read off the wire. @internal */
export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Any abort reason as an NngError: ours pass through, anything else is ECANCELED. */
function reasonOf(signal: AbortSignal): NngError {
  const r: unknown = signal.reason;
  return isNngError(r) ? r : nngError("ECANCELED", undefined, r);
}

/**
 * One signal for a whole call: fires ETIMEDOUT after `timeout` ms (−1:
 * never), or with the reason of any of `signals`. `clear()` releases the
 * timer and listeners.
 * @internal
 */
export function deadline(timeout: number, ...signals: (AbortSignal | undefined)[]): { signal: AbortSignal; clear(): void } {
  const ac = new AbortController();
  const offs: (() => void)[] = [];
  for (const s of signals) {
    if (!s) continue;
    if (s.aborted) {
      ac.abort(reasonOf(s));
      break;
    }
    const on = () => ac.abort(reasonOf(s));
    s.addEventListener("abort", on, { once: true });
    offs.push(() => s.removeEventListener("abort", on));
  }
  let timer: NodeJS.Timeout | undefined;
  if (timeout === 0) ac.abort(nngError("ETIMEDOUT"));
  else if (timeout > 0 && !ac.signal.aborted) timer = setTimeout(() => ac.abort(nngError("ETIMEDOUT", `no response within ${timeout} ms`)), timeout);
  return {
    signal: ac.signal,
    clear() {
      clearTimeout(timer);
      for (const off of offs) off();
    },
  };
}

/**
 * TLS options for an https target: the given config, or without one Node's
 * CAs (verification on by default, as for sockets; nanonext would not verify).
 * @internal
 */
export function tlsOptions(t: Target, p: Prepared): tls.ConnectionOptions {
  return clientOptions(p.tls ?? DEFAULT_TLS, t.hostname);
}

/** Node's socket, TLS and HTTP parser errors in nng's vocabulary. @internal */
export function mapError(err: unknown): NngError {
  if (isNngError(err)) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? "";
  if (code.startsWith("HPE_")) return nngError("EPROTO", (err as Error).message, err);
  return tlsError(err, "ECONNRESET");
}

/**
 * Sends one request and reads the whole response. Without `agent`, a fresh
 * connection is made and closed after the response; with one, the request
 * goes over the agent's connection (a session).
 * @internal
 */
export function exchange(t: Target, p: Prepared, signal: AbortSignal, agent?: http.Agent): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    if (signal.aborted) return reject(reasonOf(signal));
    const headers: Record<string, string> = { ...p.headers };
    if (p.body && !Object.keys(headers).some((k) => k.toLowerCase() === "content-length")) headers["content-length"] = String(p.body.length);
    const base: http.RequestOptions = { method: p.method, hostname: t.hostname, port: t.port, path: t.path, headers, defaultPort: t.secure ? 443 : 80 };
    if (t.auth !== undefined) base.auth = t.auth;
    let req: http.ClientRequest;
    try {
      if (agent) req = http.request({ ...base, agent });
      else if (t.secure) req = https.request({ ...base, ...tlsOptions(t, p), agent: false });
      else req = http.request({ ...base, agent: false });
    } catch (err) {
      // Node checks the method and headers before anything is sent.
      return reject(nngError("EINVAL", (err as Error).message, err));
    }
    let done = false;
    const finish = (err: NngError | undefined, v?: RawResponse) => {
      if (done) return;
      done = true;
      signal.removeEventListener("abort", onAbort);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(v!);
    };
    const onAbort = () => finish(reasonOf(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    // Stays attached: a destroyed request may still emit errors after we are done.
    req.on("error", (err) => finish(mapError(err)));
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      // Node reports a body cut short as ECONNRESET "aborted", whether the peer reset or just closed.
      const cut = () => nngError("ECONNSHUT", "the connection closed before the whole response arrived");
      res.on("error", (err) => finish(res.complete ? mapError(err) : cut()));
      res.on("end", () => finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("close", () => {
        if (!res.complete) finish(cut());
      });
    });
    req.end(p.body);
  });
}

/** A header value as one string; repeated headers are joined with ", " (as nng does). */
function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(", ") : v;
}

/** The redirect target of a response, if it is a 3xx with a Location. @internal */
export function redirectOf(r: RawResponse): string | undefined {
  return r.status >= 300 && r.status < 400 ? headerValue(r.headers.location) : undefined;
}

function put(out: Record<string, string>, k: string, v: string): void {
  // defineProperty: a header named __proto__ must stay a plain key.
  Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function selectHeaders(r: RawResponse, response: Prepared["response"]): Record<string, string> | null {
  const out: Record<string, string> = {};
  if (response === true) {
    for (const [k, v] of Object.entries(r.headers)) {
      const s = headerValue(v);
      if (s !== undefined) put(out, k, s);
    }
    return out;
  }
  const relo = r.status >= 300 && r.status < 400;
  if (!response && !relo) return null;
  const names = [...(response ?? [])];
  if (relo && !names.some((n) => n.toLowerCase() === "location")) names.push("location");
  for (const n of names) {
    const s = headerValue(r.headers[n.toLowerCase()]);
    if (s !== undefined) put(out, n, s);
  }
  return out;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The body as nanonext's `convert = TRUE` gives it, or the bytes when that would lose data. */
function convertBody(body: Buffer): string | Buffer {
  const nul = body.indexOf(0);
  if (nul >= 0 && nul < body.length - 1) return body;
  try {
    return utf8.decode(nul >= 0 ? body.subarray(0, nul) : body);
  } catch {
    return body;
  }
}

/** @internal */
export function toResult(r: RawResponse, p: Prepared): NcurlResult {
  return { status: r.status, headers: selectHeaders(r, p.response), data: p.convert ? convertBody(r.body) : r.body };
}
