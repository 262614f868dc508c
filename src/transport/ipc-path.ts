/**
 * Freeing an ipc path before binding it, shared by the ipc transport and
 * `stream({ listen: "ipc://…" })`.
 * @internal
 * @module
 */
import fs from "node:fs";
import net from "node:net";
import { fromSystemError, nngError } from "../core/errors.js";

/** True when something accepts connections on the unix socket at `path`. */
function probe(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ path });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/**
 * Frees an ipc path the way nng does: a socket file nobody answers on is
 * left over from a dead process and is removed; a live one is EADDRINUSE,
 * and any other kind of file is never touched.
 * @internal
 */
export async function clearStaleIpc(path: string): Promise<void> {
  const st = fs.lstatSync(path, { throwIfNoEntry: false });
  if (!st) return;
  if (!st.isSocket()) throw nngError("EADDRINUSE", `${path} exists and is not a socket`);
  if (await probe(path)) throw nngError("EADDRINUSE", path);
  try {
    fs.unlinkSync(path);
  } catch (err) {
    throw fromSystemError(err, "EADDRINUSE");
  }
}
