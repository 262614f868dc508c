import { nngError } from "../core/errors.js";

/**
 * HTTP status texts as nanonext's `status_code()` gives them: the RFC 9110
 * codes plus the WebDAV/extension codes nanonext knows (102, 207, 208, 226,
 * 306 "Switch Proxy", 418 "I'm a teapot", 423, 424, 425, 428, 429, 431, 451,
 * 506–511). Wording follows nanonext where it differs from RFC 9110
 * (413 "Payload Too Large", 422 "Unprocessable Entity").
 */
const STATUS_TEXT: ReadonlyMap<number, string> = new Map([
  [100, "Continue"],
  [101, "Switching Protocols"],
  [102, "Processing"],
  [103, "Early Hints"],
  [200, "OK"],
  [201, "Created"],
  [202, "Accepted"],
  [203, "Non-Authoritative Information"],
  [204, "No Content"],
  [205, "Reset Content"],
  [206, "Partial Content"],
  [207, "Multi-Status"],
  [208, "Already Reported"],
  [226, "IM Used"],
  [300, "Multiple Choices"],
  [301, "Moved Permanently"],
  [302, "Found"],
  [303, "See Other"],
  [304, "Not Modified"],
  [305, "Use Proxy"],
  [306, "Switch Proxy"],
  [307, "Temporary Redirect"],
  [308, "Permanent Redirect"],
  [400, "Bad Request"],
  [401, "Unauthorized"],
  [402, "Payment Required"],
  [403, "Forbidden"],
  [404, "Not Found"],
  [405, "Method Not Allowed"],
  [406, "Not Acceptable"],
  [407, "Proxy Authentication Required"],
  [408, "Request Timeout"],
  [409, "Conflict"],
  [410, "Gone"],
  [411, "Length Required"],
  [412, "Precondition Failed"],
  [413, "Payload Too Large"],
  [414, "URI Too Long"],
  [415, "Unsupported Media Type"],
  [416, "Range Not Satisfiable"],
  [417, "Expectation Failed"],
  [418, "I'm a teapot"],
  [421, "Misdirected Request"],
  [422, "Unprocessable Entity"],
  [423, "Locked"],
  [424, "Failed Dependency"],
  [425, "Too Early"],
  [426, "Upgrade Required"],
  [428, "Precondition Required"],
  [429, "Too Many Requests"],
  [431, "Request Header Fields Too Large"],
  [451, "Unavailable For Legal Reasons"],
  [500, "Internal Server Error"],
  [501, "Not Implemented"],
  [502, "Bad Gateway"],
  [503, "Service Unavailable"],
  [504, "Gateway Timeout"],
  [505, "HTTP Version Not Supported"],
  [506, "Variant Also Negotiates"],
  [507, "Insufficient Storage"],
  [508, "Loop Detected"],
  [510, "Not Extended"],
  [511, "Network Authentication Required"],
]);

/**
 * The text of an HTTP status code, as `"<code> | <reason>"` (nanonext's
 * `status_code()`); `"<code> | Unknown HTTP Status"` for codes it does not
 * know. Numbers are truncated to integers, as R's `as.integer` does.
 *
 * @throws {@link NngError} EBADTYPE for anything but a finite number
 *
 * @example
 * ```ts
 * statusCode(404); // "404 | Not Found"
 * statusCode(418); // "418 | I'm a teapot"
 * statusCode(299); // "299 | Unknown HTTP Status"
 * const { status } = await ncurl("http://127.0.0.1:8080/");
 * console.log(statusCode(status));
 * ```
 */
export function statusCode(code: number): string {
  if (typeof code !== "number" || !Number.isFinite(code)) throw nngError("EBADTYPE", `statusCode takes a number, not ${String(code)}`);
  const n = Math.trunc(code);
  return `${n} | ${STATUS_TEXT.get(n) ?? "Unknown HTTP Status"}`;
}
