import { nngError } from "../core/errors.js";
import { Bus0 } from "./bus0.js";
import { Pair0 } from "./pair0.js";
import { Pair1 } from "./pair1.js";
import type { Protocol } from "./protocol.js";
import { Pub0 } from "./pub0.js";
import { Pull0 } from "./pull0.js";
import { Push0 } from "./push0.js";
import { Rep0 } from "./rep0.js";
import { Req0 } from "./req0.js";
import { Respondent0 } from "./respondent0.js";
import { Sub0 } from "./sub0.js";
import { Surveyor0 } from "./surveyor0.js";

/**
 * Protocol names accepted by `socket()` and `nano()`: nanonext's names and nng's versioned ones.
 * @example
 * ```ts
 * const name: ProtocolName = "req";
 * const s = await socket(name);
 * ```
 */
export type ProtocolName =
  | "bus" | "pair" | "poly" | "push" | "pull" | "pub" | "sub" | "req" | "rep" | "surveyor" | "respondent"
  | "bus0" | "pair0" | "pair1" | "push0" | "pull0" | "pub0" | "sub0" | "req0" | "rep0" | "surveyor0" | "respondent0";

const FACTORIES: Record<ProtocolName, (raw: boolean) => Protocol> = {
  bus: (r) => new Bus0(r),
  bus0: (r) => new Bus0(r),
  pair: (r) => new Pair0(r),
  pair0: (r) => new Pair0(r),
  pair1: (r) => new Pair1(r, false),
  poly: (r) => new Pair1(r, true),
  push: (r) => new Push0(r),
  push0: (r) => new Push0(r),
  pull: (r) => new Pull0(r),
  pull0: (r) => new Pull0(r),
  pub: (r) => new Pub0(r),
  pub0: (r) => new Pub0(r),
  sub: (r) => new Sub0(r),
  sub0: (r) => new Sub0(r),
  req: (r) => new Req0(r),
  req0: (r) => new Req0(r),
  rep: (r) => new Rep0(r),
  rep0: (r) => new Rep0(r),
  surveyor: (r) => new Surveyor0(r),
  surveyor0: (r) => new Surveyor0(r),
  respondent: (r) => new Respondent0(r),
  respondent0: (r) => new Respondent0(r),
};

/**
 * Every accepted protocol name.
 * @example
 * ```ts
 * console.log(PROTOCOL_NAMES.includes("poly")); // true
 * ```
 */
export const PROTOCOL_NAMES = Object.keys(FACTORIES) as ProtocolName[];

/** Creates the protocol engine for a socket; an unknown name is ENOTSUP. @internal */
export function createProtocol(name: unknown, raw: boolean): Protocol {
  const f = typeof name === "string" ? FACTORIES[name as ProtocolName] : undefined;
  if (!f || !Object.hasOwn(FACTORIES, name as string)) {
    throw nngError("ENOTSUP", `unknown protocol ${JSON.stringify(name)}; use one of ${PROTOCOL_NAMES.join(", ")}`);
  }
  return f(raw);
}
