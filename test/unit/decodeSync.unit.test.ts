// The decode + re-hash every verify runs. A blob that decodes in one piece is hashed in one call, any other
// incrementally: these tests build blobs where the two could be confused (several frames, a frame that ends
// where a read ends) and check that each still verifies as its whole content, and fails when it is not.
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { DecodeFailure, READ_SLICE, decodeBytesSync, decodeFileSync } from '../../server/src/store/io/decodeSync';
import { zstdEngine } from '../../server/src/store/io/zstdEngine';
import { pfcoreFrame, sha256Hex, tempStore } from '../support/storeFixtures';

const LIMIT = 1 << 30;

/** A DecodeFailure of this kind (the integrity verdict verify reports). */
const failure = (kind: string) => (err: unknown) => err instanceof DecodeFailure && err.kind === kind;

/** A skippable frame (RFC 8878 3.1.2) of `total` bytes in all: decoders pass over it, producing nothing. */
function skippableFrame(total: number): Buffer {
  const frame = Buffer.alloc(total);
  frame.writeUInt32LE(0x184d2a50, 0);
  frame.writeUInt32LE(total - 8, 4);
  return frame;
}

function decodeToText(file: Buffer, hex: string): { text: string; decoded: number } {
  const dir = tempStore('pf-decode-');
  const p = path.join(dir, 'blob.zst');
  fs.writeFileSync(p, file);
  const chunks: Buffer[] = [];
  const decoded = decodeFileSync(p, hex, LIMIT, (chunk) => chunks.push(Buffer.from(chunk)));
  return { text: Buffer.concat(chunks).toString(), decoded };
}

test('a blob of one small frame verifies, and the same frame under another digest is a hash mismatch', () => {
  const frame = pfcoreFrame(Buffer.from('one piece'));
  assert.equal(decodeBytesSync(frame, sha256Hex('one piece'), LIMIT), 9);
  assert.throws(
    () => decodeBytesSync(frame, sha256Hex('one piece!'), LIMIT),
    (err: unknown) => err instanceof DecodeFailure && err.kind === 'hash-mismatch',
  );
});

test('an empty blob (a frame of no content) hashes as the empty string', () => {
  assert.equal(decodeBytesSync(pfcoreFrame(new Uint8Array(0)), sha256Hex(''), LIMIT), 0);
});

test('two small frames in one file verify as their joined content, not as the first frame alone', () => {
  const file = Buffer.concat([pfcoreFrame(Buffer.from('hello, ')), pfcoreFrame(Buffer.from('world'))]);
  assert.deepEqual(decodeToText(file, sha256Hex('hello, world')), { text: 'hello, world', decoded: 12 });
  assert.throws(
    () => decodeBytesSync(file, sha256Hex('hello, '), LIMIT),
    (err: unknown) => err instanceof DecodeFailure && err.kind === 'hash-mismatch',
  );
});

test('a frame that ends exactly where a read ends, followed by another, verifies as the whole', () => {
  const first = zstdEngine().createCompressor(1).compress(Buffer.from('ab'));
  const second = pfcoreFrame(Buffer.from('cd'));
  // Skippable padding puts the end of the first frame on the boundary of the first read.
  const file = Buffer.concat([skippableFrame(READ_SLICE - first.length), first, second]);
  assert.equal(file.indexOf(second), READ_SLICE);
  assert.deepEqual(decodeToText(file, sha256Hex('abcd')), { text: 'abcd', decoded: 4 });
});

test('a blob larger than one output piece verifies through the incremental hash', () => {
  const data = Buffer.alloc(3 * zstdEngine().outSize + 17, 'pf');
  const frame = pfcoreFrame(data);
  assert.equal(decodeBytesSync(frame, sha256Hex(data), LIMIT), data.length);
  data[data.length - 1] ^= 1;
  assert.throws(
    () => decodeBytesSync(frame, sha256Hex(data), LIMIT),
    (err: unknown) => err instanceof DecodeFailure && err.kind === 'hash-mismatch',
  );
});

test('each way a blob file can be bad has its own verdict, and says what it found', () => {
  const good = pfcoreFrame(Buffer.from('a good blob, then damaged'));
  const hex = sha256Hex('a good blob, then damaged');
  const said = (kind: string, words: RegExp) => (err: unknown) =>
    failure(kind)(err) && words.test((err as Error).message);
  assert.throws(() => decodeBytesSync(new Uint8Array(0), hex, LIMIT), said('empty', /empty \(no zstd frame\)/));
  assert.throws(
    () => decodeBytesSync(good.subarray(0, good.length - 2), hex, LIMIT),
    said('truncated', new RegExp(`ends inside a frame after ${good.length - 2} bytes`)),
  );
  assert.throws(
    () => decodeBytesSync(Buffer.from('not zstd at all'), hex, LIMIT),
    said('corrupt-frame', /^zstd could not decode it: \S/),
  );
  assert.throws(
    () => decodeBytesSync(good, sha256Hex('something else'), LIMIT),
    said('hash-mismatch', new RegExp(`hashes to sha256:${hex}$`)),
  );
  // The limit counts decoded bytes: one under the size fails, the size itself passes.
  assert.throws(() => decodeBytesSync(good, hex, 24), said('too-large', /more than the limit of 24 bytes/));
  assert.equal(decodeBytesSync(good, hex, 25), 25);
});

test('a blob larger than one read decodes whole, from a file and from memory', () => {
  // Random bytes do not compress: the frame is longer than a read, so the second read starts mid-frame.
  const data = crypto.randomBytes(READ_SLICE + 50_000);
  const frame = pfcoreFrame(data);
  assert.ok(frame.length > READ_SLICE);
  assert.equal(decodeBytesSync(frame, sha256Hex(data), LIMIT), data.length);
  assert.equal(decodeToText(frame, sha256Hex(data)).decoded, data.length);
});

test('a frame that declares its size decodes when the size is within the limit, up to the limit itself', () => {
  const data = Buffer.alloc(4096, 'z');
  const declared = zstdEngine().createCompressor(1).compress(data);
  assert.equal(decodeBytesSync(declared, sha256Hex(data), LIMIT), 4096);
  assert.equal(decodeBytesSync(declared, sha256Hex(data), 4096), 4096);
});

test('decoding closes the file it opened, whether the blob is good or bad', () => {
  const dir = tempStore('pf-decode-fds-');
  const good = path.join(dir, 'good.zst');
  const bad = path.join(dir, 'bad.zst');
  fs.writeFileSync(good, pfcoreFrame(Buffer.from('fine')));
  fs.writeFileSync(bad, Buffer.from('not a frame'));
  const openFiles = () => fs.readdirSync('/proc/self/fd').length;
  const before = openFiles();
  for (let i = 0; i < 50; i++) {
    decodeFileSync(good, sha256Hex('fine'), LIMIT, () => undefined);
    assert.throws(() => decodeFileSync(bad, sha256Hex('fine'), LIMIT, () => undefined), failure('corrupt-frame'));
  }
  assert.equal(openFiles(), before);
});

test('a frame that declares more than the limit is refused before it is decoded', () => {
  const declared = zstdEngine().createCompressor(1).compress(Buffer.alloc(4096, 'z'));
  assert.throws(
    () => decodeBytesSync(declared, sha256Hex(Buffer.alloc(4096, 'z')), 1000),
    (err: unknown) => failure('too-large')(err) && /declares 4096 bytes/.test((err as Error).message),
  );
});

test('a blob reached through a shard folder that links out of the store is refused, unread', () => {
  const store = tempStore('pf-decode-root-');
  const outside = tempStore('pf-decode-outside-');
  const data = Buffer.from('outside the store');
  fs.writeFileSync(path.join(outside, 'blob.zst'), pfcoreFrame(data));
  fs.symlinkSync(outside, path.join(store, 'ab'));
  const file = path.join(store, 'ab', 'blob.zst');
  assert.throws(
    () => decodeFileSync(file, sha256Hex(data), LIMIT, () => undefined, store),
    (err: unknown) => err instanceof Error && /leaves the store/.test(err.message),
  );
  // Without a store root to hold it to (a file the user named), the same file reads.
  assert.equal(
    decodeFileSync(file, sha256Hex(data), LIMIT, () => undefined),
    data.length,
  );
  // And a real shard folder inside the store passes the check.
  fs.mkdirSync(path.join(store, 'cd'));
  fs.copyFileSync(path.join(outside, 'blob.zst'), path.join(store, 'cd', 'blob.zst'));
  const inside = path.join(store, 'cd', 'blob.zst');
  assert.equal(
    decodeFileSync(inside, sha256Hex(data), LIMIT, () => undefined, store),
    data.length,
  );
});
