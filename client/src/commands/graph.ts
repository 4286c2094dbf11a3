// Commands on the store's reference graph: list and remove unreferenced blobs (with a modal confirmation that
// shows count and bytes), and the store statistics as a read-only Markdown document.
import * as vscode from 'vscode';
import { markdownText } from '../../../shared/common/markdownText';
import { formatBytes } from '../../../shared/common/format';
import type { GcResult, StoreStatsResult } from '../../../shared/protocol';
import { log } from '../log';
import { showReport } from '../documents/reports';
import type { StoreApi } from '../connection/storeApi';
import { withServerProgress } from '../connection/serverProgress';
import { plural } from '../../../shared/common/format';
import { shortHex } from '../../../shared/blobs/digest';

/** Lists the blobs no image reaches (a dry run: nothing is removed). */
export async function showUnreferenced(api: StoreApi): Promise<GcResult> {
  const plan = await api.gc({ dryRun: true, unreferenced: true });
  const u = plan.unreferenced!;
  const lines = [
    `# Unreferenced blobs: ${u.removed.length} (${formatBytes(u.bytesFreed)})`,
    '',
    `No image in the catalog (${plural(u.images, 'image')}) reaches these blobs. ` +
      `${u.keptYoung} more are unreferenced but younger than an hour, so a writer may still be cataloging them; they stay.`,
    '',
    ...u.removed.map((b) => `- \`${b.digest}\` ${formatBytes(b.storedBytes)}`),
  ];
  await showReport('Unreferenced blobs.md', lines.join('\n'));
  return plan;
}

/** Removes the blobs no image reaches, after a modal confirmation with their count and size. */
export async function removeUnreferenced(api: StoreApi): Promise<GcResult | undefined> {
  const plan = await api.gc({ dryRun: true, unreferenced: true });
  const u = plan.unreferenced!;
  if (u.removed.length === 0) {
    void vscode.window.showInformationMessage(
      `No unreferenced blobs to remove${u.keptYoung > 0 ? ` (${u.keptYoung} younger than an hour are kept)` : ''}.`,
    );
    return plan;
  }
  const go = await vscode.window.showWarningMessage(
    `Remove ${plural(u.removed.length, 'unreferenced blob')} (${formatBytes(u.bytesFreed)})?`,
    {
      modal: true,
      detail: `No image in images/ reaches them. Blobs written in the last hour are kept, and the catalog is read again before anything is removed.`,
    },
    'Remove',
  );
  if (go !== 'Remove') {
    return undefined;
  }
  const started = Date.now();
  const done = await api.gc({ unreferenced: true });
  const removed = done.unreferenced!;
  log.info(
    `gc: removed ${removed.removed.length} unreferenced blobs, freed ${formatBytes(removed.bytesFreed)} (${Date.now() - started} ms)`,
  );
  void vscode.window.showInformationMessage(
    `Removed ${plural(removed.removed.length, 'unreferenced blob')}, freed ${formatBytes(removed.bytesFreed)}.`,
  );
  return done;
}

/** What the store and each image cost, as a Markdown document. */
export async function showStats(api: StoreApi): Promise<StoreStatsResult> {
  const stats = await withServerProgress(api, 'ProcessFork: store statistics', (workDoneToken, token) =>
    api.stats(workDoneToken, token),
  );
  const lines = [
    '# Store statistics',
    '',
    '| | |',
    '|---|---|',
    `| blobs | ${stats.blobs.toLocaleString('en-US')}${stats.unreadable ? ` (${stats.unreadable} unreadable)` : ''} |`,
    `| raw bytes | ${formatBytes(stats.rawBytes)} |`,
    `| stored bytes | ${formatBytes(stats.storedBytes)} |`,
    `| compression | ${stats.compressionRatio.toFixed(2)}× |`,
    `| dedup (sum of closures / their union) | ${stats.dedupRatio.toFixed(2)}× |`,
    '',
    '## Images',
    '',
    '| image | closure | exclusive | shared |',
    '|---|---|---|---|',
    ...stats.images.map(
      (i) =>
        `| ${i.name ? `${markdownText(i.name)} (\`${shortHex(i.image)}\`)` : `\`${shortHex(i.image)}\``} | ${formatBytes(i.closureBytes)} | ${formatBytes(i.exclusiveBytes)} | ${formatBytes(i.sharedBytes)} |`,
    ),
  ];
  await showReport('Store statistics.md', lines.join('\n'), { rendered: true });
  return stats;
}
