import { formatDigest } from '../../../../shared/blobs/digest';
import { resolveImage } from '../../store/images/resolveImage';
import { listImages } from '../../store/images/imageCatalog';
import { lineageLog, logEntryToJson } from '../../store/analysis/lineage';
import type { Command } from '../context';
import { printJson } from '../context';
import { CliError, EXIT_OK } from '../exitCodes';

export const logCommand: Command = {
  name: 'log',
  usage: 'pfstore log [IMAGE]   (a name, a digest or a unique prefix)',
  summary: 'images newest first with agent, time, parents and merges; with IMAGE, only its ancestry',
  flags: { values: [], switches: [] },
  async run(ctx) {
    if (ctx.args.positional.length > 1) {
      throw new CliError('log takes at most one image digest');
    }
    const of =
      ctx.args.positional[0] === undefined ? undefined : (await resolveImage(ctx.root, ctx.args.positional[0])).hex;
    const catalog = await listImages(ctx.root);
    const entries = lineageLog(catalog, of);
    if (ctx.json) {
      printJson(ctx, { images: entries.map(logEntryToJson) });
      return EXIT_OK;
    }
    for (const e of entries) {
      const mark = e.merge ? 'M' : e.children.length > 1 ? 'F' : '*';
      ctx.out(
        `${mark} ${e.name ?? '(no name)'}  ${formatDigest(e.image)}  ${e.createdAt ?? '?'}  ${[e.agentKind ?? '?', e.agentVersion].filter(Boolean).join(' ')}`,
      );
      const missing = new Set(e.missingParents);
      for (const p of e.parents) {
        ctx.out(`    parent ${formatDigest(p)}${missing.has(p) ? ' (not in the catalog)' : ''}`);
      }
    }
    return EXIT_OK;
  },
};
