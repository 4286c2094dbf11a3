import { formatDigest } from '../../../../shared/blobs/digest';
import { imageLabel, resolveImages } from '../../store/images/resolveImage';
import { formatBytes } from '../../../../shared/common/format';
import { diffImages, diffToJson } from '../../store/analysis/imageDiff';
import { compareSnapshots } from '../../store/layers/snapshot/compareSnapshots';
import { listImages } from '../../store/images/imageCatalog';
import type { Command } from '../context';
import { printJson } from '../context';
import { CliError, EXIT_OK } from '../exitCodes';
import { recordStates } from '../../store/layers/snapshot/recordStates';
import { operatorSecret } from '../operatorSecret';

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
    const catalog = await listImages(ctx.root);
    const diff = await diffImages(ctx.store, catalog, a.hex, b.hex);
    const snapshot = await compareSnapshots(ctx.store, a.entry.manifest!, b.entry.manifest!, { signal: ctx.signal });
    const states = await recordStates(ctx.store, catalog, a.hex === b.hex ? [a.entry] : [a.entry, b.entry], {
      operatorSecretHex: operatorSecret(undefined),
      signal: ctx.signal,
    });
    const records = { from: states.get(a.hex) ?? null, to: states.get(b.hex) ?? null };
    if (ctx.json) {
      printJson(ctx, { ...diffToJson(diff), snapshot, records });
      return EXIT_OK;
    }
    const size = (n?: number) => (n === undefined ? '' : ` (${formatBytes(n)})`);
    ctx.out(`from ${imageLabel(a.hex, a.entry)} to ${imageLabel(b.hex, b.entry)}`);
    ctx.out(`relation: ${diff.relation}`);
    if (records.from?.record !== records.to?.record || records.to?.record === 'not intact') {
      // The one line a reviewer must not miss: the record of what the agent did went bad (or came good).
      ctx.out(
        `record: ${records.from?.record ?? 'none'} -> ${records.to?.record ?? 'none'}${records.to?.record === 'not intact' && records.to.why ? ` (${records.to.why})` : ''}`,
      );
    }
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
