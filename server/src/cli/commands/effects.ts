// pfstore effects NAME: what a lineage did. Every distinct tool call recorded in the snapshot and its
// descendants, once, in time order: where it happened first, which merges carried it, how many snapshots hold
// it, and whether the record it was read from is intact. Names first, digests short; no value of any layer.
import { formatDigest, snapshotLabel } from '../../../../shared/blobs/digest';
import { plural } from '../../../../shared/common/format';
import { effectsTimeline, type TimelineCall } from '../../store/analysis/effectsTimeline';
import { listImages } from '../../store/images/imageCatalog';
import { imageName, resolveIn } from '../../store/images/resolveImage';
import type { Command } from '../context';
import { CliError, EXIT_INTEGRITY, EXIT_OK } from '../exitCodes';
import { operatorSecret } from '../operatorSecret';
import * as fs from 'node:fs/promises';

export const effectsCommand: Command = {
  name: 'effects',
  usage:
    'pfstore effects NAME [--irreversible] [--otlp FILE] [--session-secret-hex HEX]   (a name, a digest or a unique prefix)',
  summary: 'what a snapshot and every snapshot descended from it did: each tool call once, where it happened first',
  flags: { values: ['--session-secret-hex', '--otlp'], switches: ['--irreversible'] },
  async run(ctx) {
    if (ctx.args.positional.length !== 1) {
      throw new CliError('effects takes one snapshot: its name, digest or a unique digest prefix');
    }
    const catalog = await listImages(ctx.root);
    const { hex } = resolveIn(catalog, ctx.args.positional[0]);
    const names = new Map(catalog.map((e) => [e.hex, imageName(e) ?? null]));
    const timeline = await effectsTimeline(ctx.store, catalog, hex, {
      operatorSecretHex: operatorSecret(ctx.args.values.get('--session-secret-hex')),
      signal: ctx.signal,
    });
    const calls = ctx.args.switches.has('--irreversible')
      ? timeline.calls.filter((c) => c.sideEffectClass === 'irreversible')
      : timeline.calls;
    const ref = (image: string) => ({ image: formatDigest(image), name: names.get(image) ?? null });
    const label = (image: string) => snapshotLabel(names.get(image), image);
    if (ctx.json) {
      for (const c of calls) {
        ctx.outLines(
          JSON.stringify({
            key: c.key,
            ts: c.ts ?? null,
            tool: c.tool ?? null,
            class: c.sideEffectClass ?? null,
            first: ref(c.first),
            merges: c.merges.map(ref),
            heldBy: c.heldBy,
            chain: c.chain,
            replayed: c.replayed,
          }),
        );
      }
    } else {
      const merges = new Set(timeline.calls.flatMap((c) => c.merges)).size;
      const irreversible = timeline.calls.filter((c) => c.sideEffectClass === 'irreversible').length;
      ctx.out(
        `${label(hex)} and ${plural(timeline.lineage.length - 1, 'snapshot')} descended from it` +
          ` (${plural(merges, 'merge')} carrying calls): ${plural(timeline.calls.length, 'distinct call')}, ${irreversible} irreversible`,
      );
      for (const c of calls) {
        ctx.out(callLine(c, label));
      }
    }
    const otlpFile = ctx.args.values.get('--otlp');
    if (otlpFile !== undefined) {
      const facts = new Map(
        catalog.map((e) => [
          e.hex,
          { name: imageName(e) ?? null, createdAt: e.manifest?.createdAt, parents: e.manifest?.parents ?? [] },
        ]),
      );
      const shown = { ...timeline, calls };
      // OpenTelemetry's packages load only for an export: every other command starts without them.
      const { effectsOtlp } = await import('../effectsOtlp.js');
      await writeWhole(otlpFile, await effectsOtlp(shown, hex, facts));
      ctx.err(
        `OTLP/JSON: ${plural(calls.length, 'call')} under ${plural(timeline.lineage.length, 'snapshot')} in ${otlpFile}`,
      );
    }
    for (const bad of timeline.notIntact) {
      ctx.err(`record not intact: ${label(bad.image)}: ${bad.reason}`);
    }
    return timeline.notIntact.length > 0 ? EXIT_INTEGRITY : EXIT_OK;
  },
};

/** The user's file, whole or not at all: written beside it under a temporary name, then renamed over it. */
async function writeWhole(file: string, bytes: Uint8Array): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    await fs.writeFile(temp, bytes, { flag: 'wx' });
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw new CliError(`could not write ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function callLine(c: TimelineCall, label: (image: string) => string): string {
  const parts = [
    c.ts ?? '(no time)',
    c.tool ?? '(no tool)',
    c.sideEffectClass === 'irreversible' ? 'IRREVERSIBLE' : (c.sideEffectClass ?? '(no class)'),
    `first in ${label(c.first)}`,
    `held by ${plural(c.heldBy, 'snapshot')}`,
  ];
  if (c.merges.length > 0) {
    parts.push(`carried by ${c.merges.map(label).join(', ')}`);
  }
  if (c.replayed) {
    parts.push('replayed with a new key');
  }
  if (c.chain !== 'ok') {
    parts.push(c.chain === 'bad' ? 'read only from a record that is NOT intact' : 'record not checked');
  }
  return parts.join('  ·  ');
}
