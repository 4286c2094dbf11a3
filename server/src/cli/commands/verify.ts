import { formatDigest, parseDigest, shortDigest } from '../../../../shared/blobs/digest';
import type { VerifyProblem, VerifySummary } from '../../store/blobs/blobStore';
import { MAX_MANIFEST_BYTES } from '../../store/images/imageCatalog';
import { readRegularFile } from '../../store/io/safeOpen';
import type { Command, CommandContext } from '../context';
import { printJson } from '../context';
import { INTEGRITY_KINDS, integrityMeaning, usersText } from '../../../../shared/checks/integrityWords';
import { ReferenceGraph } from '../../store/analysis/referenceGraph';
import { EXIT_BAD_INPUT, EXIT_INTEGRITY, EXIT_OK } from '../exitCodes';
import { progressOnStderr } from '../progress';
import * as path from 'node:path';
import type { FsBlobStore } from '../../store/blobs/fsBlobStore';
import { imagesDir } from '../../store/blobs/blobPaths';
import { parseManifest } from '../../store/images/manifest';
import { CliError } from '../exitCodes';
import { appendAll } from '../../../../shared/common/arrays';
import { listImages } from '../../store/images/imageCatalog';
import { checkImages, ledgerSummaryLine } from '../../store/layers/snapshot/imageChecks';
import { snapshotClosure } from '../../store/layers/snapshotClosure';
import { resolveImage } from '../../store/images/resolveImage';
import { operatorSecret } from '../operatorSecret';
import { plural } from '../../../../shared/common/format';

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
  // pf's closure forgets what a merge record and a CRIU record name; ours checks those blobs too.
  const { entries, unexpanded } = await snapshotClosure(store, manifest);
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
  usage: 'pfstore verify [DIGEST...] [--image IMAGE] [--session-secret-hex HEX] [--fail-on-unverifiable-ledgers]',
  summary:
    "re-hash the named blobs, an image's closure, or every blob; check each image's effects ledger chain and look for secrets in clear",
  flags: { values: ['--image', '--session-secret-hex'], switches: ['--fail-on-unverifiable-ledgers'] },
  async run(ctx) {
    const hexes = ctx.args.positional.map(parseDigest); // all parsed before any work starts
    const image = ctx.args.values.get('--image');
    const operatorSecretHex = operatorSecret(ctx.args.values.get('--session-secret-hex'));
    const resolved = image === undefined ? undefined : await resolveImage(ctx.root, image);
    const closure = resolved === undefined ? undefined : await closureOf(ctx.store, resolved.hex);
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
    // Ledgers and secrets: of the image asked for, or of every cataloged image when the whole store is verified.
    const images = resolved ? [resolved.entry] : hexes.length === 0 ? await listImages(ctx.root) : [];
    const checks = await checkImages(ctx.store, images, { operatorSecretHex, signal: ctx.signal });
    const count = (v: string) => checks.ledgers.filter((l) => l.verdict === v).length;
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
        ledgers: {
          ok: count('ok'),
          bad: count('bad'),
          skipped: count('skipped'),
          viaOperatorSecret: checks.ledgers.filter((l) => l.verdict === 'ok' && l.viaOperatorSecret).length,
          images: checks.ledgers.map((l) => ({
            image: formatDigest(l.image),
            name: l.name ?? null,
            verdict: l.verdict,
            reason: l.reason,
            entry: l.entry ?? null,
            tool: l.tool ?? null,
            badKind: l.badKind ?? null,
          })),
        },
        unchecked: checks.unchecked.map((u) => ({
          image: formatDigest(u.image),
          name: u.name ?? null,
          layer: u.layer,
          why: u.why,
        })),
        secrets: checks.secrets.map((w) => ({
          image: formatDigest(w.image),
          name: w.name ?? null,
          layer: w.layer,
          variable: w.variable,
          why: w.why,
        })),
      });
    } else {
      const users = await usersOfFailed(ctx, failed, resolved ? [] : images);
      for (const p of failed) {
        ctx.out(`FAIL ${p.hex ? formatDigest(p.hex) : p.path} ${p.kind}: ${p.message}`);
        if (INTEGRITY_KINDS.has(p.kind)) {
          ctx.out(`     ${integrityMeaning(p.kind)}`);
        }
        const use = p.hex ? users?.get(p.hex) : undefined;
        if (use !== undefined) {
          ctx.out(`     ${use}`);
        }
      }
      if (failed.some((p) => INTEGRITY_KINDS.has(p.kind))) {
        ctx.out(
          'what to do: fetch a damaged blob again (pfstore pull from a registry that has its snapshot), or put its original file back (pfstore put FILE: only a file with that content is stored under its digest)',
        );
      }
      for (const l of checks.ledgers.filter((l) => l.verdict === 'bad')) {
        const at = l.entry === undefined ? '' : ` at entry ${l.entry}${l.tool ? ` (${l.tool})` : ''}`;
        ctx.out(`BAD LEDGER ${imageText(l)}${at}: ${l.reason}`);
      }
      for (const w of checks.secrets) {
        ctx.out(`SECRET IN CLEAR ${imageText(w)} ${w.layer} ${w.variable}: ${w.why}`);
      }
      for (const u of checks.unchecked) {
        ctx.out(`NOT CHECKED ${imageText(u)} ${u.layer}: ${u.why}`);
      }
      ctx.out(
        `${summary.cancelled ? 'cancelled after' : 'checked'} ${plural(summary.checked, 'blob')}: ${summary.ok} ok, ${failed.length} failed`,
      );
      if (images.length > 0) {
        ctx.out(`verified ${summary.checked} blob(s); ${failed.length} bad. ${ledgerSummaryLine(checks.ledgers)}`);
      }
    }
    if (summary.cancelled) {
      return EXIT_CANCELLED;
    }
    const unverifiable = ctx.args.switches.has('--fail-on-unverifiable-ledgers') && count('skipped') > 0;
    if (failed.some((p) => p.kind !== 'not-found') || count('bad') > 0 || unverifiable) {
      return EXIT_INTEGRITY;
    }
    // A layer that could not be read is a check not made: never exit 0 as if it had passed.
    return failed.length > 0 || checks.unchecked.length > 0 ? EXIT_BAD_INPUT : EXIT_OK;
  },
};

/** Failed blobs named by more than this are not traced to their snapshots (a store-wide disaster needs no list). */
const TRACED_MAX = 100;

/** "used by before-refactor (trace.messages) and 1 more", per failed blob; undefined when not worked out. */
async function usersOfFailed(
  ctx: CommandContext,
  failed: VerifyProblem[],
  catalog: Awaited<ReturnType<typeof listImages>>,
): Promise<Map<string, string> | undefined> {
  const hexes = failed.filter((p) => p.hex && INTEGRITY_KINDS.has(p.kind)).map((p) => p.hex);
  if (hexes.length === 0 || hexes.length > TRACED_MAX) {
    return undefined;
  }
  const graph = await ReferenceGraph.build(ctx.store, ctx.root, { signal: ctx.signal }).catch(() => undefined);
  if (!graph) {
    return undefined;
  }
  // The catalog the ledger checks read already (a whole-store verify), else read here.
  const entries = catalog.length > 0 ? catalog : await listImages(ctx.root);
  const names = new Map(entries.map((e) => [e.hex, e.manifest?.agent?.fingerprint]));
  const partial = graph.unknownImages().length > 0;
  const out = new Map<string, string>();
  for (const hex of hexes) {
    const used = graph.whereUsed(hex);
    const listed = used.map((u) => `${names.get(u.image) || shortDigest(u.image)} (${u.places.join(', ')})`);
    out.set(
      hex,
      used.length === 0 && partial ? 'used by no snapshot known (some file lists cannot be read)' : usersText(listed),
    );
  }
  return out;
}

function imageText(x: { image: string; name?: string }): string {
  return x.name ? `${x.name} (${shortDigest(x.image)})` : formatDigest(x.image);
}
