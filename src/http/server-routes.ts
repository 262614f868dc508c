/**
 * The route table of {@link httpServer}: which handler serves a request, by
 * path (exact, or subtree for prefix routes; the longest match wins) and
 * method.
 * @internal
 * @module
 */
import { nngError } from "../core/errors.js";
import { routeKey } from "../transport/ws-upgrade.js";
import type { Handler, WsHandler } from "./handlers.js";

/** Every handler but WebSocket endpoints. */
export type HttpRoute = Exclude<Handler, WsHandler>;

/** The outcome of {@link RouteTable.match}. */
export type Match = { route: HttpRoute; key: string } | { allow: string[] } | undefined;

function methodOf(h: HttpRoute): string {
  return h.type === "handler" || h.type === "stream" ? h.method : "GET";
}

function covers(h: HttpRoute, routePath: string, key: string): boolean {
  return routePath === key || (h.prefix && (routePath === "/" || key.startsWith(`${routePath}/`)));
}

/** A request target split into its path and query. */
export function splitTarget(uri: string): { path: string; query: string } {
  let p = uri;
  const abs = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(p);
  if (abs) p = p.slice(abs[0].length) || "/";
  const hash = p.indexOf("#");
  if (hash >= 0) p = p.slice(0, hash);
  const q = p.indexOf("?");
  return q < 0 ? { path: p, query: "" } : { path: p.slice(0, q), query: p.slice(q + 1) };
}

/** The handlers of one server, indexed. */
export class RouteTable {
  private readonly http: { h: HttpRoute; key: string }[] = [];
  private readonly ws = new Map<string, WsHandler>();

  /** Throws EINVAL for something that is not a handler, EADDRINUSE for two handlers of one path and method. */
  constructor(handlers: readonly Handler[]) {
    for (const h of handlers) {
      const key = routeKey(h?.path ?? "");
      if (h?.type === "ws") {
        if (this.ws.has(key)) throw nngError("EADDRINUSE", `two WebSocket handlers for ${h.path}`);
        this.ws.set(key, h);
        continue;
      }
      if (!h || !["handler", "stream", "file", "directory", "inline", "redirect"].includes(h.type)) {
        throw nngError("EINVAL", "handlers must be made by handler(), handlerWs(), handlerStream(), handlerFile(), handlerDirectory(), handlerInline() or handlerRedirect()");
      }
      const m = methodOf(h);
      if (this.http.some((r) => r.key === key && r.h.prefix === h.prefix && methodOf(r.h) === m)) {
        throw nngError("EADDRINUSE", `two handlers for ${m} ${h.path}${h.prefix ? " (prefix)" : ""}`);
      }
      this.http.push({ h, key });
    }
    // Most specific first: the exact path, then longer prefixes.
    this.http.sort((a, b) => b.key.length - a.key.length || Number(a.h.prefix) - Number(b.h.prefix));
  }

  /** The WebSocket endpoint at this path, if any. */
  wsAt(path: string): WsHandler | undefined {
    return this.ws.get(routeKey(path));
  }

  /** The route for a request; `{ allow }` when the path is served but not for this method (405). */
  match(path: string, method: string): Match {
    const key = routeKey(path);
    const allow = new Set<string>();
    for (const { h, key: rk } of this.http) {
      if (!covers(h, rk, key)) continue;
      const m = methodOf(h);
      if (m === "*" || m === method || (method === "HEAD" && m === "GET")) return { route: h, key: rk };
      allow.add(m);
      if (m === "GET") allow.add("HEAD");
    }
    return allow.size > 0 ? { allow: [...allow].sort() } : undefined;
  }
}
