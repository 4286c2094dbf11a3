import { createWriteStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { formatDigest } from '../../../../shared/digest';
import type { PutResult } from '../../store/blobStore';
import type { Command } from '../context';
import { printJson } from '../context';
import { CliError, EXIT_OK } from '../exitCodes';

/** Checks every input before writing anything, so a typo in the third file name stores nothing. */
async function checkInputs(files: string[]): Promise<void> {
  if (files.length === 0) throw new CliError('put needs at least one FILE (or - for standard input)');
  if (files.filter((f) => f === '-').length > 1) throw new CliError('standard input (-) can be put only once');
  for (const f of files) {
    if (f === '-') continue;
    const info = await fs.stat(f).catch((err: NodeJS.ErrnoException) => {
      throw new CliError(err.code === 'ENOENT' ? `${f}: no such file` : `${f}: cannot read (${err.code})`);
    });
    if (!info.isFile()) throw new CliError(`${f}: not a regular file`);
  }
}

export const putCommand: Command = {
  name: 'put',
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
      // Put in parallel (the worker pool bounds the CPU work), report in argument order.
      const results: PutResult[] = await Promise.all(files.map((f) => ctx.store.putFile(f === '-' ? spooled! : f, { signal: ctx.signal })));
      if (ctx.json) {
        printJson(ctx, results.map((r, i) => ({ file: files[i], digest: formatDigest(r.hex), created: r.created, rawBytes: r.rawBytes, storedBytes: r.storedBytes })));
      } else {
        for (const r of results) ctx.out(formatDigest(r.hex));
      }
      return EXIT_OK;
    } finally {
      if (spooled) await fs.rm(path.dirname(spooled), { recursive: true, force: true });
    }
  },
};
