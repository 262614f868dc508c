/** Assertions for NngError outcomes (chai has no promise matchers without a plugin). */
import { expect } from "chai";
import { NngError, NNG_ERRNO, type NngErrorCode } from "../../src/index.js";

function check(err: unknown, code: NngErrorCode): NngError {
  expect(err, `expected NngError ${code}, got ${String(err)}`).to.be.instanceOf(NngError);
  const e = err as NngError;
  expect(e.code, e.message).to.equal(code);
  expect(e.errno).to.equal(NNG_ERRNO[code]);
  expect(e.message.startsWith(`${NNG_ERRNO[code]} | `), e.message).to.equal(true);
  return e;
}

/** Awaits `p` and asserts it rejects with the given nng error; returns the error. */
export async function rejects(p: Promise<unknown>, code: NngErrorCode): Promise<NngError> {
  let value: unknown;
  try {
    value = await p;
  } catch (err) {
    return check(err, code);
  }
  throw new Error(`expected rejection with ${code}, resolved with ${String(value)}`);
}

/** Calls `fn` and asserts it throws (synchronously) the given nng error. */
export function throws(fn: () => unknown, code: NngErrorCode): NngError {
  try {
    fn();
  } catch (err) {
    return check(err, code);
  }
  throw new Error(`expected ${code} to be thrown`);
}

/** Asserts `fn` fails with `code`, whether it throws or returns a rejected promise. */
export async function fails(fn: () => unknown, code: NngErrorCode): Promise<NngError> {
  let r: unknown;
  try {
    r = fn();
  } catch (err) {
    return check(err, code);
  }
  return rejects(Promise.resolve(r), code);
}

/** Settles a promise into a value-or-error without throwing. */
export function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}
