// A blob's URI: the canonical `/sha256/<hex>`, and a titled one for a tab that says what the blob is. Both name
// the same blob; a title can never add a path segment, hide the digest or carry control characters.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BLOB_SCHEME, blobUri, hexOfBlobPath } from '../../shared/blobUri';

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
