// The digest parser: only pf-core's canonical form passes, and every rejection says why.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DigestError,
  findDigestsInText,
  formatDigest,
  parseDigest,
  parseHexPrefix,
  shardOf,
  shortDigest,
  shortHex,
  snapshotLabel,
  tryParseDigest,
} from '../../shared/blobs/digest';

const HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

test('accepts the canonical form and keeps the hex', () => {
  assert.equal(parseDigest(`sha256:${HEX}`), HEX);
  assert.equal(formatDigest(HEX), `sha256:${HEX}`);
});

test('rejects every other form with the reason', () => {
  const cases: Array<[unknown, string, RegExp]> = [
    [HEX, 'missing-prefix', /prefix/],
    [`sha512:${HEX}`, 'wrong-algorithm', /sha512/],
    [`SHA256:${HEX}`, 'uppercase', /lower case/],
    [`sha256:${HEX.toUpperCase()}`, 'uppercase', /upper-case/],
    [`sha256:${HEX.slice(1)}`, 'wrong-length', /63/],
    [`sha256:${HEX}00`, 'wrong-length', /66/],
    [`sha256:${HEX.slice(2)}..`, 'not-hex', /"\."/],
    [`sha256:../../${HEX.slice(6)}`, 'not-hex', /position 7/],
    [`sha256:${HEX.slice(1)}/`, 'not-hex', /"\/"/],
    [`sha256:${HEX.slice(1)}\0`, 'not-hex', /U\+0000/],
    ['', 'empty', /empty/],
    [null, 'empty', /string/],
    [42, 'empty', /string/],
  ];
  for (const [input, reason, message] of cases) {
    const r = tryParseDigest(input);
    assert.equal(r.ok, false, String(input));
    if (!r.ok) {
      assert.ok(r.error instanceof DigestError);
      assert.equal(r.error.reason, reason, String(input));
      assert.match(r.error.message, message, String(input));
    }
  }
  assert.throws(() => formatDigest('A'.repeat(64)), DigestError);
});

test('prefixes for look-ups', () => {
  assert.equal(parseHexPrefix('e3b0'), 'e3b0');
  assert.equal(parseHexPrefix('sha256:e3b0'), 'e3b0');
  assert.throws(() => parseHexPrefix(''), /at least one/);
  assert.throws(() => parseHexPrefix('E3'), /upper-case/);
  assert.throws(() => parseHexPrefix('xyz'), /not a hex digit/);
  assert.throws(() => parseHexPrefix('a'.repeat(65)), /longer/);
});

test('finds digests in text with offsets, valid or not', () => {
  const text = `{"a":"sha256:${HEX}","b":"sha256:ABC","c":"xsha256:${HEX}"}`;
  const found = findDigestsInText(text);
  assert.equal(found.length, 2);
  assert.equal(found[0].hex, HEX);
  assert.equal(text.slice(found[0].start, found[0].end), `sha256:${HEX}`);
  assert.equal(found[1].hex, undefined);
  assert.match(found[1].error!, /upper-case/);
});

test('finds every digest of a 20,000-line document at its offset', () => {
  const line = `{"path":"x","blob":"sha256:${HEX}"}\n`;
  const text = line.repeat(20000);
  const found = findDigestsInText(text);
  assert.equal(found.length, 20000);
  assert.ok(found.every((f, i) => f.start === i * line.length + line.indexOf('sha256:') && f.hex === HEX));
});

test('one short form of a digest everywhere: 12 hex digits, with or without the prefix given', () => {
  const hex = '3f2a9c01b7de' + 'a'.repeat(52);
  assert.equal(shortHex(hex), '3f2a9c01b7de');
  assert.equal(shortHex(`sha256:${hex}`), '3f2a9c01b7de');
  assert.equal(shortDigest(hex), 'sha256:3f2a9c01b7de…');
  assert.equal(shortDigest(`sha256:${hex}`), 'sha256:3f2a9c01b7de…');
  assert.equal(shardOf(hex), '3f');
  assert.equal(shardOf(`sha256:${hex}`), '3f');
  assert.equal(snapshotLabel('before-refactor', hex), 'before-refactor (sha256:3f2a9c01b7de…)');
  assert.equal(snapshotLabel(null, hex), 'sha256:3f2a9c01b7de…');
});
