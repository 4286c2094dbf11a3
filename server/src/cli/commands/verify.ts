import { formatDigest, parseDigest } from '../../../../shared/digest';
import type { VerifySummary } from '../../store/blobStore';
import type { Command } from '../context';
import { printJson } from '../context';
import { EXIT_BAD_INPUT, EXIT_INTEGRITY, EXIT_OK } from '../exitCodes';
import { progressOnStderr } from '../progress';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { FsBlobStore } from '../../store/fsBlobStore';
import { imagesDir } from '../../store/blobPaths';
import { imageClosure } from '../../store/imageClosure';
import { parseManifest } from '../../store/manifest';
import { CliError } from '../exitCodes';

/** The blobs of an image's closure (missing ones included: verify reports them as not found). */
async function closureOf(store: FsBlobStore, hex: string): Promise<string[]> {
  const text = await fs.readFile(path.join(imagesDir(store.root), `${hex}.json`), 'utf8').catch(() => undefined);
  if (text === undefined) throw new CliError(`no image sha256:${hex} in ${imagesDir(store.root)}`);
  const { manifest } = parseManifest(text);
  if (!manifest) throw new CliError(`images/${hex}.json is not a valid manifest`);
  return [...new Set((await imageClosure(store, manifest)).map((e) => e.hex))];
}

/** Ctrl-C: stop between blobs and report what was checked (130, the shell's code for SIGINT). */
export const EXIT_CANCELLED = 130;

export const verifyCommand: Command = {
  name: 'verify',
  usage: 'pfstore verify [DIGEST...] [--image DIGEST]',
  summary: "re-hash the named blobs, an image's closure, or every blob; names each one that fails",
  flags: { values: ['--image'], switches: [] },
  async run(ctx) {
    const hexes = ctx.args.positional.map(parseDigest); // all parsed before any work starts
    const image = ctx.args.values.get('--image');
    if (image !== undefined) hexes.push(...(await closureOf(ctx.store, parseDigest(image))));
    const progress = progressOnStderr('verify');
    const onResult = (_r: unknown, done: number, total: number) => progress.update(done, total);
    let summary: VerifySummary;
    try {
      summary =
        hexes.length > 0
          ? await ctx.store.verifyMany(hexes, { signal: ctx.signal, onResult })
          : await ctx.store.verifyAll({ signal: ctx.signal, onResult });
    } finally {
      progress.finish();
    }
    const failed = summary.problems;
    if (ctx.json) {
      printJson(ctx, {
        checked: summary.checked,
        ok: summary.ok,
        cancelled: summary.cancelled,
        problems: failed.map((p) => ({
          digest: p.hex ? formatDigest(p.hex) : null,
          kind: p.kind,
          message: p.message,
          path: p.path ?? null,
        })),
      });
    } else {
      for (const p of failed) ctx.out(`FAIL ${p.hex ? formatDigest(p.hex) : p.path} ${p.kind}: ${p.message}`);
      ctx.out(
        `${summary.cancelled ? 'cancelled after' : 'checked'} ${summary.checked} blob${summary.checked === 1 ? '' : 's'}: ${summary.ok} ok, ${failed.length} failed`,
      );
    }
    if (summary.cancelled) return EXIT_CANCELLED;
    if (failed.some((p) => p.kind !== 'not-found')) return EXIT_INTEGRITY;
    return failed.length > 0 ? EXIT_BAD_INPUT : EXIT_OK;
  },
};
