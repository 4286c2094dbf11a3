import { formatDigest } from '../../../../shared/blobs/digest';
import { MAX_PAGE } from '../../store/blobs/blobListing';
import { intFlag } from '../args';
import type { Command } from '../context';
import { printJson } from '../context';
import { CliError, EXIT_OK } from '../exitCodes';
import { quoteShort } from '../../../../shared/common/format';

export const lsCommand: Command = {
  name: 'ls',
  usage: 'pfstore ls [--shard XX] [--limit N] [--after CURSOR]',
  summary: 'list blobs in digest order with their stored size; --limit pages, --after continues',
  flags: { values: ['--shard', '--limit', '--after'], switches: [] },
  async run(ctx) {
    if (ctx.args.positional.length > 0) {
      throw new CliError(`ls takes no arguments, got ${quoteShort(ctx.args.positional[0])}`);
    }
    const shard = ctx.args.values.get('--shard');
    const limit = ctx.args.values.has('--limit') ? intFlag(ctx.args, '--limit', MAX_PAGE, 1, MAX_PAGE) : undefined;
    let after = ctx.args.values.get('--after');
    if (after?.startsWith('sha256:')) {
      after = after.slice(7);
    }
    const items: Array<{ digest: string; storedBytes: number }> = [];
    let nextCursor: string | undefined;
    // Without --limit, list everything, one page at a time so memory stays flat on large stores.
    do {
      const page = await ctx.store.list({ shard, after, limit: limit ?? MAX_PAGE });
      for (const i of page.items) {
        if (ctx.json) {
          items.push({ digest: formatDigest(i.hex), storedBytes: i.storedBytes });
        } else {
          ctx.out(`${formatDigest(i.hex)}  ${i.storedBytes}`);
        }
      }
      nextCursor = page.nextCursor;
      after = nextCursor;
    } while (nextCursor && limit === undefined);
    if (ctx.json) {
      printJson(ctx, { items, ...(nextCursor ? { nextCursor } : {}) });
    } else if (nextCursor) {
      ctx.err(`more: pfstore ls --after ${nextCursor}${limit ? ` --limit ${limit}` : ''}`);
    }
    return EXIT_OK;
  },
};
