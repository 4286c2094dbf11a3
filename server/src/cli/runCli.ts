// The pfstore command line around a list of commands: argument parsing, the store, Ctrl-C, exit codes and the
// flush before exit. Exit codes follow pf: 0 ok, 1 bad input, 4 integrity failure, 70 internal error (130 when
// interrupted). Each CLI bundle (main.ts, and the one-command bundles the launcher picks) runs it with its list.
import * as fs from 'node:fs/promises';
import { FsBlobStore } from '../store/blobs/fsBlobStore';
import { WorkerPool } from '../store/workers/workerPool';
import { resolveStorePath } from '../store/storePath';
import { GLOBAL_FLAGS, parseArgs } from './args';
import type { Command, CommandContext } from './context';
import { CliError, EXIT_BROKEN_PIPE, EXIT_INTERNAL, EXIT_OK, exitCodeOf } from './exitCodes';
import { quoteShort } from '../../../shared/common/format';
import { zstdEngine } from '../store/io/zstdEngine';
import { terminalLine, terminalLines } from '../../../shared/common/terminalText';

const VERSION = '0.1.0';

function usage(commands: readonly Command[]): string {
  const lines = [
    'usage: pfstore [--store DIR] [--json] <command> [args]',
    '',
    'The store is --store, else $PF_STORE, else ~/.processfork (the pf-core layout).',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.usage.replace('pfstore ', '').padEnd(56)} ${c.summary}`),
    '',
    "registries: OCI_USERNAME/OCI_PASSWORD or OCI_BEARER; signatures use $PF_OCI_REG_SIGN_KEY or pf's default key",
    '',
    'exit codes: 0 ok, 1 bad input, 3 nothing found (search), 4 integrity failure, 70 internal error, 130 interrupted',
  ];
  return lines.join('\n');
}

/** Splits argv at the command name: global flags may stand before it or among the command's own. */
function findCommand(
  argv: string[],
  commands: readonly Command[],
): { command?: Command; name?: string; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (GLOBAL_FLAGS.values.includes(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-')) {
      continue;
    }
    return { command: commands.find((c) => c.name === a), name: a, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { rest: argv };
}

async function main(argv: string[], commands: readonly Command[]): Promise<number> {
  const { command, name, rest } = findCommand(argv, commands);
  if (!command) {
    const globals = parseArgs(rest, GLOBAL_FLAGS);
    if (globals.switches.has('--version')) {
      const engine = zstdEngine();
      process.stdout.write(`pfstore ${VERSION} (zstd ${engine.version}, ${engine.name} engine)\n`);
      return EXIT_OK;
    }
    if (globals.switches.has('--help') || globals.switches.has('-h') || name === 'help') {
      process.stdout.write(`${usage(commands)}\n`);
      return EXIT_OK;
    }
    throw new CliError(name ? `unknown command ${quoteShort(name)}\n${usage(commands)}` : usage(commands));
  }
  const args = parseArgs(rest, {
    values: [...GLOBAL_FLAGS.values, ...command.flags.values],
    switches: [...GLOBAL_FLAGS.switches, ...command.flags.switches],
  });
  if (args.switches.has('--help') || args.switches.has('-h')) {
    process.stdout.write(`usage: ${command.usage}\n${command.summary}\n`);
    return EXIT_OK;
  }
  const root = resolveStorePath(args.values.get('--store'));
  if (!command.createsStore) {
    await requireStore(root);
  }
  // The CLI's main thread only waits on the workers: let it verify too, and keep the worker fed (PoolOptions).
  const pool = new WorkerPool(undefined, { helpOnCallingThread: true, pipelineBatches: true });
  const store = new FsBlobStore(root, { pool });
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) {
      process.exit(130);
    }
    process.stderr.write('\npfstore: interrupted, stopping (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const ctx: CommandContext = {
    store,
    root,
    json: args.switches.has('--json'),
    args,
    signal: controller.signal,
    out: (line) => process.stdout.write(`${terminalLine(line)}\n`),
    outLines: (text) => process.stdout.write(`${terminalLines(text)}\n`),
    outBytes: (chunk) =>
      new Promise((resolve, reject) => process.stdout.write(chunk, (err) => (err ? reject(err) : resolve()))),
    err: (line) => process.stderr.write(`${terminalLine(line)}\n`),
  };
  try {
    return await command.run(ctx);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/**
 * Ends the process once stdout and stderr are flushed, without tearing down the worker threads one by one:
 * that teardown was 6 ms of a 220 ms verify (measured), and nothing is left for them to do. Every write a
 * command makes is fsynced and renamed into place before the command returns.
 */
function exitWhenFlushed(code: number): void {
  process.stdout.write('', (err) =>
    process.stderr.write('', () => process.exit(isBrokenPipe(err) ? EXIT_BROKEN_PIPE : code)),
  );
}

function isBrokenPipe(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null | undefined)?.code === 'EPIPE';
}

/** A mistyped --store must not read as an empty, healthy store: only writes create one. */
async function requireStore(root: string): Promise<void> {
  const info = await fs.stat(root).catch(() => undefined);
  if (!info) {
    throw new CliError(`no store at ${root} (only put and pull create one)`);
  }
  if (!info.isDirectory()) {
    throw new CliError(`no store at ${root}: it is not a folder`);
  }
}

/** Runs the command line over `commands`: the one entry of every CLI bundle. */
export function runCli(commands: readonly Command[]): void {
  // A reader that went away (`pfstore ls | head`) ends the output; it is not a failure worth a stack trace.
  process.stdout.on('error', (err) => {
    if (!isBrokenPipe(err)) {
      throw err;
    }
    process.exit(EXIT_BROKEN_PIPE);
  });

  // Node exits with 0 when nothing is left to wait for, even if the command's promise never settled (a stream that
  // never ends, say): that would be a success that did nothing. Say so instead, as the internal error it is.
  let settled = false;
  process.on('beforeExit', () => {
    if (!settled) {
      process.stderr.write(
        'pfstore: internal error: the command stopped before it finished (nothing left to wait for)\n',
      );
      process.exit(EXIT_INTERNAL);
    }
  });

  main(process.argv.slice(2), commands).then(
    (code) => {
      settled = true;
      exitWhenFlushed(code);
    },
    (err) => {
      settled = true;
      const code = exitCodeOf(err);
      const detail =
        process.env.PFSTORE_DEBUG === '1' || code === EXIT_INTERNAL
          ? ((err as Error)?.stack ?? String(err))
          : ((err as Error)?.message ?? String(err));
      process.stderr.write(`pfstore: ${terminalLines(detail)}\n`);
      exitWhenFlushed(code);
    },
  );
}
