// The in-memory store keeps the same contract as the file store: no-op re-put, re-hash on read, paging.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  IntegrityError,
  BlobNotFoundError,
  InvalidInputError,
  TooLargeToReadError,
} from '../../server/src/store/errors';
import { MemBlobStore } from '../../server/src/store/memBlobStore';
import { sha256Hex } from '../support/storeFixtures';

test('put, get, stat, delete', async () => {
  const s = new MemBlobStore();
  const put = await s.put(Buffer.from('hello'));
  assert.equal(put.hex, sha256Hex('hello'));
  assert.equal(put.created, true);
  assert.equal((await s.put(Buffer.from('hello'))).created, false);
  assert.equal((await s.get(put.hex)).toString(), 'hello');
  assert.equal((await s.readRange(put.hex, 1, 3)).toString(), 'ell');
  assert.equal((await s.stat(put.hex)).decodedBytes, 5);
  assert.equal(await s.delete(put.hex), true);
  await assert.rejects(s.get(put.hex), BlobNotFoundError);
});

test('a corrupted entry is never returned', async () => {
  const s = new MemBlobStore();
  const { hex } = await s.put(Buffer.from('original'));
  s.corruptForTest(hex, Buffer.from('tampered'));
  await assert.rejects(s.get(hex), (e: unknown) => e instanceof IntegrityError && e.kind === 'hash-mismatch');
  const summary = await s.verifyAll();
  assert.deepEqual(
    summary.problems.map((p) => [p.hex, p.kind]),
    [[hex, 'hash-mismatch']],
  );
});

test('the size limit applies to reads', async () => {
  const s = new MemBlobStore(10);
  const { hex } = await s.put(Buffer.alloc(11));
  await assert.rejects(s.get(hex), (e: unknown) => e instanceof TooLargeToReadError);
});

test('pages in digest order with a cursor', async () => {
  const s = new MemBlobStore();
  const hexes: string[] = [];
  for (let i = 0; i < 50; i++) {
    hexes.push((await s.put(Buffer.from(`b${i}`))).hex);
  }
  hexes.sort();
  const seen: string[] = [];
  let after: string | undefined;
  do {
    const page = await s.list({ limit: 7, after });
    seen.push(...page.items.map((i) => i.hex));
    after = page.nextCursor;
  } while (after);
  assert.deepEqual(seen, hexes);
  assert.equal(
    (await s.shardCounts()).reduce((n, c) => n + c.count, 0),
    50,
  );
  await assert.rejects(s.list({ limit: 0 }), InvalidInputError);
  await assert.rejects(s.get('../etc'), InvalidInputError);
});
