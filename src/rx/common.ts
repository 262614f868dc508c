import { nngError } from "../core/errors.js";
import { Context, Socket } from "../core/socket.js";
import { Nano } from "../nano.js";

/**
 * Anything the Rx layer receives from: a socket, a context or a Nano object.
 * @example
 * ```ts
 * recv$(sock); recv$(context(sock)); recv$(nanoObject);
 * ```
 */
export type RxSource = Socket | Context | Nano;

/** The socket or context behind a source. @internal */
export function endpointOf(con: RxSource): Socket | Context {
  if (con instanceof Nano) return con.target;
  if (con instanceof Socket || con instanceof Context) return con;
  throw nngError("EINVAL", "expected a Socket, Context or Nano");
}

/** The socket behind a source. @internal */
export function socketOf(con: RxSource): Socket {
  if (con instanceof Nano) return con.socket;
  if (con instanceof Socket) return con;
  if (con instanceof Context) return con.socket;
  throw nngError("EINVAL", "expected a Socket, Context or Nano");
}
