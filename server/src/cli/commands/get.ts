import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatDigest } from '../../../../shared/digest';
import type { Command } from '../context';
import { digestArg } from '../digestArg';
import { printJson } from '../context';
import { CliError, EXIT_OK } from '../exitCodes';

export const getCommand: Command = {
  name: 'get',
  usage: 'pfstore get DIGEST [-o FILE]',
  summary: 'write a blob to FILE or standard output, only after its hash is checked',
  flags: { values: ['-o', '--output'], switches: [] },
  async run(ctx) {
    if (ctx.args.positional.length !== 1) {
      throw new CliError('get takes exactly one DIGEST');
    }
    const hex = await digestArg(ctx.store, ctx.args.positional[0]);
    const output = ctx.args.values.get('-o') ?? ctx.args.values.get('--output');
    if (output) {
      // getToFile decodes into a temp file beside FILE and renames it only when the hash matched.
      const bytes = await ctx.store.getToFile(hex, path.resolve(output), { signal: ctx.signal });
      if (ctx.json) {
        printJson(ctx, { digest: formatDigest(hex), file: output, bytes });
      }
      return EXIT_OK;
    }
    // To standard output: verify into a private temp file first, so bad bytes never reach a pipe.
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pfstore-get-'));
    try {
      const temp = path.join(dir, 'blob');
      const bytes = await ctx.store.getToFile(hex, temp, { signal: ctx.signal });
      if (ctx.json) {
        printJson(ctx, { digest: formatDigest(hex), bytes, base64: (await fs.readFile(temp)).toString('base64') });
      } else {
        for await (const chunk of createReadStream(temp)) {
          await ctx.outBytes(chunk as Buffer);
        }
      }
      return EXIT_OK;
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  },
};
