/** Where progress goes: stderr, or anything with the same two members (tests). */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * Progress on a stream: on a terminal one line that keeps being redrawn, elsewhere (a log file, a pipe) plain
 * lines, at most one per `plainIntervalMilliseconds` unless a line is marked as final.
 */
export class ProgressPrinter {
  private current = '';
  private lastPlainAt = -Infinity;

  constructor(
    private readonly stream: ProgressStream,
    private readonly plainIntervalMilliseconds = 2_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Whether the stream is a terminal, where the line is redrawn in place. */
  get interactive(): boolean {
    return this.stream.isTTY === true;
  }

  /** Shows the latest progress; `final` lines (end of a phase or epoch) are never dropped. */
  update(line: string, final = false): void {
    if (this.interactive) {
      this.current = line;
      this.stream.write(`\r${line}\u001b[K`);
      return;
    }
    const now = this.now();
    if (!final && now - this.lastPlainAt < this.plainIntervalMilliseconds) return;
    this.lastPlainAt = now;
    this.stream.write(`${line}\n`);
  }

  /** Prints a message on its own line, keeping the progress line below it on a terminal. */
  log(message: string): void {
    if (this.interactive && this.current !== '') {
      this.stream.write(`\r\u001b[K${message}\n${this.current}\u001b[K`);
      return;
    }
    this.stream.write(`${message}\n`);
  }

  /** Ends the progress line, so what follows starts on a fresh line. */
  finish(): void {
    if (this.interactive && this.current !== '') this.stream.write('\r\u001b[K');
    this.current = '';
  }
}
