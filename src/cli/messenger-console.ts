/** How the messenger writes to the terminal: chat lines to one stream, status lines to another. */

/**
 * A stream the messenger writes to (process.stdout, a PassThrough in tests, …).
 * @example
 * ```ts
 * const out: ConsoleOutput = process.stdout;
 * ```
 */
export type ConsoleOutput = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/**
 * `HH:MM:SS`, local time.
 * @example
 * ```ts
 * clock(new Date(2026, 0, 1, 9, 5, 7)); // "09:05:07"
 * ```
 */
export function clock(d = new Date()): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/**
 * A peer's text made safe to print: control characters (escape sequences
 * could repaint or hijack the terminal) become U+FFFD; tabs stay.
 * @example
 * ```ts
 * printable("hi\x1b[2J"); // "hi\ufffd[2J"
 * ```
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g, "\ufffd");
}

/**
 * Keeps a half-typed line intact when something is printed: `clear` erases
 * it from the screen, `redraw` puts it back (readline's prompt(true)).
 * @example
 * ```ts
 * con.attach({ clear: () => clearLine(process.stdout, 0), redraw: () => rl.prompt(true) });
 * ```
 */
export interface LineEditor {
  clear(): void;
  redraw(): void;
}

/**
 * The chat console: `< HH:MM:SS  text` in, `> HH:MM:SS  text` out, status lines apart.
 * @example
 * ```ts
 * const con = new ChatConsole(process.stdout, process.stderr);
 * con.incoming("hi"); // < 09:05:07  hi
 * con.status("peer connected");
 * ```
 */
export class ChatConsole {
  private editor: LineEditor | undefined;

  constructor(
    private readonly out: ConsoleOutput,
    private readonly err: ConsoleOutput,
  ) {}

  /** Interactive mode: input and output are one terminal, edited by readline. */
  attach(editor: LineEditor): void {
    this.editor = editor;
  }

  incoming(text: string): void {
    this.print(this.out, `< ${clock()}  ${printable(text)}`);
  }

  outgoing(text: string): void {
    const line = `> ${clock()}  ${printable(text)}`;
    if (this.editor) {
      // Replace the line just typed with the echo, right-aligned as nanonext did.
      const width = this.out.columns ?? 80;
      this.print(this.out, `\x1b[1A\x1b[2K${line.length < width ? " ".repeat(width - line.length - 1) : ""}${line}`);
    } else {
      this.out.write(line + "\n");
    }
  }

  status(text: string): void {
    this.print(this.err, text);
  }

  private print(stream: ConsoleOutput, line: string): void {
    this.editor?.clear();
    stream.write(line + "\n");
    this.editor?.redraw();
  }
}
