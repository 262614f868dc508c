import { nngError } from "../core/errors.js";

/**
 * Optional fields of {@link formatSse}.
 *
 * @example
 * ```ts
 * formatSse("payload", { event: "update", id: "42", retry: 3000 } satisfies SseFields);
 * ```
 */
export interface SseFields {
  /** The `event:` line: the event type a browser's `EventSource` dispatches on. */
  event?: string | undefined;
  /** The `id:` line: sent back by a reconnecting client as `Last-Event-ID`. */
  id?: string | number | undefined;
  /** The `retry:` line: the client's reconnection delay in ms (a non-negative integer). */
  retry?: number | undefined;
}

function field(name: string, value: string): string {
  if (/[\r\n]/.test(value)) throw nngError("EINVAL", `SSE ${name} must be a single line`);
  return `${name}: ${value}\n`;
}

/**
 * Formats one Server-Sent Event, as nanonext's `format_sse`: the optional
 * `event:`, `id:` and `retry:` lines, then one `data:` line per line of
 * `data`, ending with a blank line. Send it with a
 * {@link handlerStream} connection whose Content-Type is `text/event-stream`.
 *
 * Unlike R's `strsplit`, `\r\n` and `\r` also end a line and a trailing
 * newline is kept (as an empty `data:` line), so the client receives `data`
 * exactly. A multi-line `event` or `id`, or a bad `retry`, throws `EINVAL`.
 *
 * @example
 * ```ts
 * formatSse("Hello");                          // "data: Hello\n\n"
 * formatSse("Hello", { event: "greeting" });   // "event: greeting\ndata: Hello\n\n"
 * formatSse("Line 1\nLine 2", { id: 7 });      // "id: 7\ndata: Line 1\ndata: Line 2\n\n"
 * ```
 */
export function formatSse(data: string, fields: SseFields = {}): string {
  if (typeof data !== "string") throw nngError("EINVAL", "SSE data must be a string");
  let out = "";
  if (fields.event !== undefined) out += field("event", String(fields.event));
  if (fields.id !== undefined) out += field("id", String(fields.id));
  if (fields.retry !== undefined) {
    const r = fields.retry;
    if (!Number.isInteger(r) || r < 0) throw nngError("EINVAL", "SSE retry must be a non-negative integer (ms)");
    out += `retry: ${r}\n`;
  }
  for (const line of data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}
