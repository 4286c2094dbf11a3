// What every command gets: the open store, output helpers and a cancellation signal tied to Ctrl-C.
import type { FsBlobStore } from '../store/blobs/fsBlobStore';
import type { Parsed } from './args';

export interface CommandContext {
  store: FsBlobStore;
  root: string;
  json: boolean;
  args: Parsed;
  signal: AbortSignal;
  /** One line to stdout; every character a terminal would act on (ESC, CR, LF, bidi) is shown escaped. */
  out(line: string): void;
  /** Lines we laid out ourselves (JSON): line feeds kept, everything else as in `out`, values unchanged. */
  outLines(text: string): void;
  /** Writes raw bytes to stdout, honouring back-pressure: only for a blob asked for on purpose (`get`). */
  outBytes(chunk: Uint8Array): Promise<void>;
  /** One line to stderr, made printable as in `out`. */
  err(line: string): void;
}

export interface Command {
  name: string;
  usage: string;
  summary: string;
  flags: { values: string[]; switches: string[] };
  /** Commands that write (put, pull) create the store; every other one refuses a store that is not there. */
  createsStore?: boolean;
  run(ctx: CommandContext): Promise<number>;
}

export function printJson(ctx: CommandContext, value: unknown): void {
  ctx.outLines(JSON.stringify(value, null, 2));
}
