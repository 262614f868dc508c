import { nngError } from "../core/errors.js";
import type { SpUrl } from "../core/url.js";
import { inprocTransport } from "./inproc.js";
import type { Transport } from "./transport.js";
import { browserWsTransport, browserWssTransport } from "./ws-browser.js";

// What runs on every platform is built in: inproc, and ws/wss dialers over the
// platform's WebSocket — so the browser entry needs no side-effect import that
// a bundler could drop. The Node entry registers the rest, and replaces ws/wss
// with the `ws`-package transport (node-transports.ts).
const transports = new Map<SpUrl["transport"], Transport>([
  ["inproc", inprocTransport],
  ["ws", browserWsTransport],
  ["wss", browserWssTransport],
]);

/**
 * Makes `transport` serve the URLs of `name` (the last registration wins).
 * @internal
 */
export function registerTransport(name: SpUrl["transport"], transport: Transport): void {
  transports.set(name, transport);
}

/**
 * The transport serving a parsed URL; ENOTSUP when this build has none for it
 * (tcp, ipc or tls+tcp in a browser).
 * @internal
 */
export function transportFor(url: SpUrl): Transport {
  const t = transports.get(url.transport);
  if (!t) throw nngError("ENOTSUP", `transport ${url.scheme}:// is not available in this build`);
  return t;
}
