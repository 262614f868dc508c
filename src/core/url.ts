import { utf8Length } from "./bytes.js";
import { nngError } from "./errors.js";

/** A parsed SP address. @internal */
export interface SpUrl {
  /** The scheme as written (`tcp`, `tcp6`, `ipc`, `unix`, `inproc`, …). */
  scheme: string;
  /** The transport that serves it (`tcp`, `ipc`, `inproc`, `ws`, `wss`, `tls`). */
  transport: "tcp" | "ipc" | "inproc" | "ws" | "wss" | "tls";
  /** Host for tcp/tls/ws ("" = every interface); the path for ipc; the name for inproc. */
  host: string;
  /** Port for tcp/tls/ws; null when the URL gives none (ws: 80, wss: 443). */
  port: number | null;
  /** Address family restriction of tcp4/tcp6 (and tls+tcp4, ws4, …). */
  family: 0 | 4 | 6;
  /** ws/wss: the HTTP request path as written (may be "", which serves and requests `/`). */
  path?: string;
  /** The URL as given. */
  url: string;
}

const SCHEMES: Record<string, { transport: SpUrl["transport"]; family: 0 | 4 | 6 }> = {
  tcp: { transport: "tcp", family: 0 },
  tcp4: { transport: "tcp", family: 4 },
  tcp6: { transport: "tcp", family: 6 },
  ipc: { transport: "ipc", family: 0 },
  unix: { transport: "ipc", family: 0 },
  inproc: { transport: "inproc", family: 0 },
  "tls+tcp": { transport: "tls", family: 0 },
  "tls+tcp4": { transport: "tls", family: 4 },
  "tls+tcp6": { transport: "tls", family: 6 },
  ws: { transport: "ws", family: 0 },
  ws4: { transport: "ws", family: 4 },
  ws6: { transport: "ws", family: 6 },
  wss: { transport: "wss", family: 0 },
  wss4: { transport: "wss", family: 4 },
  wss6: { transport: "wss", family: 6 },
};

/** Schemes nng knows that this build does not serve yet. */
const LATER = new Set(["abstract", "socket", "zt", "udp"]);

/** Longest ipc path nng accepts (NNG_MAXADDRLEN); Linux's sun_path is 108. */
const MAX_IPC_PATH = 107;

/**
 * Parses an SP URL the way nng does: unknown scheme → ENOTSUP, malformed → EADDRINVAL.
 * @internal
 */
export function parseUrl(url: unknown): SpUrl {
  if (typeof url !== "string") throw nngError("EADDRINVAL", "url must be a string");
  const sep = url.indexOf("://");
  if (sep <= 0) throw nngError("EADDRINVAL", `not a URL: ${JSON.stringify(url)}`);
  const scheme = url.slice(0, sep).toLowerCase();
  const rest = url.slice(sep + 3);
  const kind = SCHEMES[scheme];
  if (!kind) {
    if (LATER.has(scheme)) throw nngError("ENOTSUP", `transport ${scheme}:// is not available in this build`);
    throw nngError("ENOTSUP", `unknown transport ${scheme}://`);
  }
  if (kind.transport === "inproc") {
    if (rest.length === 0) throw nngError("EADDRINVAL", "inproc:// needs a name");
    return { scheme, transport: "inproc", host: rest, port: null, family: 0, url };
  }
  if (kind.transport === "ipc") {
    const bytes = utf8Length(rest);
    if (bytes === 0 || bytes > MAX_IPC_PATH || rest.includes("\0")) {
      throw nngError("EADDRINVAL", `ipc path must be 1..${MAX_IPC_PATH} bytes`);
    }
    return { scheme, transport: "ipc", host: rest, port: null, family: 0, url };
  }
  if (kind.transport === "ws" || kind.transport === "wss") return parseWs(scheme, kind.transport, rest, kind.family, url);
  const parsed = parseTcp(scheme, rest, kind.family, url);
  if (kind.transport === "tls") parsed.transport = "tls";
  return parsed;
}

/** `ws://host[:port][/path]`: a tcp authority plus an HTTP path (query allowed, no fragment). */
function parseWs(scheme: string, transport: "ws" | "wss", rest: string, family: 0 | 4 | 6, url: string): SpUrl {
  const slash = rest.indexOf("/");
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? "" : rest.slice(slash);
  if (/[#\s]/.test(path)) throw nngError("EADDRINVAL", `bad ws path in ${url}`);
  const parsed = parseTcp(scheme, authority, family, url);
  return { ...parsed, transport, path };
}

function parseTcp(scheme: string, rest: string, family: 0 | 4 | 6, url: string): SpUrl {
  if (/[?#@;]/.test(rest)) throw nngError("EADDRINVAL", `bad tcp address ${url}`);
  const slash = rest.indexOf("/");
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? "" : rest.slice(slash);
  if (path !== "" && path !== "/") throw nngError("EADDRINVAL", `${scheme} address takes no path: ${url}`);
  let host: string;
  let portText: string;
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close < 0) throw nngError("EADDRINVAL", `bad IPv6 literal in ${url}`);
    host = authority.slice(1, close);
    const after = authority.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) throw nngError("EADDRINVAL", `bad tcp address ${url}`);
    portText = after.slice(1);
    if (!host.includes(":")) throw nngError("EADDRINVAL", `bad IPv6 literal in ${url}`);
  } else {
    const colon = authority.lastIndexOf(":");
    if (colon < 0) {
      host = authority;
      portText = "";
    } else {
      host = authority.slice(0, colon);
      portText = authority.slice(colon + 1);
    }
    if (host.includes(":")) throw nngError("EADDRINVAL", `IPv6 hosts go in brackets: ${url}`);
  }
  if (host === "*") host = "";
  let port: number | null = null;
  if (portText !== "") {
    if (!/^\d{1,5}$/.test(portText)) throw nngError("EADDRINVAL", `bad port in ${url}`);
    port = Number(portText);
    if (port > 65535) throw nngError("EADDRINVAL", `port out of range in ${url}`);
  }
  return { scheme, transport: "tcp", host, port, family, url };
}

/** Formats a tcp URL with the real bound port, bracketing IPv6 hosts. @internal */
export function formatTcpUrl(scheme: string, host: string, port: number): string {
  const h = host.includes(":") ? `[${host}]` : host;
  return `${scheme}://${h}:${port}`;
}
