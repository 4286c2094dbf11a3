// What every command gets: the open store, output helpers and a cancellation signal tied to Ctrl-C.
import type { FsBlobStore } from '../store/blobs/fsBlobStore';
import type { Parsed } from './args';

export interface CommandContext {
  store: FsBlobStore;
  root: string;
  json: boolean;
  args: Parsed;
  signal: AbortSignal;
  out(line: string): void;
  /** Writes raw bytes to stdout, honouring back-pressure. */
  outBytes(chunk: Uint8Array): Promise<void>;
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
  ctx.out(JSON.stringify(value, null, 2));
}
