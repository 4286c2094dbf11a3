import { formatDigest, parseDigest } from '../../../../shared/digest';
import type { VerifyProblem, VerifySummary } from '../../store/blobs/blobStore';
import { MAX_MANIFEST_BYTES } from '../../store/images/imageCatalog';
import { readRegularFile } from '../../store/io/safeOpen';
import type { Command } from '../context';
import { printJson } from '../context';
import { EXIT_BAD_INPUT, EXIT_INTEGRITY, EXIT_OK } from '../exitCodes';
import { progressOnStderr } from '../progress';
import * as path from 'node:path';
import type { FsBlobStore } from '../../store/blobs/fsBlobStore';
import { imagesDir } from '../../store/blobs/blobPaths';
import { imageClosure } from '../../store/images/imageClosure';
import { parseManifest } from '../../store/images/manifest';
import { CliError } from '../exitCodes';
import { appendAll } from '../../../../shared/arrays';

/**
 * The blobs of an image's closure (missing ones included: verify reports them as not found), and problems for
 * nested manifests that could not be expanded (what they name went unchecked, so verify must fail).
 */
async function closureOf(store: FsBlobStore, hex: string): Promise<{ hexes: string[]; problems: VerifyProblem[] }> {
  const file = path.join(imagesDir(store.root), `${hex}.json`);
  const data = await readRegularFile(file, MAX_MANIFEST_BYTES).catch((err) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CliError(`no image sha256:${hex} in ${imagesDir(store.root)}`);
    }
    throw err;
  });
  const { manifest } = parseManifest(data.toString('utf8'));
  if (!manifest) {
    throw new CliError(`images/${hex}.json is not a valid manifest`);
  }
  const { entries, unexpanded } = await imageClosure(store, manifest);
  const problems = unexpanded.map((u): VerifyProblem => ({
    hex: u.hex,
    kind: 'unchecked',
    message: `${u.layer} sha256:${u.hex}: ${u.reason}`,
  }));
  return { hexes: [...new Set(entries.map((e) => e.hex))], problems };
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
    const closure = image === undefined ? undefined : await closureOf(ctx.store, parseDigest(image));
    if (closure) {
      appendAll(hexes, closure.hexes);
    }
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
    const failed = [...(closure?.problems ?? []), ...summary.problems];
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
      for (const p of failed) {
        ctx.out(`FAIL ${p.hex ? formatDigest(p.hex) : p.path} ${p.kind}: ${p.message}`);
      }
      ctx.out(
        `${summary.cancelled ? 'cancelled after' : 'checked'} ${summary.checked} blob${summary.checked === 1 ? '' : 's'}: ${summary.ok} ok, ${failed.length} failed`,
      );
    }
    if (summary.cancelled) {
      return EXIT_CANCELLED;
    }
    if (failed.some((p) => p.kind !== 'not-found')) {
      return EXIT_INTEGRITY;
    }
    return failed.length > 0 ? EXIT_BAD_INPUT : EXIT_OK;
  },
};
