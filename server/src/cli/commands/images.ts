import { formatDigest } from '../../../../shared/digest';
import { listImages } from '../../store/images/imageCatalog';
import type { Command } from '../context';
import { printJson } from '../context';
import { EXIT_OK } from '../exitCodes';
import { imageName, resolveImages } from '../../store/images/resolveImage';

export const imagesCommand: Command = {
  name: 'images',
  usage: 'pfstore images [IMAGE...]',
  summary: 'list snapshot images (images/*.json): name, digest, agent, creation time, parents, problems',
  flags: { values: [], switches: [] },
  async run(ctx) {
    // With arguments: just those images (names, digests or unique prefixes).
    const entries =
      ctx.args.positional.length > 0
        ? (await resolveImages(ctx.root, ctx.args.positional)).map((r) => r.entry)
        : await listImages(ctx.root);
    const rows = entries.map((e) => ({
      name: imageName(e) ?? null,
      digest: e.hex ? formatDigest(e.hex) : null,
      file: e.fileName,
      agent: e.manifest?.agent.kind ? `${e.manifest.agent.kind} ${e.manifest.agent.version ?? ''}`.trim() : null,
      createdAt: e.manifest?.createdAt ?? null,
      parents: (e.manifest?.parents ?? []).map(formatDigest),
      problems: e.problems.map((p) => `${p.path ? `${p.path}: ` : ''}${p.message}`),
    }));
    if (ctx.json) {
      printJson(ctx, rows);
      return EXIT_OK;
    }
    for (const r of rows) {
      ctx.out(
        `${r.name ?? '(no name)'}  ${r.digest ?? r.file}  ${r.agent ?? '?'}  ${r.createdAt ?? '?'}${r.parents.length > 0 ? `  parents: ${r.parents.map((p) => p.slice(0, 19)).join(', ')}` : ''}`,
      );
      for (const p of r.problems) {
        ctx.out(`    ! ${p}`);
      }
    }
    return EXIT_OK;
  },
};
