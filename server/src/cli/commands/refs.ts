import { formatDigest, parseDigest } from '../../../../shared/blobs/digest';
import { ReferenceGraph, unknownUseText, unknownUseToJson } from '../../store/analysis/referenceGraph';
import type { Command } from '../context';
import { printJson } from '../context';
import { CliError, EXIT_OK } from '../exitCodes';

export const refsCommand: Command = {
  name: 'refs',
  usage: 'pfstore refs DIGEST',
  summary: 'every image that reaches a blob, and where: a top-level field, an fs entry, a cache page',
  flags: { values: [], switches: [] },
  async run(ctx) {
    if (ctx.args.positional.length !== 1) {
      throw new CliError('refs takes exactly one DIGEST');
    }
    const hex = parseDigest(ctx.args.positional[0]);
    const graph = await ReferenceGraph.build(ctx.store, ctx.root, { signal: ctx.signal });
    const used = graph.whereUsed(hex);
    // An image whose fs tree or page list cannot be read may reach it too: the count is then a lower bound.
    const unknown = graph.unknownImages().map(unknownUseToJson);
    if (ctx.json) {
      printJson(ctx, {
        digest: formatDigest(hex),
        images: used.map((u) => ({ image: formatDigest(u.image), paths: u.places })),
        unknown,
      });
      return EXIT_OK;
    }
    for (const u of used) {
      for (const place of u.places) {
        ctx.out(`${formatDigest(u.image)}  ${place}`);
      }
    }
    for (const u of unknown) {
      ctx.out(unknownUseText(u));
    }
    ctx.out(
      `used by ${used.length}${unknown.length > 0 ? ' or more' : ''} image${used.length === 1 && unknown.length === 0 ? '' : 's'}`,
    );
    return EXIT_OK;
  },
};
