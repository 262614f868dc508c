import { utf8Length } from "./bytes.js";
import { nngError } from "./errors.js";
import type { TlsConfig } from "../tls/tls-config.js";

/**
 * Value kinds of nng options: durations in ms (−1 = infinite), bounded ints,
 * bools, sizes in bytes (0 = unlimited), strings and byte strings.
 * @example
 * ```ts
 * // "ms" options take milliseconds:
 * s.setOpt("recv-timeout", 1000);
 * ```
 */
export type OptionType = "ms" | "int" | "bool" | "size" | "string" | "bytes";

/** How one option is typed and bounded. @internal */
export interface OptionSpec {
  type: OptionType;
  readonly?: boolean;
  writeonly?: boolean;
  min?: number;
  max?: number;
}

/**
 * A value an option may hold.
 * @example
 * ```ts
 * const v: OptionValue = s.opt("recv-size-max"); // number
 * ```
 */
export type OptionValue = number | boolean | string | Uint8Array;

/**
 * Checks a value against its spec with nng's outcomes: wrong type → EBADTYPE,
 * out of range → EINVAL, read-only → EREADONLY. Returns the normalised value.
 * @internal
 */
export function checkOption(name: string, spec: OptionSpec, value: unknown): OptionValue {
  if (spec.readonly) throw nngError("EREADONLY", `option ${name} is read-only`);
  switch (spec.type) {
    case "ms": {
      if (typeof value !== "number" || Number.isNaN(value)) throw nngError("EBADTYPE", `option ${name} takes a duration in ms`);
      if (!Number.isInteger(value) || value < -1) throw nngError("EINVAL", `option ${name}: ${value} is not a valid duration`);
      return value;
    }
    case "int":
    case "size": {
      if (typeof value !== "number" || Number.isNaN(value)) throw nngError("EBADTYPE", `option ${name} takes a number`);
      const min = spec.min ?? (spec.type === "size" ? 0 : -0x80000000);
      const max = spec.max ?? Number.MAX_SAFE_INTEGER;
      if (!Number.isInteger(value) || value < min || value > max) {
        throw nngError("EINVAL", `option ${name}: ${value} is out of range ${min}..${max}`);
      }
      return value;
    }
    case "bool":
      if (typeof value !== "boolean") throw nngError("EBADTYPE", `option ${name} takes a boolean`);
      return value;
    case "string":
      if (typeof value !== "string") throw nngError("EBADTYPE", `option ${name} takes a string`);
      if (spec.max !== undefined && utf8Length(value) > spec.max) throw nngError("EINVAL", `option ${name} is longer than ${spec.max} bytes`);
      return value;
    case "bytes":
      if (typeof value === "string") return new TextEncoder().encode(value);
      if (value instanceof Uint8Array) return value;
      if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      throw nngError("EBADTYPE", `option ${name} takes a string or bytes`);
  }
}

/** Looks a name up in an option table by own property only, so `constructor` or `__proto__` are unknown options. @internal */
export function lookupOption(table: Record<string, OptionSpec>, name: string): OptionSpec | undefined {
  return typeof name === "string" && Object.hasOwn(table, name) ? table[name] : undefined;
}

/** Rejects reading a write-only option. @internal */
export function checkReadable(name: string, spec: OptionSpec): void {
  if (spec.writeonly) throw nngError("EWRITEONLY", `option ${name} is write-only`);
}

/** Unknown option names, nng style. @internal */
export function unknownOption(name: unknown): Error {
  return nngError("ENOTSUP", `unknown option ${String(name)}`);
}

/** Options every dialer and listener understands (tcp/ipc keys are ignored by other transports). @internal */
export const ENDPOINT_OPTIONS: Record<string, OptionSpec> = {
  "recv-size-max": { type: "size" },
  "tcp-nodelay": { type: "bool" },
  "tcp-keepalive": { type: "bool" },
  "url": { type: "string", readonly: true },
};

/** Dialer-only options. @internal */
export const DIALER_OPTIONS: Record<string, OptionSpec> = {
  ...ENDPOINT_OPTIONS,
  "reconnect-time-min": { type: "ms" },
  "reconnect-time-max": { type: "ms" },
};

/** Listener-only options. @internal */
export const LISTENER_OPTIONS: Record<string, OptionSpec> = {
  ...ENDPOINT_OPTIONS,
  "tcp-bound-port": { type: "int", readonly: true },
  "ipc:permissions": { type: "int", min: 0, max: 0o7777 },
};

/** The mutable settings a transport reads when it connects or accepts. @internal */
export interface EndpointConfig {
  recvSizeMax: number;
  tcpNoDelay: boolean;
  tcpKeepAlive: boolean;
  ipcPermissions: number | undefined;
  /** TLS settings of `wss://` and `tls+tcp://` endpoints (ignored by other transports). */
  tls?: TlsConfig | undefined;
}
