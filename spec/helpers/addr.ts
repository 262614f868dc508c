import net from "node:net";
import os from "node:os";
import path from "node:path";

let n = 0;

/** A fresh inproc address. */
export function inprocUrl(tag = "t"): string {
  return `inproc://spec-${tag}-${process.pid}-${++n}`;
}

/** A fresh ipc address under the temp dir (short enough for sun_path). */
export function ipcUrl(tag = "t"): string {
  return `ipc://${path.join(os.tmpdir(), `nn-${tag}-${process.pid}-${++n}.ipc`)}`;
}

/** Listen on an ephemeral loopback port; read the real URL back from the listener. */
export const TCP_ANY = "tcp://127.0.0.1:0";

/** A fresh address on the given transport (tcp gives port 0: read the bound URL back). */
export function urlFor(transport: "tcp" | "ipc" | "inproc", tag = "t"): string {
  if (transport === "tcp") return TCP_ANY;
  if (transport === "ipc") return ipcUrl(tag);
  return inprocUrl(tag);
}

/**
 * A loopback TCP port that was free a moment ago (bound, read, released), for
 * a peer that must listen itself; when we listen, bind port 0 instead. Small
 * race, accepted: another process may take the port before the peer binds it,
 * and the test then fails with the peer's output rather than hanging.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}
