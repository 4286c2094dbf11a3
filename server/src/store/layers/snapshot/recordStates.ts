// Whether each snapshot's record of what it did can be trusted, and whether it carries secrets in clear, in the
// words a listing shows: "record not intact", "record not intact (parent side-a)", "secrets in clear". A merge
// has no chain of its own (its record names both parents' ledgers), so its record is as intact as theirs.
import { forEachInFlight } from '../../../../../shared/common/inFlight';
import type { FsBlobStore } from '../../blobs/fsBlobStore';
import { readImageEntries, type CatalogEntry } from '../../images/imageCatalog';
import { checkImages } from './imageChecks';
import { isUnreadable, readLedger } from '../readLayers';
import { shortDigest } from '../../../../../shared/blobs/digest';

export interface RecordState {
  /** `intact`, `not intact` (bad, here or in a merged parent's record), `not checked` (skipped), `none`. */
  record: 'intact' | 'not intact' | 'not checked' | 'none';
  /** Why, in words: the first bad entry, or which parent's record is not intact. */
  why?: string;
  /** For a merge whose parent's record is not intact: that parent's name (or short digest) and side. */
  badParent?: { side: 'a' | 'b'; ledger: string; name?: string };
  /** Variables holding secrets in clear (names only). */
  secrets: string[];
}

export async function recordStates(
  store: FsBlobStore,
  catalog: CatalogEntry[],
  entries: CatalogEntry[],
  opts: { operatorSecretHex?: string; signal?: AbortSignal } = {},
): Promise<Map<string, RecordState>> {
  const checks = await checkImages(store, entries, opts);
  const states = new Map<string, RecordState>();
  const byLedger = new Map<string, CatalogEntry>();
  for (const e of catalog) {
    const ledger = e.manifest?.effects.ledger;
    if (ledger && !byLedger.has(ledger)) {
      byLedger.set(ledger, e);
    }
  }
  for (const l of checks.ledgers) {
    states.set(l.image, {
      record:
        l.verdict === 'ok'
          ? 'intact'
          : l.verdict === 'bad'
            ? 'not intact'
            : l.reason.startsWith('the image names no effects ledger')
              ? 'none'
              : 'not checked',
      why: l.verdict === 'bad' ? l.reason : undefined,
      secrets: [],
    });
  }
  for (const s of checks.secrets) {
    states.get(s.image)?.secrets.push(s.variable);
  }
  const ledgerOf = new Map(entries.map((e) => [e.hex, e.manifest?.effects.ledger]));
  const checked = new Map<string, { verdict: string; reason: string }>();
  for (const l of checks.ledgers) {
    const ledger = ledgerOf.get(l.image);
    if (ledger && !l.notChecked) {
      checked.set(ledger, { verdict: l.verdict, reason: l.reason });
    }
  }
  // Merges: their record is their parents' ledgers.
  const merges = entries.filter((e) => states.get(e.hex)?.record === 'not checked' && e.manifest?.effects.ledger);
  await forEachInFlight(
    merges,
    store.pool.parallelism * 2,
    async (entry) => {
      const own = await readLedger(store, entry.manifest!.effects.ledger!, {}, opts.signal);
      if (isUnreadable(own) || own.kind !== 'effects.merged.v1' || !own.merged) {
        return;
      }
      const state = states.get(entry.hex)!;
      let allOk = true;
      for (const [side, ledger] of [
        ['a', own.merged.parentA],
        ['b', own.merged.parentB],
      ] as const) {
        if (!ledger) {
          allOk = false;
          continue;
        }
        // A parent checked above already (the usual case in a listing) is not read again.
        const known = checked.get(ledger);
        const parent =
          known ?? (await readLedger(store, ledger, { operatorSecretHex: opts.operatorSecretHex }, opts.signal));
        const verdict = isUnreadable(parent) ? 'skipped' : parent.verdict;
        if (verdict === 'bad' && !isUnreadable(parent)) {
          const name = byLedger.get(ledger)?.manifest?.agent.fingerprint || undefined;
          state.record = 'not intact';
          state.badParent = { side, ledger, name };
          state.why = `the record of merged parent ${name ?? shortDigest(ledger)} is not intact: ${parent.reason}`;
          return;
        }
        allOk &&= verdict === 'ok';
      }
      if (allOk) {
        state.record = 'intact';
      }
    },
    opts.signal,
  );
  return states;
}

/** The marks a listing shows after a snapshot: "record not intact (parent side-a)", "secrets in clear: A, B". */
/**
 * The record states of a few snapshots by digest (a page of search results): their catalog files and their
 * parents' are read, not the whole catalog (a merge's state names the parent whose record is not intact).
 */
export async function recordStatesOf(
  store: FsBlobStore,
  hexes: string[],
  opts: { operatorSecretHex?: string; signal?: AbortSignal } = {},
): Promise<Map<string, RecordState>> {
  if (hexes.length === 0) {
    return new Map();
  }
  const entries = await readImageEntries(
    store.root,
    hexes.map((h) => `${h}.json`),
  );
  const asked = new Set(hexes);
  const parents = [...new Set(entries.flatMap((e) => e.manifest?.parents ?? []))].filter((p) => !asked.has(p));
  const parentEntries = await readImageEntries(
    store.root,
    parents.map((p) => `${p}.json`),
  );
  return recordStates(store, [...entries, ...parentEntries], entries, opts);
}

export function recordMarks(state: RecordState | undefined): string[] {
  if (!state) {
    return [];
  }
  const marks: string[] = [];
  if (state.record === 'not intact') {
    marks.push(
      state.badParent ? `record not intact (parent ${state.badParent.name ?? 'ledger'})` : 'record not intact',
    );
  }
  if (state.secrets.length > 0) {
    marks.push(`secrets in clear: ${[...new Set(state.secrets)].join(', ')}`);
  }
  return marks;
}
