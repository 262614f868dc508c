/**
 * nanonext: NNG's Scalability Protocols in pure TypeScript, wire-compatible
 * with libnng.
 *
 * @example
 * ```ts
 * import { socket } from "nanonext";
 * const rep = await socket("rep", { listen: "tcp://127.0.0.1:0" });
 * const req = await socket("req", { dial: rep.listeners[0].url });
 * await req.send("hello");
 * console.log(await rep.recv({ mode: "string" }));
 * ```
 * @module
 */
// The Node entry serves every transport (the browser entry only inproc and ws/wss).
import "./transport/node-transports.js";
export * from "./api.js";
// Node-only: they need node:fs, node:tls, node:http or node:net.
export { tlsConfig, TlsConfig, type TlsConfigOptions } from "./tls/config.js";
export { writeCert, type WriteCertOptions, type CertPair } from "./tls/cert.js";
export { ncurl, ncurlAio, ncurlSession, isNcurlSession, NcurlAio, NcurlSession, type NcurlOptions, type NcurlResult, type NcurlAioOptions, type TransactOptions } from "./http/client.js";
export { httpServer, HttpServer, type HttpServerOptions } from "./http/server.js";
export {
  handler, handlerWs, handlerStream, handlerFile, handlerDirectory, handlerInline, handlerRedirect,
  type Handler, type HttpRequest, type HttpResponse, type WsRequest, type RouteHandler, type WsHandler, type WsHandlerOptions,
  type StreamHandler, type StreamHandlerOptions, type FileHandler, type DirectoryHandler, type InlineHandler, type RedirectHandler,
} from "./http/handlers.js";
export { WsConnection } from "./http/server-ws.js";
export { StreamConnection } from "./http/server-stream.js";
export { formatSse, type SseFields } from "./http/sse.js";
export {
  stream, Stream, STREAM_BUFFER_DEFAULT, STREAM_DIAL_TIMEOUT_DEFAULT,
  type StreamOptions, type StreamSendOptions, type StreamRecvOptions, type StreamRecvMode, type StreamRecvResult, type StreamData,
} from "./stream/stream.js";
