// pfstore effects against a brute-force walk (issue 38): stores of snapshots that fork (the child's ledger is its
// parent's entries and new ones, signed again) and merge (an `effects.merged.v1` record naming both parents'
// ledgers) as pf makes them, some with a record edited after signing. The test knows what each snapshot holds
// from how it built it, and computes every call's first snapshot, merges, count and verdict on its own.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { CLI_JS } from '../support/serverProcess';
import { entry, ledgerText, writePfImage, type LedgerEntry } from '../support/pfLayers';
import { tempStore, writeBlob } from '../support/storeFixtures';

const SECRET = '6a'.repeat(32);
const CLASSES: LedgerEntry['side_effect_class'][] = ['pure', 'idempotent', 'irreversible', 'network-only'];
const TOOLS = ['read_file', 'edit_file', 'run_tests', 'git_commit', 'git_push', 'http_get'];

/** A small seeded generator (mulberry32): each store is the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Snap {
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

interface Store {
  root: string;
  snaps: Snap[];
  /** What each plain ledger blob holds and whether it is intact. */
  ledgers: Map<string, { keys: Set<string>; intact: boolean }>;
  byKey: Map<string, LedgerEntry>;
}

/** A store of `count` snapshots in two families, forks and merges as pf makes them; every 7th fork edited. */
function generate(seed: number, count: number): Store {
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

interface Expected {
  key: string;
  first: string;
  merges: string[];
  heldBy: number;
  chain: string;
  replayed: boolean;
}

/** The brute-force answer: descendants by walking children, each snapshot's calls from how it was built. */
function oracle(store: Store, rootHex: string): { calls: Expected[]; notIntact: string[] } {
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

function effects(store: Store, ...args: string[]) {
  return spawnSync(process.execPath, [CLI_JS, '--store', store.root, 'effects', ...args], {
    encoding: 'utf8',
    env: { ...process.env, PF_SESSION_SECRET: '' },
    maxBuffer: 64 << 20,
  });
}

describe('pfstore effects agrees with a brute-force walk', () => {
  for (const [seed, count] of [
    [1, 30],
    [2, 45],
    [3, 60],
    [4, 240],
  ] as const) {
    test(`store ${seed}: ${count} snapshots that fork and merge, every 7th fork's record edited`, () => {
      const store = generate(seed, count);
      const next = random(seed * 31);
      const roots = [store.snaps[0], store.snaps[1], store.snaps[2 + Math.floor(next() * (count - 2))]];
      for (const root of roots) {
        const run = effects(store, root.name, '--json');
        const want = oracle(store, root.hex);
        assert.equal(run.status, want.notIntact.length > 0 ? 4 : 0, run.stderr);
        const got = run.stdout
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown> & { key: string; ts: string });
        // Time order, each call once.
        const times = got.map((c) => c.ts);
        assert.deepEqual(times, [...times].sort(), 'calls in time order');
        assert.equal(new Set(got.map((c) => c.key)).size, got.length, 'a call listed twice');
        const shaped = got
          .map((c) => ({
            key: c.key,
            first: (c.first as { image: string }).image.slice(7),
            merges: (c.merges as Array<{ image: string }>).map((m) => m.image.slice(7)).sort(),
            heldBy: c.heldBy,
            chain: c.chain,
            replayed: c.replayed,
          }))
          .sort((a, b) => a.key.localeCompare(b.key));
        assert.deepEqual(shaped, want.calls, `lineage of ${root.name}`);
        for (const bad of want.notIntact) {
          const name = store.snaps.find((s) => s.hex === bad)!.name;
          assert.ok(run.stderr.includes(`record not intact: ${name}`), `${name} not named: ${run.stderr}`);
        }
      }
      // --irreversible keeps exactly the irreversible calls; the text names snapshots, never a ledger's values.
      const all = oracle(store, store.snaps[0].hex).calls;
      const kept = effects(store, store.snaps[0].name, '--json', '--irreversible')
        .stdout.trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { key: string }).key)
        .sort();
      assert.deepEqual(
        kept,
        all.filter((c) => store.byKey.get(c.key)!.side_effect_class === 'irreversible').map((c) => c.key),
      );
      const text = effects(store, store.snaps[0].name);
      assert.match(text.stdout, /^root-0 \(sha256:[0-9a-f]{12}…\) and \d+ snapshots? descended from it/);
      assert.doesNotMatch(text.stdout, /session_hmac|args_hash|result_hash|[0-9a-f]{64}/);
    });
  }

  test('--otlp: one invoke_agent span per snapshot, one execute_tool span per call under its first snapshot, reproducible', () => {
    const store = generate(5, 50);
    const root = store.snaps[0];
    const want = oracle(store, root.hex);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-otlp-'));
    const [one, two] = [path.join(dir, 'one.json'), path.join(dir, 'two.json')];
    const run = effects(store, root.name, '--otlp', one);
    assert.equal(run.status, want.notIntact.length > 0 ? 4 : 0, run.stderr);
    assert.equal(effects(store, root.name, '--otlp', two).status, run.status);
    assert.ok(fs.readFileSync(one).equals(fs.readFileSync(two)), 'the same lineage exports the same bytes');

    type Attr = { key: string; value: Record<string, unknown> };
    type Span = { traceId: string; spanId: string; parentSpanId?: string; name: string; attributes: Attr[] };
    const request = JSON.parse(fs.readFileSync(one, 'utf8')) as {
      resourceSpans: Array<{ resource: { attributes: Attr[] }; scopeSpans: Array<{ spans: Span[] }> }>;
    };
    const spans = request.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    const attr = (s: Span, key: string) => {
      const v = s.attributes.find((a) => a.key === key)?.value;
      return v && (v.stringValue ?? v.intValue ?? v.boolValue ?? (v.arrayValue as { values?: unknown[] })?.values);
    };
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    assert.equal(byId.size, spans.length, 'span ids are unique');
    const lineage = new Set(store.snaps.filter((s) => want.calls.some((c) => c.first === s.hex) || s.hex === root.hex));
    for (const s of spans) {
      assert.match(s.traceId, /^[0-9a-f]{32}$/);
      assert.notEqual(s.traceId, '0'.repeat(32));
      assert.match(s.spanId, /^[0-9a-f]{16}$/);
      assert.equal(s.traceId, spans[0].traceId, 'one trace');
      if (s.parentSpanId !== undefined && s.parentSpanId !== '') {
        assert.ok(byId.has(s.parentSpanId), `${s.name}: its parent is in the export`);
      }
    }
    const agents = spans.filter((s) => attr(s, 'gen_ai.operation.name') === 'invoke_agent');
    const tools = spans.filter((s) => attr(s, 'gen_ai.operation.name') === 'execute_tool');
    assert.equal(tools.length, want.calls.length, 'one execute_tool span per distinct call');
    assert.ok(agents.length >= lineage.size);
    for (const c of want.calls) {
      const span = tools.find((t) => attr(t, 'gen_ai.tool.call.id') === c.key)!;
      assert.ok(span, `no span for ${c.key}`);
      assert.equal(attr(span, 'gen_ai.tool.name'), store.byKey.get(c.key)!.tool_id);
      assert.equal(attr(span, 'processfork.side_effect_class'), store.byKey.get(c.key)!.side_effect_class);
      const parent = byId.get(span.parentSpanId!)!;
      assert.equal(attr(parent, 'processfork.image'), `sha256:${c.first}`, `${c.key} under its first snapshot`);
      const merges = ((attr(span, 'processfork.merges') as Array<{ stringValue: string }>) ?? []).map((m) =>
        m.stringValue.slice(7),
      );
      assert.deepEqual(merges.sort(), c.merges);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('an unknown name exits 1 and names it', () => {
    const store = generate(9, 3);
    const run = effects(store, 'no-such-snapshot');
    assert.equal(run.status, 1);
    assert.match(run.stderr, /no-such-snapshot/);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
  });
});
