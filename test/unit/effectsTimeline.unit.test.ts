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
import { generate, oracle, random, type Store } from '../support/lineageStore';

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
