import { formatDigest } from '../../../../shared/blobs/digest';
import { formatBytes } from '../../../../shared/common/format';
import { DEFAULT_GRACE_MS, removeUnreferenced } from '../../store/analysis/unreferencedGc';
import { intFlag } from '../args';
import type { Command, CommandContext } from '../context';
import { printJson } from '../context';
import { CliError, EXIT_OK } from '../exitCodes';
import { plural } from '../../../../shared/common/format';

export const gcCommand: Command = {
  name: 'gc',
  usage: 'pfstore gc [--dry-run] [--older-than SECONDS] [--unreferenced [--grace SECONDS] [--retain-recent N]]',
  summary:
    'remove temp files left by dead writers; with --unreferenced, also blobs no image reaches (never younger than --grace, default an hour); --retain-recent N keeps only the N newest images whole: older ones keep their catalog files but lose the blobs only they reach',
  flags: { values: ['--older-than', '--grace', '--retain-recent'], switches: ['--dry-run', '--unreferenced'] },
  async run(ctx) {
    if (ctx.args.positional.length > 0) {
      throw new CliError('gc takes no arguments');
    }
    const olderThan = intFlag(ctx.args, '--older-than', 24 * 60 * 60, 0, 10 * 365 * 24 * 60 * 60);
    const dryRun = ctx.args.switches.has('--dry-run');
    const unreferenced = ctx.args.switches.has('--unreferenced');
    if (!unreferenced && (ctx.args.values.has('--grace') || ctx.args.values.has('--retain-recent'))) {
      throw new CliError('--grace and --retain-recent go with --unreferenced');
    }
    const temp = await ctx.store.sweepTemp({ olderThanMs: olderThan * 1000, dryRun });
    if (!unreferenced) {
      if (ctx.json) {
        printJson(ctx, { dryRun, ...temp });
      } else {
        printTemp(ctx, temp, dryRun);
      }
      return EXIT_OK;
    }
    const graceMs = intFlag(ctx.args, '--grace', DEFAULT_GRACE_MS / 1000, 0, 10 * 365 * 24 * 60 * 60) * 1000;
    const retainRecent = ctx.args.values.has('--retain-recent')
      ? intFlag(ctx.args, '--retain-recent', 0, 0, Number.MAX_SAFE_INTEGER)
      : undefined;
    const result = await removeUnreferenced(ctx.store, { graceMs, retainRecent, dryRun, signal: ctx.signal });
    if (ctx.json) {
      printJson(ctx, {
        dryRun,
        temp,
        unreferenced: {
          removed: result.removed.map((b) => ({ digest: formatDigest(b.hex), storedBytes: b.storedBytes })),
          bytesFreed: result.bytesFreed,
          keptYoung: result.keptYoung,
          keptForNewImages: result.keptForNewImages,
          keptFreshened: result.keptFreshened,
          images: result.images,
        },
      });
      return EXIT_OK;
    }
    printTemp(ctx, temp, dryRun);
    for (const b of result.removed) {
      ctx.out(`${dryRun ? 'would remove' : 'removed'} ${formatDigest(b.hex)} (${formatBytes(b.storedBytes)})`);
    }
    ctx.out(
      `${plural(result.removed.length, 'unreferenced blob')} ${dryRun ? 'would free' : 'freed'} ${formatBytes(result.bytesFreed)}; ` +
        `${result.keptYoung} younger than the grace period kept; ${plural(result.images, 'image')} in the catalog, ` +
        'whose manifests, parent manifests, merge records and CRIU dumps are kept',
    );
    return EXIT_OK;
  },
};

function printTemp(ctx: CommandContext, temp: { removed: string[]; kept: string[] }, dryRun: boolean): void {
  for (const f of temp.removed) {
    ctx.out(`${dryRun ? 'would remove' : 'removed'} ${f}`);
  }
  ctx.out(
    `${plural(temp.removed.length, 'temp file')} ${dryRun ? 'to remove' : 'removed'}, ${temp.kept.length} kept (writer still running)`,
  );
}
