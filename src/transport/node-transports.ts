// Imported for its side effect by the Node entry: registers every transport.
import { ipcTransport } from "./ipc.js";
import { registerTransport } from "./registry.js";
import { tcpTransport } from "./tcp.js";
import { tlsTransport } from "./tls.js";
import { wsTransport, wssTransport } from "./ws.js";

registerTransport("tcp", tcpTransport);
registerTransport("ipc", ipcTransport);
registerTransport("tls", tlsTransport);
registerTransport("ws", wsTransport);
registerTransport("wss", wssTransport);
