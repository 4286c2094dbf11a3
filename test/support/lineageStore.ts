// Stores of snapshots that fork and merge as pf makes them, for tests of features across a lineage: a fork's
// ledger is its parent's entries and new ones, signed again; a merge's record names both parents' ledgers
// (`effects.merged.v1`); every seventh fork's record is edited after signing. The builder keeps what each
// snapshot holds, and `oracle` answers the effects timeline by brute force from that knowledge alone.
import { entry, ledgerText, writePfImage, type LedgerEntry } from './pfLayers';
import { tempStore, writeBlob } from './storeFixtures';

const SECRET = '6a'.repeat(32);
const CLASSES: LedgerEntry['side_effect_class'][] = ['pure', 'idempotent', 'irreversible', 'network-only'];
const TOOLS = ['read_file', 'edit_file', 'run_tests', 'git_commit', 'git_push', 'http_get'];

/** A small seeded generator (mulberry32): each store is the same on every run. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Snap {
  hex: string;
  name: string;
  parents: string[];
  created: string;
  /** Plain snapshots: their entries. Merges: undefined. */
  entries?: LedgerEntry[];
  /** The ledger blob its manifest names. */
  ledger: string;
  /** For a merge: the two ledger blobs its record names. */
  mergedFrom?: [string, string];
  tampered: boolean;
}

export interface Store {
  root: string;
  snaps: Snap[];
  /** What each plain ledger blob holds and whether it is intact. */
  ledgers: Map<string, { keys: Set<string>; intact: boolean }>;
  byKey: Map<string, LedgerEntry>;
}

/** A store of `count` snapshots in two families, forks and merges as pf makes them; every 7th fork edited. */
export function generate(seed: number, count: number): Store {
  const next = random(seed);
  const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)];
  const root = tempStore('pf-effects-');
  const snaps: Snap[] = [];
  const ledgers = new Map<string, { keys: Set<string>; intact: boolean }>();
  const byKey = new Map<string, LedgerEntry>();
  let call = 0;
  const newEntries = (n: number) =>
    Array.from({ length: n }, () => {
      const i = call++;
      const e = { ...entry(i, pick(TOOLS), pick(CLASSES)), idempotency_key: `s${seed}-call-${i}` };
      byKey.set(e.idempotency_key, e);
      return e;
    });
  const time = (i: number) => new Date(Date.UTC(2026, 10, 20, 9, 0, i)).toISOString();
  let forks = 0;
  const plain = (name: string, parents: string[], entries: LedgerEntry[], i: number) => {
    const tampered = parents.length > 0 && ++forks % 7 === 0;
    const text = ledgerText(entries, {
      secretHex: SECRET,
      tamper: tampered
        ? { at: Math.floor(next() * entries.length), change: (e) => (e.result_hash = 'sha256:' + '0'.repeat(64)) }
        : undefined,
    });
    const ledger = writeBlob(root, text, { fast: true });
    ledgers.set(ledger, { keys: new Set(entries.map((e) => e.idempotency_key)), intact: !tampered });
    const hex = writePfImage(root, { name, createdAt: time(i), parents, ledger: text }).hex;
    snaps.push({ hex, name, parents, created: time(i), entries, ledger, tampered });
  };
  for (let i = 0; i < count; i++) {
    const plainOnes = snaps.filter((s) => s.entries);
    if (i < 2) {
      plain(`root-${i}`, [], newEntries(1 + Math.floor(next() * 4)), i);
      continue;
    }
    if (next() < 0.2 && plainOnes.length >= 2) {
      const a = pick(plainOnes);
      const b = pick(plainOnes.filter((s) => s !== a));
      const text = JSON.stringify({
        kind: 'effects.merged.v1',
        parent_a: `sha256:${a.ledger}`,
        parent_b: `sha256:${b.ledger}`,
        ancestor: `sha256:${a.ledger}`,
        replay_with_new_key: ['irreversible'],
        summary: { a_entries: a.entries!.length, b_entries: b.entries!.length, b_irreversible_cached: 0 },
      });
      const name = `merge:${a.name}+${b.name}`;
      const hex = writePfImage(root, { name, createdAt: time(i), parents: [a.hex, b.hex], ledger: text }).hex;
      snaps.push({
        hex,
        name,
        parents: [a.hex, b.hex],
        created: time(i),
        ledger: writeBlob(root, text, { fast: true }),
        mergedFrom: [a.ledger, b.ledger],
        tampered: false,
      });
      continue;
    }
    const parent = pick(plainOnes);
    plain(`${parent.name}.${i}`, [parent.hex], [...parent.entries!, ...newEntries(Math.floor(next() * 3))], i);
  }
  return { root, snaps, ledgers, byKey };
}

export interface Expected {
  key: string;
  first: string;
  merges: string[];
  heldBy: number;
  chain: string;
  replayed: boolean;
}

/** The brute-force answer: descendants by walking children, each snapshot's calls from how it was built. */
export function oracle(store: Store, rootHex: string): { calls: Expected[]; notIntact: string[] } {
  const lineage = new Set([rootHex]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of store.snaps) {
      if (!lineage.has(s.hex) && s.parents.some((p) => lineage.has(p))) {
        lineage.add(s.hex);
        grew = true;
      }
    }
  }
  const snaps = store.snaps.filter((s) => lineage.has(s.hex)); // generated parents first
  const leafLedgers = (s: Snap) => s.mergedFrom ?? [s.ledger];
  const holds = (s: Snap, key: string) => leafLedgers(s).some((l) => store.ledgers.get(l)!.keys.has(key));
  const keys = new Set(snaps.flatMap((s) => leafLedgers(s).flatMap((l) => [...store.ledgers.get(l)!.keys])));
  const calls: Expected[] = [];
  for (const key of keys) {
    const holders = snaps.filter((s) => holds(s, key));
    const first = holders.find(
      (s) =>
        s.hex === rootHex ||
        !s.parents.some(
          (p) =>
            lineage.has(p) &&
            holds(
              store.snaps.find((x) => x.hex === p)!,
              key,
            ),
        ),
    )!;
    const merges = holders.filter((s) => s.mergedFrom);
    const intact = holders.some((s) =>
      leafLedgers(s).some((l) => store.ledgers.get(l)!.keys.has(key) && store.ledgers.get(l)!.intact),
    );
    calls.push({
      key,
      first: first.hex,
      merges: merges.map((m) => m.hex).sort(),
      heldBy: holders.length,
      chain: intact ? 'ok' : 'bad',
      replayed: merges.length > 0 && store.byKey.get(key)!.side_effect_class === 'irreversible',
    });
  }
  const notIntact = snaps.filter((s) => leafLedgers(s).some((l) => !store.ledgers.get(l)!.intact)).map((s) => s.hex);
  return { calls: calls.sort((a, b) => a.key.localeCompare(b.key)), notIntact: notIntact.sort() };
}
