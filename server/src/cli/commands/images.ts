import { formatDigest, snapshotLabel } from '../../../../shared/blobs/digest';
import { listImages } from '../../store/images/imageCatalog';
import type { Command } from '../context';
import { printJson } from '../context';
import { EXIT_OK } from '../exitCodes';
import { imageName, resolveImages } from '../../store/images/resolveImage';
import { recordMarks, recordStates } from '../../store/layers/snapshot/recordStates';
import { operatorSecret } from '../operatorSecret';

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
    const catalog = ctx.args.positional.length > 0 ? await listImages(ctx.root) : entries;
    const names = new Map(catalog.map((e) => [e.hex, imageName(e)]));
    // What a person scans a listing for: a record that is not intact, secrets that would leave with a push.
    const states = await recordStates(
      ctx.store,
      catalog,
      entries.filter((e) => e.manifest && e.hex),
      {
        operatorSecretHex: operatorSecret(undefined),
        signal: ctx.signal,
      },
    );
    const rows = entries.map((e) => ({
      name: imageName(e) ?? null,
      digest: e.hex ? formatDigest(e.hex) : null,
      file: e.fileName,
      agent: e.manifest?.agent.kind ? `${e.manifest.agent.kind} ${e.manifest.agent.version ?? ''}`.trim() : null,
      createdAt: e.manifest?.createdAt ?? null,
      parents: (e.manifest?.parents ?? []).map(formatDigest),
      parentNames: (e.manifest?.parents ?? []).map((p) => names.get(p) ?? null),
      problems: e.problems.map((p) => `${p.path ? `${p.path}: ` : ''}${p.message}`),
      record: states.get(e.hex)?.record ?? null,
      recordWhy: states.get(e.hex)?.why ?? null,
      secretsInClear: [...new Set(states.get(e.hex)?.secrets ?? [])],
      marks: recordMarks(states.get(e.hex)),
    }));
    if (ctx.json) {
      printJson(ctx, rows);
      return EXIT_OK;
    }
    for (const r of rows) {
      const marks = r.marks.length > 0 ? `  [${r.marks.join('; ')}]` : '';
      ctx.out(
        `${r.name ?? '(no name)'}  ${r.digest ?? r.file}  ${r.agent ?? '?'}  ${r.createdAt ?? '?'}${r.parents.length > 0 ? `  parents: ${r.parents.map((p, i) => snapshotLabel(r.parentNames[i], p)).join(', ')}` : ''}${marks}`,
      );
      for (const p of r.problems) {
        ctx.out(`    ! ${p}`);
      }
    }
    return EXIT_OK;
  },
};
