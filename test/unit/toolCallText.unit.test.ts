// Compare's words for what a record says (issue 39 item 8): each side's verdict (`recordLine`), and the tool calls in words
// rather than JSON Lines, read from real ledgers (one intact, one edited after signing) by the store's own scan.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FsBlobStore } from '../../server/src/store/blobs/fsBlobStore';
import { readLedger } from '../../server/src/store/layers/readLayers';
import { recordLine, toolCallText } from '../../shared/snapshots/toolCallText';
import { entry, ledgerText } from '../support/pfLayers';
import { tempStore, writeBlob } from '../support/storeFixtures';

const SECRET = '2d'.repeat(32);
const calls = ['read_file', 'run_tests', 'git_push'].map((t, i) =>
  entry(i, t, t === 'git_push' ? 'irreversible' : 'pure'),
);

test('the tool calls in words, headed by the verdict; the edited entry marked', async () => {
  const root = tempStore();
  const intact = writeBlob(root, ledgerText(calls, { secretHex: SECRET }));
  const edited = writeBlob(
    root,
    ledgerText(calls, { secretHex: SECRET, tamper: { at: 2, change: (e) => (e.side_effect_class = 'pure') } }),
  );
  const store = new FsBlobStore(root);
  try {
    const left = toolCallText('before', await readLedger(store, intact, { keepEntries: 10 }));
    const right = toolCallText('after', await readLedger(store, edited, { keepEntries: 10 }));
    assert.match(
      left,
      /^before\nRecord intact: chain intact over 3 entries\.\n3 calls\n\n#0 {2}2026-11-20 09:10:00Z {2}read_file {2}pure {2}✓ intact\n/,
    );
    assert.match(left, /#2 {2}2026-11-20 09:10:02Z {2}git_push {2}irreversible {2}✓ intact\n$/);
    assert.match(right, /^after\nRecord NOT intact at entry 2 \(git_push\)/);
    assert.match(right, /#2 {2}2026-11-20 09:10:02Z {2}git_push {2}pure {2}✗ NOT intact\n$/);
    assert.doesNotMatch(left + right, /session_hmac|args_hash|result_hash|sha256:/, 'words, not the JSON');
  } finally {
    await store.close();
  }
  assert.equal(recordLine(null), 'No tool-call record.');
  assert.equal(recordLine({ unreadable: 'gone', missing: true }), 'The tool-call record is missing from the store.');
});
