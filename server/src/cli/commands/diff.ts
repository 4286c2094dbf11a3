import { formatDigest } from '../../../../shared/digest';
import { imageLabel, resolveImages } from '../../store/images/resolveImage';
import { formatBytes } from '../../../../shared/format';
import { diffImages, diffToJson } from '../../store/analysis/imageDiff';
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
    if (ctx.json) {
      printJson(ctx, diffToJson(diff));
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
    return EXIT_OK;
  },
};
