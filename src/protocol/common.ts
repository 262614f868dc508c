import { concatBytes, EMPTY, type Message } from "../core/message.js";
import type { OptionSpec } from "../core/options.js";

/** `recv-buffer` / `send-buffer`: queue depths in messages, nng's range. @internal */
export const BUFFER_OPTION: OptionSpec = { type: "int", min: 0, max: 8192 };

/** `ttl-max`: most hops a message may take, nng's range 1–15, default 8. @internal */
export const TTL_OPTION: OptionSpec = { type: "int", min: 1, max: 15 };
export const DEFAULT_TTL = 8;

/**
 * Header-less protocols (pull, sub, pair0, bus): a header handed over by an
 * inproc sender (raw push/pub/pair/bus) is part of the body, exactly as the
 * same bytes arrive over a stream transport. Copies only when there is one.
 * @internal
 */
export function headerIntoBody(m: Message): void {
  if (m.header.length === 0) return;
  m.body = concatBytes([m.header, m.body]);
  m.header = EMPTY;
}
