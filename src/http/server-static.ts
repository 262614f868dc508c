/**
 * Serving of the static handlers: {@link handlerFile},
 * {@link handlerDirectory}, {@link handlerInline}, {@link handlerRedirect}.
 * @internal
 * @module
 */
import fs from "node:fs";
import type http from "node:http";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { DirectoryHandler, FileHandler, InlineHandler, RedirectHandler } from "./handlers.js";
import { mimeType } from "./mime.js";

/** A plain-text error response. */
export function sendStatus(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  res.writeHead(status, { ...headers, "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

async function regularFile(file: string): Promise<fs.Stats | undefined> {
  try {
    const st = await fs.promises.stat(file);
    return st.isFile() ? st : undefined;
  } catch {
    return undefined;
  }
}

async function sendFile(res: http.ServerResponse, file: string): Promise<void> {
  const st = await regularFile(file);
  if (!st) return sendStatus(res, 404, "Not Found");
  res.writeHead(200, { "Content-Type": mimeType(file), "Content-Length": st.size });
  if (res.req.method === "HEAD") {
    res.end();
    return;
  }
  await pipeline(fs.createReadStream(file), res).catch(() => res.destroy());
}

/** Serves a {@link handlerFile} route. */
export function serveFile(h: FileHandler, res: http.ServerResponse): Promise<void> {
  return sendFile(res, path.resolve(h.file));
}

/** Serves a {@link handlerDirectory} route; `routePath` is its normalised path, `reqPath` the request's. */
export async function serveDirectory(h: DirectoryHandler, routePath: string, reqPath: string, res: http.ServerResponse): Promise<void> {
  const root = path.resolve(h.directory);
  let rel = reqPath.startsWith(routePath) ? reqPath.slice(routePath.length) : "";
  try {
    rel = decodeURIComponent(rel);
  } catch {
    return sendStatus(res, 400, "Bad Request");
  }
  if (rel.includes("\0")) return sendStatus(res, 404, "Not Found");
  let file = path.resolve(root, `.${path.sep}${rel}`);
  if (file !== root && !file.startsWith(root + path.sep)) return sendStatus(res, 403, "Forbidden");
  try {
    if ((await fs.promises.stat(file)).isDirectory()) file = path.join(file, "index.html");
  } catch {
    return sendStatus(res, 404, "Not Found");
  }
  return sendFile(res, file);
}

/** Serves a {@link handlerInline} route. */
export function serveInline(h: InlineHandler, res: http.ServerResponse): void {
  res.writeHead(200, { "Content-Type": h.contentType, "Content-Length": h.data.length });
  res.end(h.data);
}

/** Serves a {@link handlerRedirect} route. */
export function serveRedirect(h: RedirectHandler, res: http.ServerResponse): void {
  const body = `Redirecting to ${h.location}`;
  res.writeHead(h.status, { Location: h.location, "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}
