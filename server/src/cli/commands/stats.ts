import { formatBytes } from '../../../../shared/common/format';
import { storeStats } from '../../store/analysis/storeStats';
import type { Command } from '../context';
import { printJson } from '../context';
import { CliError, EXIT_OK } from '../exitCodes';
import { progressOnStderr } from '../progress';

export const statsCommand: Command = {
  name: 'stats',
  usage: 'pfstore stats',
  summary:
    'blob count, raw and stored bytes, compression and dedup ratios; per image: closure, exclusive and shared bytes',
  flags: { values: [], switches: [] },
  async run(ctx) {
    if (ctx.args.positional.length > 0) {
      throw new CliError('stats takes no arguments');
    }
    const progress = progressOnStderr('stats (decoding blobs whose frames record no size)');
    let stats;
    try {
      stats = await storeStats(ctx.store, { signal: ctx.signal, onProgress: (d, t) => progress.update(d, t) });
    } finally {
      progress.finish();
    }
    if (ctx.json) {
      printJson(ctx, stats);
      return EXIT_OK;
    }
    ctx.out(
      `blobs:       ${stats.blobs.toLocaleString('en-US')}${stats.unreadable ? ` (${stats.unreadable} unreadable)` : ''}`,
    );
    ctx.out(`raw:         ${formatBytes(stats.rawBytes)}`);
    ctx.out(`stored:      ${formatBytes(stats.storedBytes)} (compression ${stats.compressionRatio.toFixed(2)}x)`);
    ctx.out(`dedup:       ${stats.dedupRatio.toFixed(2)}x (sum of closures over their union)`);
    for (const i of stats.images) {
      ctx.out(
        `${i.image}  closure ${formatBytes(i.closureBytes)}, exclusive ${formatBytes(i.exclusiveBytes)}, shared ${formatBytes(i.sharedBytes)}`,
      );
    }
    return EXIT_OK;
  },
};
