import { addExtension, Decoder, Encoder } from "cbor-x";
import { nngError } from "../core/errors.js";
import { release } from "../core/frame-pool.js";
import { Message } from "../core/message.js";

/**
 * How `send` turns a value into bytes: `raw` bytes/UTF-8, or `serial` (CBOR, any value).
 * @example
 * ```ts
 * await s.send({ any: "value" }, { mode: "serial" }); // CBOR
 * await s.send("bytes as is", { mode: "raw" });
 * ```
 */
export type SendMode = "raw" | "serial";

/**
 * Typed-array receive modes: the body as elements of that type (native byte order).
 * @example
 * ```ts
 * const xs = await s.recv({ mode: "float32" }); // Float32Array
 * ```
 */
export type TypedMode =
  | "int8" | "uint8" | "int16" | "uint16" | "int32" | "uint32" | "float32" | "float64" | "bigint64" | "biguint64";

/**
 * How `recv` decodes a body: `raw` (Uint8Array), `string` (UTF-8), `json`,
 * `serial` (CBOR), a typed-array mode, or `message` (the whole {@link Message}
 * with header and pipe id, for raw sockets and devices).
 * @example
 * ```ts
 * const n = await s.recv({ mode: "float64" }); // Float64Array
 * ```
 */
export type RecvMode = "raw" | "string" | "json" | "serial" | "message" | TypedMode;

const TYPED: Record<TypedMode, { size: number; make: (b: ArrayBuffer, n: number) => ArrayBufferView }> = {
  int8: { size: 1, make: (b, n) => new Int8Array(b, 0, n) },
  uint8: { size: 1, make: (b, n) => new Uint8Array(b, 0, n) },
  int16: { size: 2, make: (b, n) => new Int16Array(b, 0, n) },
  uint16: { size: 2, make: (b, n) => new Uint16Array(b, 0, n) },
  int32: { size: 4, make: (b, n) => new Int32Array(b, 0, n) },
  uint32: { size: 4, make: (b, n) => new Uint32Array(b, 0, n) },
  float32: { size: 4, make: (b, n) => new Float32Array(b, 0, n) },
  float64: { size: 8, make: (b, n) => new Float64Array(b, 0, n) },
  bigint64: { size: 8, make: (b, n) => new BigInt64Array(b, 0, n) },
  biguint64: { size: 8, make: (b, n) => new BigUint64Array(b, 0, n) },
};

const RECV_MODES = new Set<string>(["raw", "string", "json", "serial", "message", ...Object.keys(TYPED)]);

/**
 * A class, as {@link SerialExtension} needs it: something `new` makes a `T` with.
 * @example
 * ```ts
 * const c: ClassOf<Date> = Date;
 * ```
 */
export interface ClassOf<T> {
  /** Makes an instance (the arguments do not matter here). */
  new (...args: never[]): T;
}

/**
 * A CBOR extension for one class, as nanonext's `serial_config`: values of
 * `Class` are written with `encode` under CBOR `tag` and read back with `decode`.
 * @example
 * ```ts
 * const ext: SerialExtension<Date, number> = { Class: Date, tag: 40002, encode: (d) => d.getTime(), decode: (t) => new Date(t) };
 * serialConfig(ext);
 * ```
 */
export interface SerialExtension<T = unknown, R = unknown> {
  /** The class whose instances this handles. */
  Class: ClassOf<T>;
  /** CBOR tag number (pick one from the unassigned range, e.g. 40000+). */
  tag: number;
  /** Turns an instance into a CBOR-encodable value. */
  encode: (value: T) => R;
  /** Rebuilds an instance from the decoded value. */
  decode: (data: R) => T;
}

/**
 * The `serial` configuration of a socket, made by {@link serialConfig}.
 * @example
 * ```ts
 * const cfg: SerialConfig = serialConfig({ Class: Date, tag: 40002, encode: (d: Date) => d.getTime(), decode: (t: number) => new Date(t) });
 * s.setOpt("serial", cfg);
 * ```
 */
export interface SerialConfig {
  /** The registered extensions, in order. */
  readonly extensions: readonly SerialExtension[];
}

/**
 * Registers CBOR extensions for `serial` mode (nanonext's `serial_config`).
 * The registration is process-wide (cbor-x keeps one extension table); the
 * returned config can be set on a socket as the `serial` option to document
 * which extensions its peers must know.
 *
 * @example
 * ```ts
 * class Point { constructor(public x: number, public y: number) {} }
 * serialConfig({ Class: Point, tag: 40001, encode: (p) => [p.x, p.y], decode: ([x, y]) => new Point(x, y) });
 * await s.send(new Point(1, 2), { mode: "serial" });
 * ```
 */
export function serialConfig(...extensions: SerialExtension<any, any>[]): SerialConfig {
  for (const e of extensions) {
    if (typeof e?.Class !== "function" || !Number.isInteger(e.tag) || typeof e.encode !== "function" || typeof e.decode !== "function") {
      throw nngError("EINVAL", "serialConfig needs { Class, tag, encode, decode }");
    }
    addExtension({ Class: e.Class as never, tag: e.tag, encode: (v: unknown, enc: (x: unknown) => Uint8Array) => enc(e.encode(v)), decode: e.decode as (d: unknown) => unknown });
  }
  return Object.freeze({ extensions: Object.freeze([...extensions]) });
}

const encoder = new Encoder({ useRecords: false, structuredClone: true });
const decoder = new Decoder({ useRecords: false, structuredClone: true });
const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder("utf-8", { fatal: true });

/** Anything `send` accepts. Strings and byte views go raw; other values need `serial`. */
export type Sendable = unknown;

/**
 * Encodes one value for sending. A {@link Message} passes as is (header and all).
 * @internal
 */
export function encodeBody(data: unknown, mode: SendMode | undefined): Message {
  // Bytes sent as they are: the common case, tested first.
  if (data instanceof Uint8Array && (mode === undefined || mode === "raw")) return new Message(data);
  if (data instanceof Message) return data;
  const m = mode ?? (isRawLike(data) ? "raw" : "serial");
  if (m === "raw") {
    if (typeof data === "string") return new Message(utf8.encode(data));
    if (data instanceof Uint8Array) return new Message(data);
    if (ArrayBuffer.isView(data)) return new Message(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    if (data instanceof ArrayBuffer) return new Message(new Uint8Array(data));
    if (data === null || data === undefined) return new Message();
    throw nngError("EINVAL", `mode "raw" sends strings and bytes; use mode "serial" for ${typeof data}`);
  }
  if (m === "serial") {
    try {
      return new Message(encoder.encode(data));
    } catch (err) {
      throw nngError("EINVAL", `value could not be serialised: ${(err as Error).message}`, err);
    }
  }
  throw nngError("EINVAL", `unknown send mode ${JSON.stringify(m)}; use "raw" or "serial"`);
}

function isRawLike(d: unknown): boolean {
  return typeof d === "string" || ArrayBuffer.isView(d) || d instanceof ArrayBuffer;
}

/** Checks a receive mode name up front. @internal */
export function checkRecvMode(mode: unknown): RecvMode {
  if (mode === undefined) return "raw";
  if (typeof mode !== "string" || !RECV_MODES.has(mode)) {
    throw nngError("EINVAL", `unknown receive mode ${JSON.stringify(mode)}; use one of ${[...RECV_MODES].join(", ")}`);
  }
  return mode as RecvMode;
}

/**
 * Decodes a received message in the asked mode. A body that does not fit the
 * mode (length not a multiple of the element size, bad UTF-8, bad JSON/CBOR)
 * is EINVAL, never a wrong value.
 * @internal
 */
export function decodeBody(m: Message, mode: RecvMode): unknown {
  const body = m.body;
  switch (mode) {
    case "raw":
      return body;
    case "message":
      return m;
    case "string": {
      const s = decodeString(body);
      // Decoded into a copy: nobody sees these bytes any more, so big ones can be reused.
      release(body);
      return s;
    }
    case "json": {
      let v: unknown;
      try {
        v = JSON.parse(decodeString(body));
      } catch (err) {
        throw nngError("EINVAL", "message is not JSON", err);
      }
      release(body);
      return v;
    }
    case "serial":
      try {
        return decoder.decode(body);
      } catch (err) {
        throw nngError("EINVAL", "message could not be unserialised", err);
      }
    default: {
      const t = TYPED[mode];
      if (body.length % t.size !== 0) {
        throw nngError("EINVAL", `${body.length} bytes is not a whole number of ${mode} elements`);
      }
      const copy = new Uint8Array(body.length);
      copy.set(body);
      release(body);
      return t.make(copy.buffer, body.length / t.size);
    }
  }
}

function decodeString(body: Uint8Array): string {
  // nanonext's raw strings end in one NUL; drop it so R peers read naturally.
  const b = body.length > 0 && body[body.length - 1] === 0 ? body.subarray(0, body.length - 1) : body;
  try {
    return utf8Strict.decode(b);
  } catch (err) {
    throw nngError("EINVAL", "message is not valid UTF-8", err);
  }
}
