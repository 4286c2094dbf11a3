// Lines out of a stream of decoded chunks, with a bound: a JSON Lines layer (trace, ledger) is read a line at a
// time, and a line longer than the bound is reported by its length instead of being gathered onto the heap.

export type LineEvent = { text: string; index: number } | { tooLong: number; index: number };

export class LineReader {
  private parts: Buffer[] = [];
  private held = 0;
  private skipping = false;
  private index = 0;
  private stopped = false;

  constructor(
    private readonly onLine: (line: LineEvent) => void,
    private readonly maxLineBytes: number,
  ) {}

  /** Hears no more lines: the rest of the stream passes by unread (a scan over its line limit). */
  stop(): void {
    this.stopped = true;
    this.parts = [];
  }

  chunk(bytes: Buffer): void {
    if (this.stopped) {
      return;
    }
    let start = 0;
    for (let nl = bytes.indexOf(10, start); nl !== -1; nl = bytes.indexOf(10, start)) {
      if (this.held === 0 && !this.skipping && nl - start <= this.maxLineBytes) {
        // The whole line is in this chunk: decode it in place, no copy (most lines of a trace or a ledger).
        this.onLine({ text: bytes.toString('utf8', start, nl), index: this.index++ });
      } else {
        this.take(bytes.subarray(start, nl));
        this.end();
      }
      if (this.stopped) {
        return;
      }
      start = nl + 1;
    }
    this.take(bytes.subarray(start));
  }

  /** The last line, when the stream does not end with a line feed. */
  finish(): void {
    if (!this.stopped && (this.held > 0 || this.skipping)) {
      this.end();
    }
  }

  private take(piece: Buffer): void {
    if (piece.length === 0) {
      return;
    }
    this.held += piece.length;
    if (this.held > this.maxLineBytes) {
      this.skipping = true;
      this.parts = [];
    } else {
      this.parts.push(Buffer.from(piece)); // the decoder reuses its buffer
    }
  }

  private end(): void {
    const index = this.index++;
    if (this.skipping) {
      this.onLine({ tooLong: this.held, index });
    } else {
      this.onLine({ text: Buffer.concat(this.parts, this.held).toString('utf8'), index });
    }
    this.parts = [];
    this.held = 0;
    this.skipping = false;
  }
}
