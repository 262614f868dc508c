/**
 * nng's error vocabulary: every failure of a socket, dialer, listener or pipe
 * is an {@link NngError} carrying nng's numeric code and `nng_strerror` text.
 */

/**
 * nng error numbers by name (`NNG_EINTR` = 1 …), as in libnng 1.x.
 * @example
 * ```ts
 * console.log(NNG_ERRNO.ETIMEDOUT); // 5
 * ```
 */
export const NNG_ERRNO = {
  /** Interrupted */
  EINTR: 1,
  /** Out of memory */
  ENOMEM: 2,
  /** Invalid argument */
  EINVAL: 3,
  /** Resource busy */
  EBUSY: 4,
  /** Timed out */
  ETIMEDOUT: 5,
  /** Connection refused */
  ECONNREFUSED: 6,
  /** Object closed */
  ECLOSED: 7,
  /** Try again */
  EAGAIN: 8,
  /** Not supported */
  ENOTSUP: 9,
  /** Address in use */
  EADDRINUSE: 10,
  /** Incorrect state */
  ESTATE: 11,
  /** Entry not found */
  ENOENT: 12,
  /** Protocol error */
  EPROTO: 13,
  /** Destination unreachable */
  EUNREACHABLE: 14,
  /** Address invalid */
  EADDRINVAL: 15,
  /** Permission denied */
  EPERM: 16,
  /** Message too large */
  EMSGSIZE: 17,
  /** Connection aborted */
  ECONNABORTED: 18,
  /** Connection reset */
  ECONNRESET: 19,
  /** Operation canceled */
  ECANCELED: 20,
  /** Out of files */
  ENOFILES: 21,
  /** Out of space */
  ENOSPC: 22,
  /** Resource already exists */
  EEXIST: 23,
  /** Read only resource */
  EREADONLY: 24,
  /** Write only resource */
  EWRITEONLY: 25,
  /** Cryptographic error */
  ECRYPTO: 26,
  /** Peer could not be authenticated */
  EPEERAUTH: 27,
  /** Option requires argument */
  ENOARG: 28,
  /** Ambiguous option */
  EAMBIGUOUS: 29,
  /** Incorrect type */
  EBADTYPE: 30,
  /** Connection shutdown */
  ECONNSHUT: 31,
  /** Internal error detected */
  EINTERNAL: 1000,
} as const;

/**
 * The name of an nng error, e.g. `"ECLOSED"`.
 * @example
 * ```ts
 * if (err instanceof NngError && err.code === "ETIMEDOUT") retry();
 * ```
 */
export type NngErrorCode = keyof typeof NNG_ERRNO;

const STRERROR: Record<NngErrorCode, string> = {
  EINTR: "Interrupted",
  ENOMEM: "Out of memory",
  EINVAL: "Invalid argument",
  EBUSY: "Resource busy",
  ETIMEDOUT: "Timed out",
  ECONNREFUSED: "Connection refused",
  ECLOSED: "Object closed",
  EAGAIN: "Try again",
  ENOTSUP: "Not supported",
  EADDRINUSE: "Address in use",
  ESTATE: "Incorrect state",
  ENOENT: "Entry not found",
  EPROTO: "Protocol error",
  EUNREACHABLE: "Destination unreachable",
  EADDRINVAL: "Address invalid",
  EPERM: "Permission denied",
  EMSGSIZE: "Message too large",
  ECONNABORTED: "Connection aborted",
  ECONNRESET: "Connection reset",
  ECANCELED: "Operation canceled",
  ENOFILES: "Out of files",
  ENOSPC: "Out of space",
  EEXIST: "Resource already exists",
  EREADONLY: "Read only resource",
  EWRITEONLY: "Write only resource",
  ECRYPTO: "Cryptographic error",
  EPEERAUTH: "Peer could not be authenticated",
  ENOARG: "Option requires argument",
  EAMBIGUOUS: "Ambiguous option",
  EBADTYPE: "Incorrect type",
  ECONNSHUT: "Connection shutdown",
  EINTERNAL: "Internal error detected",
};

/**
 * nng's text for an error number, as `nng_strerror` prints it.
 *
 * @example
 * ```ts
 * strerror(7); // "Object closed"
 * ```
 */
export function strerror(errno: number): string {
  if (errno === 0) return "Hunky dory";
  for (const [name, n] of Object.entries(NNG_ERRNO)) {
    if (n === errno) return STRERROR[name as NngErrorCode];
  }
  return `Unknown error #${errno}`;
}

/**
 * The one error type of nanonext. `code` is nng's name, `errno` nng's number
 * and the message starts with nng's own text, so `err.message` reads like
 * nanonext's `"7 | Object closed"` and NNG's documentation applies as is.
 *
 * @example
 * ```ts
 * try { await sock.recv({ timeout: 100 }); }
 * catch (err) { if (isNngError(err, "ETIMEDOUT")) console.log("no message yet"); }
 * ```
 */
export class NngError extends Error {
  /** nng's error name, e.g. `"ETIMEDOUT"`. */
  readonly code: NngErrorCode;
  /** nng's error number, e.g. `5` for ETIMEDOUT. */
  readonly errno: number;
  /** For a receive whose body did not fit the asked mode: the raw bytes, so nothing is lost. */
  data?: Uint8Array;

  constructor(code: NngErrorCode, detail?: string, options?: { cause?: unknown }) {
    const errno = NNG_ERRNO[code];
    super(`${errno} | ${STRERROR[code]}${detail ? `: ${detail}` : ""}`, options);
    this.name = "NngError";
    this.code = code;
    this.errno = errno;
  }
}

/**
 * True when `err` is an {@link NngError}, and of the given code if one is named.
 *
 * @example
 * ```ts
 * if (isNngError(err, "ECLOSED")) return;
 * ```
 */
export function isNngError(err: unknown, code?: NngErrorCode): err is NngError {
  return err instanceof NngError && (code === undefined || err.code === code);
}

/** Shorthand used throughout the core. @internal */
export function nngError(code: NngErrorCode, detail?: string, cause?: unknown): NngError {
  return new NngError(code, detail, cause === undefined ? undefined : { cause });
}

/** Maps a Node system error (ECONNREFUSED, EADDRINUSE, …) to nng's vocabulary. @internal */
export function fromSystemError(err: unknown, fallback: NngErrorCode = "ECONNRESET"): NngError {
  if (err instanceof NngError) return err;
  const sys = (err as NodeJS.ErrnoException | undefined)?.code;
  const map: Record<string, NngErrorCode> = {
    ECONNREFUSED: "ECONNREFUSED",
    ENOENT: "ECONNREFUSED",
    EADDRINUSE: "EADDRINUSE",
    EADDRNOTAVAIL: "EADDRINVAL",
    EACCES: "EPERM",
    EPERM: "EPERM",
    ECONNRESET: "ECONNRESET",
    EPIPE: "ECONNSHUT",
    ECONNABORTED: "ECONNABORTED",
    ETIMEDOUT: "ETIMEDOUT",
    EHOSTUNREACH: "EUNREACHABLE",
    ENETUNREACH: "EUNREACHABLE",
    ENOTFOUND: "EADDRINVAL",
    EAI_AGAIN: "EADDRINVAL",
    EMFILE: "ENOFILES",
    ENFILE: "ENOFILES",
    ENAMETOOLONG: "EADDRINVAL",
    EINVAL: "EADDRINVAL",
  };
  const code = (sys && map[sys]) || fallback;
  return nngError(code, (err as Error | undefined)?.message, err);
}
