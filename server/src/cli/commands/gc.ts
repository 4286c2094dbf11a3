import { intFlag } from '../args';
import type { Command } from '../context';
import { printJson } from '../context';
import { CliError, EXIT_OK } from '../exitCodes';

export const gcCommand: Command = {
  name: 'gc',
  usage: 'pfstore gc [--dry-run] [--older-than SECONDS]',
  summary: 'remove temp files left by writers that died (or older than --older-than, default a day)',
  flags: { values: ['--older-than'], switches: ['--dry-run'] },
  async run(ctx) {
    if (ctx.args.positional.length > 0) {
      throw new CliError('gc takes no arguments');
    }
    const olderThan = intFlag(ctx.args, '--older-than', 24 * 60 * 60, 0, 10 * 365 * 24 * 60 * 60);
    const dryRun = ctx.args.switches.has('--dry-run');
    const result = await ctx.store.sweepTemp({ olderThanMs: olderThan * 1000, dryRun });
    if (ctx.json) {
      printJson(ctx, { dryRun, ...result });
    } else {
      for (const f of result.removed) {
        ctx.out(`${dryRun ? 'would remove' : 'removed'} ${f}`);
      }
      ctx.out(
        `${result.removed.length} temp file${result.removed.length === 1 ? '' : 's'} ${dryRun ? 'to remove' : 'removed'}, ${result.kept.length} kept (writer still running)`,
      );
    }
    return EXIT_OK;
  },
};
