/**
 * nanonext for browsers (the package's `browser` export condition): the same
 * API as the Node entry, with the transports a page can run — `inproc://`
 * and dialing `ws://`/`wss://` over the browser's WebSocket. Listening on
 * ws, and tcp, ipc and tls+tcp, reject with ENOTSUP. Node-only and left
 * out: `tlsConfig` and `writeCert` (a browser checks wss certificates
 * itself) and the `ncurl` HTTP client (use `fetch`). Received bodies are
 * `Uint8Array`s; the `nanonext/rx` entry works here too.
 *
 * @example
 * ```ts
 * import { socket } from "nanonext"; // resolves here in a bundler or browser import map
 * const req = await socket("req", { dial: "ws://127.0.0.1:5555/rpc" });
 * await req.send("ping");
 * console.log(await req.recv({ mode: "string" }));
 * ```
 * @module
 */
export * from "./api.js";
// A type only here: tlsConfig(), which builds one, needs node:tls.
export type { TlsConfig } from "./tls/tls-config.js";
