import type { OptionSpec } from "../core/options.js";

/** `recv-buffer` / `send-buffer`: queue depths in messages, nng's range. @internal */
export const BUFFER_OPTION: OptionSpec = { type: "int", min: 0, max: 8192 };

/** `ttl-max`: most hops a message may take, nng's range 1–15, default 8. @internal */
export const TTL_OPTION: OptionSpec = { type: "int", min: 1, max: 15 };
export const DEFAULT_TTL = 8;
