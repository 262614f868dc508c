import type { SpUrl } from "../core/url.js";
import { inprocTransport } from "./inproc.js";
import { ipcTransport } from "./ipc.js";
import { tcpTransport } from "./tcp.js";
import { tlsTransport } from "./tls.js";
import { wsTransport, wssTransport } from "./ws.js";
import type { Transport } from "./transport.js";

const transports: Record<SpUrl["transport"], Transport> = {
  tcp: tcpTransport,
  ipc: ipcTransport,
  inproc: inprocTransport,
  tls: tlsTransport,
  ws: wsTransport,
  wss: wssTransport,
};

/** The transport serving a parsed URL. @internal */
export function transportFor(url: SpUrl): Transport {
  return transports[url.transport];
}
