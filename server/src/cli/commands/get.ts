import * as path from 'node:path';
import { formatBytes } from '../../../../shared/common/format';
import { formatDigest } from '../../../../shared/blobs/digest';
import type { Command } from '../context';
import { digestArg } from '../digestArg';
import { printJson } from '../context';
import { CliError, EXIT_INTEGRITY, EXIT_OK } from '../exitCodes';
import { TooLargeToReadError } from '../../store/errors';
import { blobPath } from '../../store/blobs/blobPaths';
import { decodeStream } from '../../store/io/decodeStream';
import { DecodeFailure } from '../../store/io/decodeSync';

/** To standard output, a blob up to this size is checked whole in memory before a byte of it goes out. */
const CHECKED_FIRST_BYTES = 16 << 20;
/** `--json` carries the bytes as base64 in one document: past this, a file is the way. */
const JSON_MAX_BYTES = 64 << 20;

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
    if (ctx.json) {
      const data = await ctx.store.get(hex, { maxBytes: JSON_MAX_BYTES, signal: ctx.signal }).catch((err) => {
        throw err instanceof TooLargeToReadError
          ? new CliError(`the blob is over ${formatBytes(JSON_MAX_BYTES)}, too large for --json: use -o FILE`)
          : err;
      });
      printJson(ctx, { digest: formatDigest(hex), bytes: data.length, base64: data.toString('base64') });
      return EXIT_OK;
    }
    // Nothing is staged on disk: a small blob is checked in memory first, so bad bytes never reach a pipe; a
    // larger one streams (a reader that stops early stops the decode) and is checked as the last byte goes out.
    const small = await ctx.store.get(hex, { maxBytes: CHECKED_FIRST_BYTES, signal: ctx.signal }).catch((err) => {
      if (err instanceof TooLargeToReadError) {
        return undefined;
      }
      throw err;
    });
    if (small) {
      await ctx.outBytes(small);
      return EXIT_OK;
    }
    try {
      for await (const chunk of decodeStream(blobPath(ctx.root, hex), hex, ctx.root)) {
        if (ctx.signal.aborted) {
          throw new CliError('interrupted; the output is incomplete', 130);
        }
        await ctx.outBytes(chunk);
      }
    } catch (err) {
      if (err instanceof DecodeFailure) {
        throw new CliError(
          `sha256:${hex} is damaged (${err.message}); the bytes already written are not the blob: discard them`,
          EXIT_INTEGRITY,
        );
      }
      throw err;
    }
    return EXIT_OK;
  },
};
