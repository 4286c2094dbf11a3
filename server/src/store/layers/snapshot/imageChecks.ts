// What `verify` says of each image beyond its bytes: its effects ledger's verdict (as pf verify decides, and
// stricter), and the secrets in clear its env and procs layers carry (names and where, never values). Images are
// checked a few at a time on the worker pool.
import type { LedgerCheckResult, SecretWarning, UncheckedLayer } from '../../../../../shared/snapshots/snapshotView';
import { formatBytes } from '../../../../../shared/common/format';
import { forEachInFlight } from '../../../../../shared/common/inFlight';
import type { FsBlobStore } from '../../blobs/fsBlobStore';
import type { CatalogEntry } from '../../images/imageCatalog';
import type { EnvSummary, ProcsSummary } from '../world/layerSummaries';
import type { NotJsonLayer, TooLargeLayer, UnreadableLayer } from '../../../../../shared/snapshots/snapshotView';
import type { LedgerVerdict } from '../../../../../shared/snapshots/snapshotView';
import { isUnreadable, readJsonLayer, readLedger } from '../readLayers';
import { plural } from '../../../../../shared/common/format';

export interface ImageChecks {
  ledgers: LedgerCheckResult[];
  secrets: SecretWarning[];
  /** Layers that could not be read whole: what verify looks for there was not looked at (never a pass). */
  unchecked: UncheckedLayer[];
}

export async function checkImages(
  store: FsBlobStore,
  entries: CatalogEntry[],
  opts: { operatorSecretHex?: string; signal?: AbortSignal } = {},
): Promise<ImageChecks> {
  const images = entries.filter((e) => e.manifest && /^[0-9a-f]{64}$/.test(e.hex));
  const ledgers: Array<LedgerCheckResult | undefined> = new Array(images.length);
  const secrets: SecretWarning[][] = images.map(() => []);
  const unchecked: UncheckedLayer[][] = images.map(() => []);
  await forEachInFlight(
    images,
    store.pool.parallelism * 2,
    async (entry, i) => {
      const m = entry.manifest!;
      const name = m.agent.fingerprint || undefined;
      ledgers[i] = await ledgerOf(store, entry.hex, name, m.effects.ledger, opts);
      if (ledgers[i]!.notChecked) {
        unchecked[i].push({ image: entry.hex, name, layer: 'effects.ledger', why: ledgers[i]!.reason });
      }
      for (const [layer, hex, kind] of [
        ['world.env', m.world.env, 'env'],
        ['world.procs', m.world.procs, 'procs'],
      ] as const) {
        if (!hex) {
          continue;
        }
        const summary = await readJsonLayer<EnvSummary | ProcsSummary | TooLargeLayer | NotJsonLayer>(
          store,
          hex,
          kind,
          opts.signal,
        );
        const notRead = whyNotRead(summary);
        if (notRead) {
          unchecked[i].push({ image: entry.hex, name, layer, why: `${notRead}: secrets not checked` });
        }
        if (!isUnreadable(summary) && 'secrets' in summary) {
          for (const s of summary.secrets) {
            secrets[i].push({ image: entry.hex, name, layer, variable: s.name, why: s.why });
          }
        }
      }
    },
    opts.signal,
  );
  return {
    ledgers: ledgers.filter((l): l is LedgerCheckResult => l !== undefined),
    secrets: secrets.flat(),
    unchecked: unchecked.flat(),
  };
}

/** Why an env or procs layer went unread, in words, or undefined when it was read whole. */
function whyNotRead(
  summary: EnvSummary | ProcsSummary | TooLargeLayer | NotJsonLayer | UnreadableLayer,
): string | undefined {
  if (isUnreadable(summary)) {
    // A missing or damaged blob is verify's own finding already; a layer over a size bound is not.
    return summary.missing ? undefined : `could not be read (${summary.unreadable})`;
  }
  if ('tooLarge' in summary) {
    return `could not be read: ${formatBytes(summary.tooLarge)}, more than this reader holds`;
  }
  if ('notJson' in summary) {
    return `could not be read: ${summary.notJson}`;
  }
  const vars = 'unreadableVars' in summary ? (summary.unreadableVars ?? []) : [];
  if (vars.length > 0) {
    const n = vars.length;
    return `${plural(n, 'variable')} could not be read (nested too deep: ${vars.slice(0, 5).join(', ')}${n > 5 ? ', …' : ''})`;
  }
  return undefined;
}

async function ledgerOf(
  store: FsBlobStore,
  image: string,
  name: string | undefined,
  hex: string | undefined,
  opts: { operatorSecretHex?: string; signal?: AbortSignal },
): Promise<LedgerCheckResult> {
  if (!hex) {
    return { image, name, verdict: 'skipped', reason: 'the image names no effects ledger', viaOperatorSecret: false };
  }
  const report = await readLedger(store, hex, { operatorSecretHex: opts.operatorSecretHex }, opts.signal);
  if (isUnreadable(report)) {
    return {
      image,
      name,
      verdict: 'skipped',
      reason: report.missing
        ? 'its ledger blob is missing from the store'
        : `its ledger blob cannot be read: ${report.unreadable}`,
      viaOperatorSecret: false,
      notChecked: !report.missing || undefined,
    };
  }
  return {
    image,
    name,
    verdict: report.verdict,
    reason: report.reason,
    entry: report.entry,
    tool: report.tool,
    viaOperatorSecret: report.viaOperatorSecret,
    badKind: report.badKind,
    notChecked: report.notChecked,
  };
}

/** pf verify's summary of the ledgers: `K ok (M via operator secret), X bad, S skipped (…)`. */
export function ledgerSummaryLine(ledgers: LedgerCheckResult[]): string {
  const count = (v: LedgerVerdict) => ledgers.filter((l) => l.verdict === v).length;
  const via = ledgers.filter((l) => l.verdict === 'ok' && l.viaOperatorSecret).length;
  const skipped = ledgers.filter((l) => l.verdict === 'skipped');
  const reasons = new Map<string, number>();
  for (const l of skipped) {
    reasons.set(l.reason, (reasons.get(l.reason) ?? 0) + 1);
  }
  const why = [...reasons].map(([reason, n]) => `${n} ${reason}`).join('; ');
  return `effects ledgers: ${count('ok')} ok (${via} via operator secret), ${count('bad')} bad, ${skipped.length} skipped${why ? ` (${why})` : ''}`;
}

export type { LedgerCheckResult, SecretWarning };
