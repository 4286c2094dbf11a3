// FsBlobStore against independent tools: stores written by the zstd and sha256sum commands, and our blobs
// read back by them; corruption of every kind; paging; multi-frame blobs; streaming reads.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FsBlobStore } from '../../server/src/store/blobs/fsBlobStore';
import { IntegrityError, InvalidInputError, StoreError, TooLargeToReadError } from '../../server/src/store/errors';
import {
  blobFile,
  deadPid,
  ourTempName,
  flipByte,
  sha256Hex,
  tempStore,
  writeManyBlobs,
} from '../support/storeFixtures';
import { textBytes } from '../../bench/benchData';
import { appendAll } from '../../shared/common/arrays';

function sh(cmd: string, input?: Buffer): Buffer {
  return execFileSync('bash', ['-c', cmd], { input, maxBuffer: 1 << 28 });
}

/** Writes a blob the way a shell user following the spec would: sha256sum names it, zstd -19 writes it. */
function cliPut(root: string, data: Buffer): string {
  const hex = sh('sha256sum | cut -c1-64', data).toString().trim();
  const file = blobFile(root, hex);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  sh(`zstd -19 -q -c > "${file}"`, data);
  return hex;
}

async function integrityKind(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof IntegrityError, `expected an IntegrityError, got ${(err as Error).message}`);
    return err.kind;
  }
  assert.fail('expected an integrity error');
}

describe('FsBlobStore', () => {
  let root: string;
  let store: FsBlobStore;
  before(() => {
    root = tempStore();
    store = new FsBlobStore(root, { maxBlobBytes: 64 << 20 });
  });
  after(async () => {
    await store.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('reads and verifies a store written by zstd and sha256sum', async () => {
    const inputs = [Buffer.from(''), Buffer.from('one line\n'), textBytes(200_000, 3)];
    const hexes = inputs.map((d) => cliPut(root, d));
    assert.equal(hexes[0], 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    for (let i = 0; i < inputs.length; i++) {
      assert.deepEqual(await store.get(hexes[i]), inputs[i]);
      assert.equal((await store.verify(hexes[i])).ok, true);
      // zstd reading a pipe does not know the length, so its frames carry no content size.
      assert.equal((await store.stat(hexes[i])).decodedBytes, i === 0 ? 0 : undefined); // (an empty input still gets a one-byte size)
    }
  });

  test('writes blobs that zstd -d and sha256sum accept, at zstd -19 size', async () => {
    const data = textBytes(1 << 20, 11);
    const put = await store.put(data);
    assert.equal(put.hex, sha256Hex(data));
    assert.equal((await store.stat(put.hex)).decodedBytes, data.length);
    assert.equal(put.created, true);
    const file = blobFile(root, put.hex);
    assert.equal(sh(`zstd -dc "${file}" | sha256sum | cut -c1-64`).toString().trim(), put.hex);
    const z19 = sh('zstd -19 -q -c | wc -c', data).toString().trim();
    const z3 = sh('zstd -3 -q -c | wc -c', data).toString().trim();
    const ours = fs.statSync(file).size;
    assert.ok(Math.abs(ours - Number(z19)) / Number(z19) < 0.03, `ours ${ours} vs zstd -19 ${z19}`);
    assert.ok(ours < Number(z3) * 0.9, `ours ${ours} should be well under zstd -3's ${z3}`);
    // No temp file is left beside it.
    assert.deepEqual(
      fs.readdirSync(path.dirname(file)).filter((n) => n.includes('.tmp.')),
      [],
    );
  });

  test('put of an existing good blob does not rewrite it (only refreshes its mtime, for gc)', async () => {
    const data = Buffer.from('same content, same name');
    await store.put(data);
    const file = blobFile(root, sha256Hex(data));
    const bytes = fs.readFileSync(file);
    const before = fs.statSync(file);
    const again = await store.put(data);
    assert.equal(again.created, false);
    assert.equal(fs.statSync(file).ino, before.ino, 'the file was replaced');
    assert.deepEqual(fs.readFileSync(file), bytes);
  });

  test('a blob over the frame size is several frames that zstd reads as one stream', async () => {
    const file = path.join(root, '..', `big-${process.pid}.txt`);
    fs.writeFileSync(file, textBytes(9 << 20, 21));
    try {
      const put = await store.putFile(file);
      assert.equal(put.rawBytes, 9 << 20);
      const blob = blobFile(root, put.hex);
      assert.equal(
        sh(`zstd -dc "${blob}" | sha256sum | cut -c1-64`).toString().trim(),
        sha256Hex(fs.readFileSync(file)),
      );
      assert.equal((await store.stat(put.hex)).decodedBytes, 9 << 20);
      const slice = await store.readRange(put.hex, (4 << 20) - 10, 20);
      assert.deepEqual(slice, fs.readFileSync(file).subarray((4 << 20) - 10, (4 << 20) + 10));
      const out = path.join(root, '..', `big-out-${process.pid}.txt`);
      assert.equal(await store.getToFile(put.hex, out), 9 << 20);
      assert.equal(sha256Hex(fs.readFileSync(out)), put.hex);
      fs.rmSync(out);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  test('corruption of every kind is an integrity error, and verifyAll names each', async () => {
    const fresh = tempStore();
    const s = new FsBlobStore(fresh, { maxBlobBytes: 1 << 20 });
    try {
      const make = (text: string) => cliPut(fresh, Buffer.from(text.repeat(200)));
      const flipped = make('flip me ');
      flipByte(blobFile(fresh, flipped));
      const truncated = make('truncate me ');
      const tf = blobFile(fresh, truncated);
      fs.truncateSync(tf, fs.statSync(tf).size - 5);
      const garbage = make('garbage ');
      fs.writeFileSync(blobFile(fresh, garbage), 'this is not zstd at all');
      const empty = make('empty ');
      fs.writeFileSync(blobFile(fresh, empty), '');
      const wrongContent = make('wrong content ');
      fs.writeFileSync(blobFile(fresh, wrongContent), sh('zstd -19 -q -c', Buffer.from('other bytes')));
      // A bomb: 64 MiB of zeros compresses to a few KiB and declares its size in the header.
      const bomb = cliPut(fresh, Buffer.alloc(64 << 20));
      const misplaced = make('misplaced ');
      const wrongShard = path.join(fresh, 'blobs', 'sha256', misplaced.slice(0, 2) === '00' ? '01' : '00');
      fs.mkdirSync(wrongShard, { recursive: true });
      fs.renameSync(blobFile(fresh, misplaced), path.join(wrongShard, `${misplaced}.zst`));
      const good = make('good ');

      assert.ok(['corrupt-frame', 'hash-mismatch'].includes(await integrityKind(s.get(flipped))));
      assert.equal(await integrityKind(s.get(truncated)), 'truncated');
      assert.equal(await integrityKind(s.get(garbage)), 'corrupt-frame');
      assert.equal(await integrityKind(s.get(empty)), 'empty');
      assert.equal(await integrityKind(s.get(wrongContent)), 'hash-mismatch');
      // Too large to read into memory here, yet a good blob: not an integrity failure.
      await assert.rejects(s.get(bomb), (e: unknown) => e instanceof TooLargeToReadError);
      await assert.rejects(s.get(misplaced), (e: unknown) => e instanceof StoreError && e.code === 'not-found');

      const summary = await s.verifyAll();
      const kinds = new Map(summary.problems.map((p) => [p.hex, p.kind]));
      assert.equal(kinds.get(truncated), 'truncated');
      assert.equal(kinds.get(garbage), 'corrupt-frame');
      assert.equal(kinds.get(empty), 'empty');
      assert.equal(kinds.get(wrongContent), 'hash-mismatch');
      assert.equal(kinds.has(bomb), false, 'verify streams: a large good blob passes whatever the memory limit');
      assert.equal(kinds.get(misplaced), 'misplaced');
      assert.ok(kinds.has(flipped));
      assert.equal(kinds.has(good), false);
      assert.equal(summary.ok, 2);
    } finally {
      await s.close();
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  });

  test('a bomb without a declared size is stopped while decoding', async () => {
    const fresh = tempStore();
    const s = new FsBlobStore(fresh, { maxBlobBytes: 1 << 20 });
    try {
      // zstd writes no content size when it reads from a pipe of unknown length.
      const data = Buffer.alloc(8 << 20, 1);
      const hex = sha256Hex(data);
      fs.mkdirSync(path.dirname(blobFile(fresh, hex)), { recursive: true });
      sh(
        `head -c ${8 << 20} /dev/zero | tr '\\0' '\\1' | zstd -19 -q --no-content-size -c > "${blobFile(fresh, hex)}"`,
      );
      assert.equal((await s.stat(hex)).decodedBytes, undefined);
      await assert.rejects(s.get(hex), (e: unknown) => e instanceof TooLargeToReadError);
      assert.equal(await s.decodedSize(hex), 8 << 20, 'the exact size, learned by decoding once');
    } finally {
      await s.close();
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  });

  test('getToFile leaves nothing at the destination when the blob is bad', async () => {
    const hex = cliPut(root, Buffer.from('soon corrupt '.repeat(100)));
    flipByte(blobFile(root, hex));
    const dest = path.join(root, '..', `dest-${process.pid}.bin`);
    await assert.rejects(store.getToFile(hex, dest), IntegrityError);
    assert.equal(fs.existsSync(dest), false);
    assert.deepEqual(
      fs.readdirSync(path.dirname(dest)).filter((n) => n.includes(`dest-${process.pid}`)),
      [],
    );
  });

  test('pages through shards with a cursor: no duplicates, no gaps', async () => {
    const fresh = tempStore();
    const s = new FsBlobStore(fresh);
    try {
      const all = writeManyBlobs(fresh, 1500, 'paging').sort();
      for (const limit of [1, 7, 100, 1500, 5000]) {
        const seen: string[] = [];
        let after: string | undefined;
        do {
          const page = await s.list({ limit, after });
          assert.ok(page.items.length <= limit);
          appendAll(
            seen,
            page.items.map((i) => i.hex),
          );
          after = page.nextCursor;
        } while (after);
        assert.deepEqual(seen, all, `limit ${limit}`);
      }
      const counts = await s.shardCounts();
      assert.equal(
        counts.reduce((n, c) => n + c.count, 0),
        1500,
      );
      const shard = counts[3].shard;
      const page = await s.list({ shard, limit: 5000 });
      assert.deepEqual(
        page.items.map((i) => i.hex),
        all.filter((h) => h.startsWith(shard)),
      );
      await assert.rejects(s.list({ limit: 0 }), InvalidInputError);
      await assert.rejects(s.list({ limit: 10, shard: '../x' }), InvalidInputError);
    } finally {
      await s.close();
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  });

  test('refuses anything but 64 lower-case hex before building a path', async () => {
    for (const bad of ['../../../etc/passwd', 'A'.repeat(64), 'abc', `${'a'.repeat(63)}/`, `${'a'.repeat(63)}\0`]) {
      await assert.rejects(store.get(bad), InvalidInputError);
      await assert.rejects(store.stat(bad), InvalidInputError);
      await assert.rejects(store.delete(bad), InvalidInputError);
    }
  });

  test('delete removes a blob, and physicalBytes counts what is on disk', async () => {
    const before = await store.physicalBytes();
    const put = await store.put(Buffer.from('to be deleted'));
    assert.equal(await store.physicalBytes(), before + put.storedBytes);
    assert.equal(await store.delete(put.hex), true);
    assert.equal(await store.delete(put.hex), false);
    assert.equal(await store.has(put.hex), false);
    assert.equal(await store.physicalBytes(), before);
  });

  test('sweepTemp removes temp files of dead writers and keeps the living', async () => {
    const hex = sha256Hex('temp owner');
    const dir = path.dirname(blobFile(root, hex));
    fs.mkdirSync(dir, { recursive: true });
    const dead = path.join(dir, ourTempName(hex, deadPid(), 1));
    const alive = path.join(dir, ourTempName(hex, process.pid, 99));
    fs.writeFileSync(dead, 'x');
    fs.writeFileSync(alive, 'y');
    const dry = await store.sweepTemp({ dryRun: true });
    assert.ok(dry.removed.includes(dead) && fs.existsSync(dead));
    const real = await store.sweepTemp();
    assert.ok(real.removed.includes(dead));
    assert.ok(real.kept.includes(alive));
    assert.equal(fs.existsSync(dead), false);
    fs.rmSync(alive);
  });

  test('cancellation stops a verify between blobs', async () => {
    const fresh = tempStore();
    const s = new FsBlobStore(fresh);
    try {
      writeManyBlobs(fresh, 3000, 'cancel');
      const controller = new AbortController();
      const summary = await s.verifyAll({
        signal: controller.signal,
        onResult: (_r, done) => done === 100 && controller.abort(),
      });
      assert.equal(summary.cancelled, true);
      assert.ok(summary.checked >= 100 && summary.checked < 3000, `checked ${summary.checked}`);
    } finally {
      await s.close();
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  });
});

test('edges a caller can hit: a folder to put, a large file put twice, bad ranges, odd get destinations, a FIFO to push', async () => {
  const root = tempStore();
  const store = new FsBlobStore(root);
  const work = fs.mkdtempSync(path.join(path.dirname(root), 'pf-edges-'));
  try {
    await assert.rejects(
      store.putFile(work),
      (e: unknown) => e instanceof InvalidInputError && /not a regular file/.test(String(e)),
    );
    // Over one frame: hashed first, then found already stored the second time.
    const large = path.join(work, 'large.bin');
    fs.writeFileSync(large, textBytes((4 << 20) + 4096, 77));
    const first = await store.putFile(large);
    assert.equal(first.created, true);
    const again = await store.putFile(large);
    assert.deepEqual(again, {
      hex: first.hex,
      created: false,
      rawBytes: first.rawBytes,
      storedBytes: first.storedBytes,
    });

    await assert.rejects(store.readRange(first.hex, -1, 3), /non-negative offset and length/);
    await assert.rejects(store.readRange(first.hex, 0, 1.5), /non-negative offset and length/);

    const aFile = path.join(work, 'plain.txt');
    fs.writeFileSync(aFile, 'x');
    await assert.rejects(store.getToFile(first.hex, path.join(aFile, 'out')), /is not a folder/);
    const fifo = path.join(work, 'pipe');
    execFileSync('mkfifo', [fifo]);
    await assert.rejects(store.getToFile(first.hex, fifo), /it is not a regular file/);

    // What a push reads: the stored frame, only from a regular file.
    const small = await store.put(Buffer.from('pushed as stored\n'));
    assert.ok((await store.readCompressed(small.hex)).length > 0);
    await assert.rejects(
      store.readCompressed('0'.repeat(64)),
      (e: unknown) => e instanceof StoreError && e.code === 'not-found',
    );
    fs.rmSync(blobFile(root, small.hex));
    execFileSync('mkfifo', [blobFile(root, small.hex)]);
    await assert.rejects(
      store.readCompressed(small.hex),
      (e: unknown) => e instanceof IntegrityError && /named pipe/.test(e.message),
    );
  } finally {
    await store.close();
  }
});
