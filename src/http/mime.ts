/**
 * Content types by file extension, as nng's HTTP server maps them (plus the
 * types nanonext 1.9.0 added: svg, json, mp4, wasm, webp, woff, woff2).
 * @module
 */
import path from "node:path";

const TYPES: Readonly<Record<string, string>> = {
  html: "text/html; charset=utf-8",
  htm: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  json: "application/json",
  map: "application/json",
  txt: "text/plain; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  xml: "application/xml",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  ico: "image/x-icon",
  bmp: "image/bmp",
  webp: "image/webp",
  avif: "image/avif",
  wasm: "application/wasm",
  woff: "font/woff",
  woff2: "font/woff2",
  ttf: "font/ttf",
  otf: "font/otf",
  mp3: "audio/mpeg",
  wav: "audio/wav",
  ogg: "audio/ogg",
  mp4: "video/mp4",
  webm: "video/webm",
  pdf: "application/pdf",
  zip: "application/zip",
  gz: "application/gzip",
  tar: "application/x-tar",
};

/** The type of anything not in the map. */
export const DEFAULT_CONTENT_TYPE = "application/octet-stream";

/**
 * The Content-Type for a file name, by its extension (case-insensitive);
 * `application/octet-stream` when unknown.
 *
 * @example
 * ```ts
 * mimeType("www/index.html"); // "text/html; charset=utf-8"
 * mimeType("logo.SVG");       // "image/svg+xml"
 * mimeType("data.bin");       // "application/octet-stream"
 * ```
 */
export function mimeType(file: string): string {
  const ext = path.extname(file).slice(1).toLowerCase();
  return (Object.hasOwn(TYPES, ext) ? TYPES[ext] : undefined) ?? DEFAULT_CONTENT_TYPE;
}
