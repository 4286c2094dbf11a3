import { formatDigest } from '../../../../shared/digest';
import { imageLabel, resolveImages } from '../../store/images/resolveImage';
import { formatBytes } from '../../../../shared/format';
import { diffImages, diffToJson } from '../../store/analysis/imageDiff';
import { compareSnapshots } from '../../store/layers/compareSnapshots';
import { listImages } from '../../store/images/imageCatalog';
import type { Command } from '../context';
import { printJson } from '../context';
import { CliError, EXIT_OK } from '../exitCodes';

const d = (hex: string | undefined) => (hex ? formatDigest(hex) : null);

export const diffCommand: Command = {
  name: 'diff',
  usage: 'pfstore diff IMAGE_A IMAGE_B   (a name, a digest or a unique prefix)',
  summary: 'what changed from image A to image B: layers, filesystem entries, cache pages, and their lineage',
  flags: { values: [], switches: [] },
  async run(ctx) {
    if (ctx.args.positional.length !== 2) {
      throw new CliError('diff takes two images: names, digests or unique digest prefixes');
    }
    const [a, b] = await resolveImages(ctx.root, ctx.args.positional);
    const diff = await diffImages(ctx.store, await listImages(ctx.root), a.hex, b.hex);
    const snapshot = await compareSnapshots(ctx.store, a.entry.manifest!, b.entry.manifest!, { signal: ctx.signal });
    if (ctx.json) {
      printJson(ctx, { ...diffToJson(diff), snapshot });
      return EXIT_OK;
    }
    const size = (n?: number) => (n === undefined ? '' : ` (${formatBytes(n)})`);
    ctx.out(`from ${imageLabel(a.hex, a.entry)} to ${imageLabel(b.hex, b.entry)}`);
    ctx.out(`relation: ${diff.relation}`);
    for (const l of diff.layers) {
      ctx.out(`layer ${l.layer}: ${d(l.from) ?? 'none'} -> ${d(l.to) ?? 'none'}`);
    }
    for (const e of diff.files.added) {
      ctx.out(`+ ${e.path}${size(e.size)}`);
    }
    for (const e of diff.files.removed) {
      ctx.out(`- ${e.path}${size(e.size)}`);
    }
    for (const c of diff.files.changed) {
      ctx.out(`M ${c.path}${size(c.fromSize)} -> ${formatBytes(c.toSize ?? 0)}`);
    }
    ctx.out(`cache pages: ${diff.pages.shared} shared, ${diff.pages.added} added, ${diff.pages.removed} dropped`);
    for (const c of snapshot.agent) {
      ctx.out(`agent ${c.field}: ${c.from ?? 'none'} -> ${c.to ?? 'none'}`);
    }
    const conv = snapshot.conversation;
    if (conv) {
      ctx.out(
        `conversation: ${conv.from} -> ${conv.to} messages; ${conv.commonPrefix} shared from the start, ${conv.added} added after them, ${conv.changed} changed${conv.partial ? ' (compared over the first 2,000)' : ''}`,
      );
      for (const m of conv.firstAdded) {
        ctx.out(`  + [${m.index}] ${m.role}: ${m.content.split('\n')[0]}`);
      }
    }
    const calls = snapshot.toolCalls;
    if (calls) {
      ctx.out(`tool calls: ${calls.from} -> ${calls.to}`);
      for (const e of calls.firstAdded) {
        ctx.out(`  + [${e.index}] ${e.ts ?? '?'}  ${e.tool ?? '?'}  ${e.sideEffectClass ?? '?'}`);
      }
    }
    return EXIT_OK;
  },
};
