import type { SpUrl } from "../core/url.js";
import { inprocTransport } from "./inproc.js";
import { ipcTransport } from "./ipc.js";
import { tcpTransport } from "./tcp.js";
import type { Transport } from "./transport.js";

const transports: Record<SpUrl["transport"], Transport> = {
  tcp: tcpTransport,
  ipc: ipcTransport,
  inproc: inprocTransport,
};

/** The transport serving a parsed URL. @internal */
export function transportFor(url: SpUrl): Transport {
  return transports[url.transport];
}
