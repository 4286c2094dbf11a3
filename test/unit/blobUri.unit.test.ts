// A blob's URI: the canonical `/sha256/<hex>`, and a titled one for a tab that says what the blob is. Both name
// the same blob; a title can never add a path segment, hide the digest or carry control characters.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BLOB_SCHEME, blobUri, hexOfBlobPath } from '../../shared/blobs/blobUri';

const HEX = 'ab'.repeat(32);
const pathOf = (uri: string) => decodeURIComponent(uri.slice(`${BLOB_SCHEME}:`.length));

test('canonical and titled URIs name the same blob', () => {
  assert.equal(blobUri(HEX), `${BLOB_SCHEME}:/sha256/${HEX}`);
  const titled = blobUri(HEX, 'Conversation · before-refactor');
  assert.equal(pathOf(titled), `/sha256/${HEX}/Conversation · before-refactor`);
  assert.equal(hexOfBlobPath(pathOf(titled)), HEX);
  assert.equal(hexOfBlobPath(`/sha256/${HEX}`), HEX);
  assert.equal(hexOfBlobPath(`/sha256/${HEX}.json`), HEX);
});

test('a title stays one clean segment, cut to a tab’s length', () => {
  const sneaky = pathOf(blobUri(HEX, 'a/../../b\\c\u0007d\u009be'));
  assert.equal(sneaky, `/sha256/${HEX}/a .. .. b c d e`);
  assert.equal(hexOfBlobPath(sneaky), HEX);
  const long = pathOf(blobUri(HEX, 'x'.repeat(500)));
  assert.equal(long.split('/')[3].length, 80);
  assert.equal(blobUri(HEX, ' \n '), blobUri(HEX), 'an empty title is no title');
});

test('anything else is not a blob path', () => {
  for (const p of [
    `/sha256/${HEX}/a/b`,
    `/sha256/${HEX}/`,
    `/sha256/${HEX.toUpperCase()}`,
    `/sha512/${HEX}`,
    `/sha256/${HEX.slice(1)}`,
  ]) {
    assert.equal(hexOfBlobPath(p), undefined, p);
  }
});

test('the edges of a title: 80 characters kept whole, control characters of both ranges replaced', () => {
  const eighty = 'y'.repeat(80);
  assert.equal(pathOf(blobUri(HEX, eighty)).split('/')[3], eighty);
  const cut = pathOf(blobUri(HEX, 'z'.repeat(81))).split('/')[3];
  assert.equal(cut, `${'z'.repeat(79)}…`);
  for (const c of ['\u0000', '\u001f', '\u007f', '\u0085', '\u009f', '\u202e', '\u2066', '\u200f']) {
    assert.equal(pathOf(blobUri(HEX, `a${c}b`)).split('/')[3], 'a b', JSON.stringify(c));
  }
  assert.equal(pathOf(blobUri(HEX, 'a\u00a0b')).split('/')[3], 'a\u00a0b', 'a no-break space is a character');
  assert.equal(pathOf(blobUri(HEX, 'a\u0000\u0001/\\b')).split('/')[3], 'a b', 'a run of them is one space');
});

test('an extension is letters and digits after one dot, and the path is anchored at both ends', () => {
  assert.equal(hexOfBlobPath(`/sha256/${HEX}.zst`), HEX);
  for (const p of [
    `/sha256/${HEX}.`,
    `/sha256/${HEX}.j-s`,
    `x/sha256/${HEX}`,
    `/sha256/${HEX}/t/`,
    `/sha256/${HEX}x`,
  ]) {
    assert.equal(hexOfBlobPath(p), undefined, p);
  }
});
