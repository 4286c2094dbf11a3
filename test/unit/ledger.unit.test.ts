// The effects ledger checked as `pf verify` 1.0.15 decides (ok, bad, skipped), and more strictly where pf is
// blind, on ledgers built from the spec's chain rules (test/support/pfLayers.ts), through the store's worker.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createHmac, randomBytes } from 'node:crypto';
import { FsBlobStore } from '../../server/src/store/blobs/fsBlobStore';
import { ChainHmac } from '../../server/src/store/layers/ledger/chainHmac';
import { canonicalTimestamp } from '../../server/src/store/layers/ledger/canonicalTime';
import type { LedgerReport } from '../../shared/snapshots/snapshotView';
import { isUnreadable, readLedger } from '../../server/src/store/layers/readLayers';
import { entry, ledgerText, type LedgerEntry } from '../support/pfLayers';
import { tempStore, writeBlob } from '../support/storeFixtures';

const SECRET = '5e'.repeat(32);
const OTHER = 'a1'.repeat(32);
const root = tempStore();
const store = new FsBlobStore(root);
after(() => store.close());

const tools = ['read_file', 'edit_file', 'run_tests', 'git_commit', 'http_post', 'write_file'];
const SIX: LedgerEntry[] = tools.map((t, i) =>
  entry(i, t, t === 'git_commit' || t === 'http_post' ? 'irreversible' : 'pure'),
);

async function check(text: string, operatorSecretHex?: string): Promise<LedgerReport> {
  const report = await readLedger(store, writeBlob(root, text, { fast: true }), { operatorSecretHex, keepEntries: 10 });
  assert.ok(!isUnreadable(report), JSON.stringify(report));
  return report;
}

test('the canonical time pf hashes: UTC, Z, and the fewest of 0, 3, 6 or 9 fractional digits', () => {
  const cases: Array<[string, string | undefined]> = [
    ['2026-11-20T09:14:03.5Z', '2026-11-20T09:14:03.500Z'],
    ['2026-11-20T09:14:03.123400Z', '2026-11-20T09:14:03.123400Z'],
    ['2026-11-20T09:14:03.000Z', '2026-11-20T09:14:03Z'],
    ['2026-11-20T11:14:03.512204+02:00', '2026-11-20T09:14:03.512204Z'],
    ['2026-11-20t09:14:03.1234567891z', '2026-11-20T09:14:03.123456789Z'],
    ['2026-11-20T00:30:00-01:00', '2026-11-20T01:30:00Z'],
    ['2026-02-30T00:00:00Z', undefined],
    ['yesterday', undefined],
  ];
  for (const [written, canonical] of cases) {
    assert.equal(canonicalTimestamp(written), canonical, written);
  }
});

test('an intact chain with its secret embedded is ok; each entry is listed with its tool and class', async () => {
  const r = await check(ledgerText(SIX, { secretHex: SECRET }));
  assert.equal(r.verdict, 'ok', r.reason);
  assert.equal(r.generation, 'chained-embedded');
  assert.equal(r.viaOperatorSecret, false);
  assert.deepEqual(
    r.entries.map((e) => [e.tool, e.chain]),
    tools.map((t) => [t, 'ok']),
  );
  assert.equal(new Map(r.classes).get('irreversible'), 2);
  assert.ok(!JSON.stringify(r).includes(SECRET), 'the embedded secret never leaves the scan');
});

test('an entry edited after signing makes the chain bad at that entry, named with its tool', async () => {
  const r = await check(
    ledgerText(SIX, {
      secretHex: SECRET,
      tamper: { at: 3, change: (e) => (e.result_hash = `sha256:${'0'.repeat(64)}`) },
    }),
  );
  assert.equal(r.verdict, 'bad');
  assert.equal(r.entry, 3);
  assert.equal(r.tool, 'git_commit');
  assert.match(r.reason, /edited after signing/);
  assert.deepEqual(
    r.entries.map((e) => e.chain),
    ['ok', 'ok', 'ok', 'bad', 'unchecked', 'unchecked'],
  );
});

test('operator secret: skipped without it, ok with it (counted as via operator secret), bad with another', async () => {
  const text = ledgerText(SIX, { secretHex: SECRET, embed: false });
  const without = await check(text);
  assert.equal(without.verdict, 'skipped');
  assert.match(without.reason, /operator secret/);
  const withIt = await check(text, SECRET);
  assert.equal(withIt.verdict, 'ok');
  assert.equal(withIt.viaOperatorSecret, true);
  assert.equal(withIt.generation, 'chained-operator');
  const wrong = await check(text, OTHER);
  assert.equal(wrong.verdict, 'bad');
  assert.equal(wrong.entry, 0);
  // The given secret wins over an embedded one, as in pf: a ledger re-signed under another secret is bad.
  const embedded = await check(ledgerText(SIX, { secretHex: OTHER }), SECRET);
  assert.equal(embedded.verdict, 'bad');
  assert.equal(embedded.entry, 0);
  // ...but it is not "edited after signing": its own embedded secret holds the whole chain (issue 39 item 2).
  assert.equal(embedded.badKind, 'other-secret');
  assert.match(embedded.reason, /signed with its embedded secret instead/);
  assert.doesNotMatch(embedded.reason, /edited after signing/);
  // An entry edited under the embedded secret too: forged or edited, whatever secret is at hand.
  const edited = await check(
    ledgerText(SIX, { secretHex: OTHER, tamper: { at: 3, change: (e) => (e.tool_id = 'git_push') } }),
    SECRET,
  );
  assert.equal(edited.verdict, 'bad');
  assert.equal(edited.badKind, 'edited');
  assert.match(edited.reason, /edited after signing/);
  const editedNoOperator = await check(
    ledgerText(SIX, { secretHex: OTHER, tamper: { at: 3, change: (e) => (e.tool_id = 'git_push') } }),
  );
  assert.equal(editedNoOperator.badKind, 'edited');
  assert.equal(editedNoOperator.entry, 3);
  // Cut short after signing, then checked with the operator's secret: its own chain holds over what is left, but
  // the header says more entries: edited, not merely signed with another secret.
  const cut = await check(ledgerText(SIX.slice(0, 4), { secretHex: OTHER, headerEntries: 6 }), SECRET);
  assert.equal(cut.verdict, 'bad');
  assert.equal(cut.badKind, 'edited');
  assert.doesNotMatch(cut.reason, /not edited since/);
});

test('what pf misses: a header count that disagrees with the entry lines', async () => {
  const zero = await check(ledgerText(SIX, { secretHex: SECRET, headerEntries: 0 }));
  assert.equal(zero.verdict, 'bad', 'pf calls entries: 0 ok without reading further');
  assert.equal(zero.entry, 0);
  assert.match(zero.reason, /says 0 entries, but 6 entry lines follow/);
  const dropped = await check(ledgerText(SIX.slice(0, 4), { secretHex: SECRET, headerEntries: 6 }));
  assert.equal(dropped.verdict, 'bad');
  assert.equal(dropped.entry, 4, 'min(header count, entry lines)');
  assert.match(dropped.reason, /removed from the end/);
});

test('times written in another form, and strings with quotes, backslashes, non-ASCII and controls, still verify', async () => {
  const odd = SIX.map((e, i) => ({
    ...e,
    ts: i % 2 === 0 ? '2026-11-20T09:14:03.500Z' : '2026-11-20T09:14:03Z',
    tool_id: ['say "hi"', 'path\\to\\file', 'café ☕ 日本', 'tab\there\u0001', 'line\nbreak', 'ok'][i],
  }));
  const written = (canonical: string, i: number) =>
    i % 2 === 0 ? canonical.replace('.500Z', '.5+00:00') : canonical.replace('Z', '.000000000+00:00');
  const r = await check(ledgerText(odd, { secretHex: SECRET, writtenTs: written }));
  assert.equal(r.verdict, 'ok', r.reason);
});

test('pf generations: header only, unchained entries, SDK dicts; a header that is not JSON', async () => {
  const headerOnly = await check('{"kind":"effects.ledger.v1","entries":0}\n');
  assert.equal(headerOnly.verdict, 'ok');
  assert.equal(headerOnly.generation, 'header-only');
  const unchainedLines = SIX.map((e) => JSON.stringify({ ...e, session_hmac: '' }));
  const unchained = `{"kind":"effects.ledger.v1","entries":6}\n${unchainedLines.join('\n')}\n`;
  assert.equal((await check(unchained)).verdict, 'skipped');
  assert.equal((await check(unchained)).generation, 'unchained');
  const withSecret = await check(unchained, SECRET);
  assert.equal(withSecret.verdict, 'bad', 'pf: an unchained ledger checked with a secret fails at entry 0');
  assert.equal(withSecret.entry, 0);
  const sdk = `{"kind":"effects.ledger.v1","entries":2}\n{"ix":0,"tool":"search"}\n{"ix":1,"tool":"fetch"}\n`;
  assert.equal((await check(sdk)).generation, 'sdk');
  assert.equal((await check(sdk)).verdict, 'skipped');
  const notJson = await check('effects ledger v1\n{}\n');
  assert.equal(notJson.verdict, 'skipped');
  assert.match(notJson.reason, /not a JSON header/);
  const merged = await check(
    JSON.stringify({
      kind: 'effects.merged.v1',
      parent_a: `sha256:${'1'.repeat(64)}`,
      parent_b: `sha256:${'2'.repeat(64)}`,
      ancestor: `sha256:${'3'.repeat(64)}`,
      replay_with_new_key: ['irreversible'],
      summary: { a_entries: 4, b_entries: 6, b_irreversible_cached: 4 },
    }),
  );
  assert.equal(merged.kind, 'effects.merged.v1');
  assert.equal(merged.merged?.parentB, '2'.repeat(64));
});

test('bad input: a malformed entry line, an entry line of 17 MiB', async () => {
  const lines = ledgerText(SIX, { secretHex: SECRET }).split('\n');
  lines[2] = '{"ts": broken';
  const malformed = await check(lines.join('\n'));
  assert.equal(malformed.verdict, 'bad');
  assert.equal(malformed.entry, 1);
  const huge = ledgerText(SIX.slice(0, 1), { secretHex: SECRET }) + `{"tool_id":"${'x'.repeat(17 << 20)}"}\n`;
  const long = await check(huge.replace('"entries":1', '"entries":2'));
  assert.equal(long.verdict, 'bad');
  assert.equal(long.entry, 1);
  assert.match(long.reason, /over the limit/);
});

test('a missing or corrupt ledger blob is unreadable, not a verdict', async () => {
  const missing = await readLedger(store, 'f'.repeat(64));
  assert.ok(isUnreadable(missing) && missing.missing);
});

test('the chain HMAC equals node:crypto HMAC-SHA256 for short, block-size and long keys and messages', () => {
  for (const keyBytes of [1, 32, 64, 65, 200]) {
    const key = randomBytes(keyBytes);
    const chain = new ChainHmac(key);
    for (const message of [
      '',
      'a'.repeat(128),
      'b'.repeat(256),
      'c'.repeat(300),
      'é'.repeat(40),
      `é${'d'.repeat(255)}`,
      '€'.repeat(256),
    ]) {
      assert.equal(
        chain.hex(message),
        createHmac('sha256', key).update(message).digest('hex'),
        `${keyBytes} ${message.length}`,
      );
    }
  }
});
