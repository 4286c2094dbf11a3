// What a lineage did: every distinct tool call recorded anywhere in a snapshot and its descendants (through forks
// and merges), once, in time order, with the snapshot that first recorded it, the merges that carried it, how
// many snapshots hold it, and whether the record it was read from is intact.
//
// A fork copies its parent's ledger and appends, so one call sits in many ledgers: calls are told apart by their
// `idempotency_key`, and each distinct ledger blob is read once. A merge's record is its parents' ledgers
// (`effects.merged.v1`), read the same way. The lineage is taken as a closed graph: the first snapshot of a call
// is the earliest (parents before children) whose parents *within the lineage* do not hold it, so the root is
// first for everything it holds, and a merge is first for what its other, outside parent brought in.
import type { LedgerVerdict } from '../../../../shared/snapshots/snapshotView';
import type { FsBlobStore } from '../blobs/fsBlobStore';
import type { CatalogEntry } from '../images/imageCatalog';
import type { ImageManifest } from '../images/manifest';
import { readLedger, isUnreadable } from '../layers/readLayers';
import { forEachInFlight } from '../../../../shared/common/inFlight';

export interface TimelineCall {
  key: string;
  ts?: string;
  tool?: string;
  sideEffectClass?: string;
  /** The snapshot (hex) that first recorded it. */
  first: string;
  /** Its entry's position in that snapshot's own ledger (absent when the first is a merge). */
  firstEntry?: number;
  /** Every merge (hex) of the lineage whose record carries it, parents before children. */
  merges: string[];
  /** How many snapshots of the lineage hold it. */
  heldBy: number;
  /** The best verdict among the ledgers it was read from: intact if any intact record holds it. */
  chain: LedgerVerdict;
  /** A merge holding it lists its side-effect class to be replayed with a new key. */
  replayed: boolean;
}

export interface EffectsTimeline {
  /** The lineage's snapshots (hex), parents before children. */
  lineage: string[];
  calls: TimelineCall[];
  /** Snapshots of the lineage whose record (or a merged parent's) is not intact, and why. */
  notIntact: Array<{ image: string; reason: string }>;
}

/** Ledgers read at once: enough to keep every worker busy, few enough to bound what is held in flight. */
const READS_IN_FLIGHT = 8;
/** How deep merge records may name merge records before the rest is not followed (a hostile chain). */
const MAX_MERGE_DEPTH = 64;
/** A ledger's entries read at most (pf's ledgers hold thousands; a bound keeps a hostile one to its own cost). */
const MAX_ENTRIES = 16_777_216;

interface LedgerRecord {
  /** Call ids (into the timeline's table) the record holds. */
  calls: number[];
  verdict: LedgerVerdict;
  reason: string;
  /** For a merge record: the classes it replays with a new key. */
  replayClasses: string[];
  merged: boolean;
}

const VERDICT_RANK: Record<LedgerVerdict, number> = { ok: 2, skipped: 1, bad: 0 };

export async function effectsTimeline(
  store: FsBlobStore,
  catalog: CatalogEntry[],
  rootHex: string,
  opts: { operatorSecretHex?: string; signal?: AbortSignal } = {},
): Promise<EffectsTimeline> {
  const images = new Map<string, ImageManifest>();
  for (const e of catalog) {
    if (e.manifest) {
      images.set(e.hex, e.manifest);
    }
  }
  const lineage = lineageOf(images, rootHex);

  // The call table: one row per distinct key, filled as ledgers are read.
  const ids = new Map<string, number>();
  const rows: TimelineCall[] = [];
  const ledgers = new Map<string, Promise<LedgerRecord>>();
  const readRecord = (hex: string, depth: number): Promise<LedgerRecord> => {
    let found = ledgers.get(hex);
    if (!found) {
      found = readOne(hex, depth);
      ledgers.set(hex, found);
    }
    return found;
  };
  const readOne = async (hex: string, depth: number): Promise<LedgerRecord> => {
    const report = await readLedger(
      store,
      hex,
      { operatorSecretHex: opts.operatorSecretHex, keepEntries: MAX_ENTRIES, keepKeys: true },
      opts.signal,
    );
    if (isUnreadable(report)) {
      return { calls: [], verdict: 'skipped', reason: report.unreadable, replayClasses: [], merged: false };
    }
    if (report.kind === 'effects.merged.v1' && report.merged) {
      const m = report.merged;
      const parents = depth < MAX_MERGE_DEPTH ? [m.parentA, m.parentB].filter((p): p is string => !!p) : [];
      const records = await Promise.all(parents.map((p) => readRecord(p, depth + 1)));
      const bad = records.find((r) => r.verdict === 'bad');
      const calls = [...new Set(records.flatMap((r) => r.calls))];
      return {
        calls,
        verdict: bad ? 'bad' : records.every((r) => r.verdict === 'ok') ? 'ok' : 'skipped',
        reason: bad ? `a merged parent's record is not intact: ${bad.reason}` : report.reason,
        replayClasses: m.replayWithNewKey,
        merged: true,
      };
    }
    const calls: number[] = [];
    for (const e of report.entries) {
      const key = e.key ?? `(no key) ${e.ts ?? '?'} ${e.tool ?? '?'} #${e.index}`;
      let id = ids.get(key);
      if (id === undefined) {
        id = rows.length;
        ids.set(key, id);
        rows.push({
          key,
          ts: e.ts,
          tool: e.tool,
          sideEffectClass: e.sideEffectClass,
          first: '',
          merges: [],
          heldBy: 0,
          chain: report.verdict,
          replayed: false,
        });
      } else if (VERDICT_RANK[report.verdict] > VERDICT_RANK[rows[id].chain]) {
        rows[id].chain = report.verdict;
      }
      calls.push(id);
    }
    return { calls, verdict: report.verdict, reason: report.reason, replayClasses: [], merged: false };
  };

  // Parents before children: a call's first snapshot is the first to hold it, since any parent in the lineage
  // that held it came earlier (and the root has none in it). No snapshot's set is kept past its own turn.
  // Every record read first, several at a time, so the workers are all busy; then walked in order.
  await forEachInFlight(lineage, READS_IN_FLIGHT, async (hex) => {
    const ledger = images.get(hex)?.effects.ledger;
    if (ledger) {
      await readRecord(ledger, 0);
    }
  });
  const notIntact: EffectsTimeline['notIntact'] = [];
  for (const hex of lineage) {
    const ledger = images.get(hex)?.effects.ledger;
    const record = ledger ? await readRecord(ledger, 0) : undefined;
    if (record?.verdict === 'bad') {
      notIntact.push({ image: hex, reason: record.reason });
    }
    const seen = new Set<number>();
    for (const [entry, id] of (record?.calls ?? []).entries()) {
      if (seen.has(id)) {
        continue; // a key written twice in one record counts once
      }
      seen.add(id);
      const row = rows[id];
      row.heldBy++;
      if (!row.first) {
        row.first = hex;
        if (!record?.merged) {
          row.firstEntry = entry;
        }
      }
      if (record?.merged) {
        row.merges.push(hex);
        if (row.sideEffectClass !== undefined && record.replayClasses.includes(row.sideEffectClass)) {
          row.replayed = true;
        }
      }
    }
  }
  const calls = rows.filter((r) => r.heldBy > 0);
  // Code-unit order: the same on every machine, whatever its locale (RFC 3339 times of one form sort as text).
  const order = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  calls.sort((a, b) => order(a.ts ?? '\uffff', b.ts ?? '\uffff') || order(a.key, b.key));
  return { lineage, calls, notIntact };
}

/** The snapshot and every snapshot descended from it, parents before children (ties: creation time, digest). */
export function lineageOf(images: Map<string, ImageManifest>, rootHex: string): string[] {
  const children = new Map<string, string[]>();
  for (const [hex, m] of images) {
    for (const p of new Set(m.parents)) {
      const list = children.get(p);
      if (list) {
        list.push(hex);
      } else {
        children.set(p, [hex]);
      }
    }
  }
  const members = new Set([rootHex]);
  const queue = [rootHex];
  for (let i = 0; i < queue.length; i++) {
    for (const c of children.get(queue[i]) ?? []) {
      if (!members.has(c)) {
        members.add(c);
        queue.push(c);
      }
    }
  }
  // Parents before children, otherwise by creation time: walk the members in time order and place each after
  // its unplaced parents in the lineage (a stack, not recursion: a lineage can be thousands deep). A sort per
  // step made 10,000 snapshots cost seconds; this is one sort and one visit per edge.
  const time = new Map([...members].map((h) => [h, images.get(h)?.createdAt ?? '']));
  const byTime = (a: string, b: string) => {
    const [x, y] = [time.get(a)!, time.get(b)!];
    return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
  };
  const parentsOf = (hex: string) =>
    hex === rootHex ? [] : [...new Set(images.get(hex)?.parents ?? [])].filter((p) => members.has(p)).sort(byTime);
  const order: string[] = [];
  const placed = new Set<string>();
  const onStack = new Set<string>();
  for (const start of [...members].sort(byTime)) {
    if (placed.has(start)) {
      continue;
    }
    const stack = [start];
    onStack.add(start);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      // A parent already on the stack closes a circle (impossible for digests, but stored bytes are hostile).
      const waiting = parentsOf(top).filter((p) => !placed.has(p) && !onStack.has(p));
      if (waiting.length === 0) {
        stack.pop();
        onStack.delete(top);
        placed.add(top);
        order.push(top);
        continue;
      }
      for (const p of waiting.reverse()) {
        stack.push(p); // the earliest on top: placed first
        onStack.add(p);
      }
    }
  }
  return order;
}
