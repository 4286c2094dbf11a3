import { createWriteStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { formatDigest } from '../../../../shared/blobs/digest';
import type { PutResult } from '../../store/blobs/blobStore';
import type { Command } from '../context';
import { printJson } from '../context';
import { CliError, EXIT_OK } from '../exitCodes';
import { progressOnStderr } from '../progress';

/** Checks every input before writing anything, so a typo in the third file name stores nothing. */
async function checkInputs(files: string[]): Promise<void> {
  if (files.length === 0) {
    throw new CliError('put needs at least one FILE (or - for standard input)');
  }
  if (files.filter((f) => f === '-').length > 1) {
    throw new CliError('standard input (-) can be put only once');
  }
  for (const f of files) {
    if (f === '-') {
      continue;
    }
    const info = await fs.stat(f).catch((err: NodeJS.ErrnoException) => {
      throw new CliError(err.code === 'ENOENT' ? `${f}: no such file` : `${f}: cannot read (${err.code})`);
    });
    if (!info.isFile()) {
      throw new CliError(`${f}: not a regular file`);
    }
  }
}

export const putCommand: Command = {
  name: 'put',
  createsStore: true,
  usage: 'pfstore put FILE...',
  summary: 'store files (- reads standard input); prints one sha256:<hex> per file',
  flags: { values: [], switches: [] },
  async run(ctx) {
    const files = ctx.args.positional;
    await checkInputs(files);
    let spooled: string | undefined;
    try {
      if (files.includes('-')) {
        // Standard input can be read once, but a put reads twice (hash, then compress): spool it.
        const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pfstore-stdin-'));
        spooled = path.join(dir, 'stdin');
        await pipeline(process.stdin, createWriteStream(spooled));
      }
      // Put in parallel (the worker pool bounds the CPU work), report in argument order. Level 19 takes
      // seconds per MiB, so bytes read into the compressors show on stderr as they go.
      const paths = files.map((f) => (f === '-' ? spooled! : f));
      const sizes = await Promise.all(paths.map(async (f) => (await fs.stat(f)).size));
      const total = sizes.reduce((a, b) => a + b, 0);
      const done = paths.map(() => 0);
      const progress = progressOnStderr('put');
      const showProgress = total > 4 << 20; // small puts finish before a bar would mean anything
      const report = () =>
        showProgress &&
        progress.update(Math.round(done.reduce((a, b) => a + b, 0) / 1024), Math.round(total / 1024), 'KiB');
      let results: PutResult[];
      try {
        results = await Promise.all(
          paths.map((f, i) =>
            ctx.store.putFile(f, {
              signal: ctx.signal,
              onProgress: (bytes) => {
                done[i] = bytes;
                report();
              },
            }),
          ),
        );
      } finally {
        if (showProgress) {
          progress.finish();
        }
      }
      if (ctx.json) {
        printJson(
          ctx,
          results.map((r, i) => ({
            file: files[i],
            digest: formatDigest(r.hex),
            created: r.created,
            rawBytes: r.rawBytes,
            storedBytes: r.storedBytes,
          })),
        );
      } else {
        for (const r of results) {
          ctx.out(formatDigest(r.hex));
        }
      }
      return EXIT_OK;
    } finally {
      if (spooled) {
        await fs.rm(path.dirname(spooled), { recursive: true, force: true });
      }
    }
  },
};
