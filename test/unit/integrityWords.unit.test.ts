// What a failed check means in words, the kind a verifier's message names, and who a bad blob hurts: the
// sentences the editor's report, its Problems entries and `pfstore verify` share.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INTEGRITY_KINDS, integrityKindOf, integrityMeaning, usersText } from '../../shared/checks/integrityWords';

test('every integrity kind has its own meaning; an unknown kind gets the general one', () => {
  const general = integrityMeaning(undefined);
  assert.match(general, /failed its integrity check/);
  assert.equal(integrityMeaning('no-such-kind'), general);
  const meanings = [...INTEGRITY_KINDS].map((k) => integrityMeaning(k));
  assert.equal(new Set(meanings).size, INTEGRITY_KINDS.size, 'no two kinds share a sentence');
  assert.ok(meanings.every((m) => m !== general && m.length > 20));
  assert.deepEqual([...INTEGRITY_KINDS].sort(), [
    'corrupt-frame',
    'empty',
    'hash-mismatch',
    'misplaced',
    'not-a-file',
    'too-large',
    'truncated',
    'unreadable',
  ]);
  assert.match(integrityMeaning('truncated'), /cut short/);
  assert.match(integrityMeaning('hash-mismatch'), /does not match its name/);
  assert.match(integrityMeaning('not-found'), /not in the store/);
});

test("the kind a verifier's message names", () => {
  const digest = `sha256:${'ab'.repeat(32)}`;
  for (const kind of ['hash-mismatch', 'corrupt-frame', 'truncated', 'empty', 'too-large', 'misplaced', 'not-a-file']) {
    assert.equal(integrityKindOf(`blob ${digest} failed its integrity check (${kind}): detail`), kind);
    assert.equal(integrityKindOf(`${kind}: blob ${digest} failed`), kind);
  }
  assert.equal(integrityKindOf('unreadable: EACCES'), 'unreadable');
  assert.equal(integrityKindOf('the disk is (unreadable) today'), undefined);
  assert.equal(integrityKindOf('blob failed (hash-mismatchy)'), undefined);
  assert.equal(integrityKindOf('something else: truncated'), undefined);
  assert.equal(integrityKindOf('note truncated: at the start only'), undefined);
});

test('who a bad blob hurts, short enough for a Problems row', () => {
  assert.equal(usersText([]), 'no snapshot uses it');
  assert.equal(usersText(['a']), 'used by snapshot a');
  assert.equal(usersText(['a', 'b']), 'used by snapshots a and b');
  assert.equal(usersText(['a', 'b', 'c']), 'used by snapshots a, b and c');
  assert.equal(usersText(['a', 'b', 'c', 'd', 'e']), 'used by snapshots a, b, c and 2 more');
  assert.equal(usersText(['a', 'b'], 7), 'used by snapshots a, b and 5 more');
  assert.equal(usersText(['a'], 1, 1), 'used by snapshot a');
});
