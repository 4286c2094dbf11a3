// pfstore's entry (dist/cli.js): finds the command asked for and runs the bundle that holds it. `search` and
// `verify` have bundles of their own; every other command, help and --version run the whole CLI (main.ts).
// Measured on this machine in alternating pairs: a search of 10,000 snapshots 0.95x the time, a verify of 10,000
// blobs 2.7 MiB lighter at its peak (docs/decisions.md). Nothing heavy is imported here: this file is read before every command.
import * as path from 'node:path';
import { GLOBAL_FLAGS } from './args';

const OWN_BUNDLES: ReadonlyMap<string, string> = new Map([
  ['search', 'cliSearch.js'],
  ['verify', 'cliVerify.js'],
]);

/** The command word of argv, skipping global flags and their values, as runCli reads it. */
export function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (GLOBAL_FLAGS.values.includes(argv[i])) {
      i++;
    } else if (!argv[i].startsWith('-')) {
      return argv[i];
    }
  }
  return undefined;
}

// A computed path: the bundler leaves it to run time, and each bundle sits beside this one in dist/.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a bundle chosen at run time, run for its effect
require(path.join(__dirname, OWN_BUNDLES.get(commandWord(process.argv.slice(2)) ?? '') ?? 'cliAll.js'));
