/**
 * The request body cap of {@link httpServer} (`maxBody`): the up-front
 * Content-Length check, the bounded read, and the 413 that ends the
 * connection.
 * @internal
 * @module
 */
import type http from "node:http";
import type net from "node:net";
import { nngError } from "../core/errors.js";
import { sendStatus } from "./server-static.js";

/** `maxBody` when none is given: 16 MiB. */
export const DEFAULT_MAX_BODY = 16 * 1024 * 1024;

/**
 * After a 413 the server stops reading but drains (and drops) what the
 * client still sends for this long: closing with unread bytes makes the
 * kernel send a reset, which can destroy the 413 before the client reads it.
 */
export const LINGER_MS = 2000;

/** What {@link readBody} gives for a body over the cap. */
export const TOO_BIG = Symbol("too big");

/**
 * Checks the `maxBody` option: bytes, a whole number ≥ 0, or `Infinity` for no cap.
 * @throws {@link NngError} EINVAL
 */
export function checkMaxBody(v: unknown): number {
  if (v === undefined) return DEFAULT_MAX_BODY;
  if (typeof v !== "number" || !(Number.isSafeInteger(v) || v === Infinity) || v < 0) {
    throw nngError("EINVAL", `maxBody is a byte count (a whole number ≥ 0, or Infinity for no cap), not ${typeof v === "number" ? v : JSON.stringify(v)}`);
  }
  return v;
}

/** True when the request announces a body over `max` (node has already rejected malformed lengths). */
export function declaredTooBig(req: http.IncomingMessage, max: number): boolean {
  const len = req.headers["content-length"];
  return len !== undefined && Number(len) > max;
}

/**
 * Reads the body into memory, at most `max` bytes: the whole body,
 * {@link TOO_BIG} as soon as it passes `max` (nothing more is kept), or
 * undefined when the client went away.
 */
export function readBody(req: http.IncomingMessage, max: number): Promise<Buffer | typeof TOO_BIG | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (v: Buffer | typeof TOO_BIG | undefined) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onGone);
      req.off("close", onGone);
      resolve(v);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > max) {
        chunks.length = 0;
        finish(TOO_BIG);
      } else chunks.push(c);
    };
    const onEnd = () => finish(Buffer.concat(chunks, size));
    const onGone = () => finish(undefined);
    req.on("data", onData);
    req.once("end", onEnd);
    // Not breaking a for-await: that would destroy the request, and with it the socket, before the 413.
    req.once("error", onGone);
    req.once("close", onGone);
  });
}

/**
 * Answers 413 with `Connection: close`; the connection then ends after a
 * short drain ({@link LINGER_MS}) instead of at once, so the client reads
 * the answer. What the client still sends is dropped, never kept.
 */
export function refuseBody(req: http.IncomingMessage, res: http.ServerResponse, max: number): void {
  const sock = req.socket;
  // Node ends a `Connection: close` response's socket with destroySoon(), which resets it when bytes are unread.
  sock.destroySoon = () => linger(sock);
  // Keep the parser flowing (and dropping body bytes) while lingering.
  req.resume();
  sendStatus(res, 413, `Payload Too Large: the body exceeds ${max} bytes`, { Connection: "close" });
}

function linger(sock: net.Socket): void {
  if (sock.destroyed) return;
  if (sock.readableEnded) return void sock.end(() => sock.destroy());
  const timer = setTimeout(() => sock.destroy(), LINGER_MS);
  sock.once("close", () => clearTimeout(timer));
  sock.once("end", () => sock.destroy());
  sock.end();
}
