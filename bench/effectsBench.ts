// What a lineage did, at real size: a lineage of `snapshots` images that fork (a child's ledger is its parent's
// entries and one to three new ones, signed again) and merge (one in ten: a record naming both parents' ledgers),
// about `entries` ledger lines in all. `pfstore effects --json` of the whole lineage, as a process, against the
// floor of decoding (and re-hashing) every distinct ledger once and parsing every line, in the same run.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { FsBlobStore } from '../server/src/store/blobs/fsBlobStore';
import { entry, ledgerText, type LedgerEntry } from '../test/support/pfLayers';
import { sharedLayers } from './benchData';
import { writeBlob, writeImage } from '../test/support/storeFixtures';
import { CLI_JS } from '../test/support/serverProcess';
import { mib, ms, record } from './report';
import { medianMs, timeIt } from './timing';

/** Writes the lineage into `root` (named run-0, run-1, …): what the effects benchmarks measure. */
export function writeEffectsLineage(
  root: string,
  snapshots: number,
  entries: number,
): { distinctLedgers: string[]; lines: number; calls: number } {
  const secret = '3c'.repeat(32);
  // The layers every snapshot shares, written once; each snapshot's own ledger compressed fast (as a bench store).
  const shared = { ...sharedLayers(root), messages: writeBlob(root, '', { fast: true }) };
  const perLedger = Math.max(4, Math.round(entries / snapshots));
  let call = 0;
  const fresh = (n: number): LedgerEntry[] =>
    Array.from({ length: n }, () => {
      const i = call++;
      // Nine-digit fractions ending in 1: already pf's canonical form, so each chain verifies (see layersBench).
      const ts = `2026-11-20T09:14:03.${String(100_000_001 + i * 10).slice(-9)}Z`;
      return { ...entry(i, `tool_${i % 23}`, i % 50 === 0 ? 'irreversible' : 'pure'), ts, idempotency_key: `c-${i}` };
    });
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const made: Array<{ hex: string; ledger: string; calls?: LedgerEntry[] }> = [];
  const distinctLedgers: string[] = [];
  let lines = 0;
  const started = Date.now();
  for (let i = 0; i < snapshots; i++) {
    const createdAt = new Date(Date.UTC(2026, 10, 20, 9) + i * 1000).toISOString();
    const plain = made.filter((m) => m.calls);
    let ledger: string;
    let parents: string[] = [];
    let calls: LedgerEntry[] | undefined;
    if (i > 10 && next() < 0.1) {
      const a = plain[Math.floor(next() * plain.length)];
      const b = plain[Math.floor(next() * plain.length)];
      parents = a === b ? [a.hex] : [a.hex, b.hex];
      ledger = writeBlob(
        root,
        JSON.stringify({
          kind: 'effects.merged.v1',
          parent_a: `sha256:${a.ledger}`,
          parent_b: `sha256:${b.ledger}`,
          ancestor: `sha256:${a.ledger}`,
          replay_with_new_key: ['irreversible'],
          summary: { a_entries: a.calls!.length, b_entries: b.calls!.length, b_irreversible_cached: 0 },
        }),
        { fast: true },
      );
    } else {
      // A parent whose ledger is not yet long: lineages branch wide as well as deep, ledgers stay near the mean.
      const candidates = plain.filter((m) => m.calls!.length < perLedger * 1.5);
      const parent = i === 0 ? undefined : (candidates[Math.floor(next() * candidates.length)] ?? plain[0]);
      parents = parent ? [parent.hex] : [];
      calls = [...(parent?.calls ?? fresh(perLedger / 2)), ...fresh(1 + Math.floor(next() * 3))];
      ledger = writeBlob(root, ledgerText(calls, { secretHex: secret }), { fast: true });
      distinctLedgers.push(ledger);
      lines += calls.length;
    }
    const hex = writeImage(
      root,
      {
        ...shared,
        ledger,
        createdAt,
        parents,
        agent: { kind: 'claude-code', version: '1.0.15', fingerprint: `run-${i}` },
      },
      { fast: true },
    ).hex;
    made.push({ hex, ledger, calls });
  }
  process.stderr.write(
    `effects store: ${snapshots} snapshots, ${distinctLedgers.length} ledgers, ${lines} lines, ${call} distinct calls (${Math.round((Date.now() - started) / 1000)} s to write)\n`,
  );

  return { distinctLedgers, lines, calls: call };
}

export async function benchEffects(work: string, snapshots: number, entries: number): Promise<void> {
  const root = path.join(work, 'effects-store');
  const { distinctLedgers, lines, calls: call } = writeEffectsLineage(root, snapshots, entries);
  // The floor: every distinct ledger decoded (and re-hashed) once, every line parsed, on one thread.
  const store = new FsBlobStore(root);
  const floorMs = await medianMs(3, async () => {
    for (const hex of distinctLedgers) {
      const text = (await store.get(hex)).toString('utf8');
      for (const line of text.split('\n')) {
        if (line) {
          JSON.parse(line);
        }
      }
    }
  });
  await store.close();
  let printed = 0;
  let peakKib = 0;
  const run = () => {
    const r = spawnSync(
      '/usr/bin/time',
      ['-f', '%M', process.execPath, CLI_JS, '--store', root, 'effects', 'run-0', '--json'],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 30,
        env: { ...process.env, PF_SESSION_SECRET: '' },
      },
    );
    if (r.status !== 0) {
      throw new Error(`pfstore effects exited ${r.status}: ${r.stderr.slice(0, 400)}`);
    }
    printed = r.stdout.split('\n').filter(Boolean).length;
    peakKib = Number(r.stderr.trim().split('\n').pop());
  };
  const oursMs = await medianMs(3, () => run());
  const oneMs = await timeIt(() => run());
  if (printed !== call) {
    throw new Error(`pfstore effects listed ${printed} calls of ${call}`);
  }
  record({
    name: `pfstore effects of a lineage, ${snapshots.toLocaleString('en-US')} snapshots, ${lines.toLocaleString('en-US')} ledger lines, ${call.toLocaleString('en-US')} distinct calls`,
    ours: `${ms(oursMs)} (a whole process; peak RSS ${mib(peakKib * 1024)}; one more run ${ms(oneMs)})`,
    baseline: `${ms(floorMs)} (decode and re-hash every distinct ledger once, parse every line; one thread)`,
    ratio: oursMs / floorMs,
    goal: '<= 2.0',
    met: oursMs / floorMs <= 2.0,
  });
}
