// The store's worker pool schedules real work on real worker threads: verify batches may run on the calling
// thread (the CLI) and queue two deep on a worker, while anything else waits for a free worker.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { blobsDir } from '../../server/src/store/blobs/blobPaths';
import { WorkerPool } from '../../server/src/store/workers/workerPool';
import type { WorkerRequest } from '../../server/src/store/workers/workerProtocol';
import { flipByte, blobFile, tempStore, writePfcoreBlob } from '../support/storeFixtures';

function batchOf(root: string, hexes: string[]): WorkerRequest {
  return { op: 'verifyBatch', root, blobsDir: blobsDir(root), hexes, maxBytes: 1 << 30, session: 1 };
}

test('with the calling thread helping, a pool of one verifies batches without starting any worker', async () => {
  const root = tempStore();
  const good = writePfcoreBlob(root, 'kept as written');
  const bad = writePfcoreBlob(root, 'corrupted below');
  flipByte(blobFile(root, bad));
  const pool = new WorkerPool(1, { helpOnCallingThread: true });
  try {
    const running = [
      pool.run(batchOf(root, [good, bad])),
      pool.run(batchOf(root, [good])),
      pool.run(batchOf(root, [])),
    ];
    assert.equal(pool.pending, 2, 'the calling thread takes one batch at a time; the others wait their turn');
    const replies = await Promise.all(running);
    assert.deepEqual(pool.postedPerWorker, [], 'no worker was started for batches');
    const [first, second] = replies.map((r) => (r.ok ? r.results : undefined));
    assert.deepEqual(first?.[0], { ok: true, decodedBytes: 15 });
    assert.equal(first?.[1].ok, false, 'the corrupted blob fails on the calling thread too');
    assert.deepEqual(second, [{ ok: true, decodedBytes: 15 }]);
  } finally {
    await pool.close();
  }
});

test('a CLI pool worker holds a second verify batch while it runs one, never a second task of another kind', async () => {
  const root = tempStore();
  const hexes = Array.from({ length: 64 }, (_, i) => writePfcoreBlob(root, `page ${i} `.repeat(200)));
  const cli = { pipelineBatches: true };
  const batches = new WorkerPool(1, cli);
  const compressions = new WorkerPool(1, cli);
  try {
    const running = [0, 1, 2].map(() => batches.run(batchOf(root, hexes)));
    assert.deepEqual(batches.postedPerWorker, [2], 'two batches on the one worker, the third queued');
    assert.equal(batches.pending, 3);
    const frames = [0, 1].map(() => compressions.run({ op: 'compress', data: randomBytes(256 << 10) }));
    assert.deepEqual(compressions.postedPerWorker, [1], 'the second compression waits for a free worker');
    const mixed = new WorkerPool(1, cli);
    const mixedRuns = [mixed.run(batchOf(root, hexes)), mixed.run({ op: 'compress', data: randomBytes(1024) })];
    assert.deepEqual(mixed.postedPerWorker, [1], 'a compression never queues behind a batch on a busy worker');
    assert.ok((await Promise.all(mixedRuns)).every((r) => r.ok));
    await mixed.close();
    for (const reply of await Promise.all(running)) {
      assert.ok(reply.ok && reply.results?.every((r) => r.ok), 'every blob of every batch verifies');
    }
    assert.ok((await Promise.all(frames)).every((r) => r.ok));
    assert.deepEqual(batches.postedPerWorker, [0]);
  } finally {
    await Promise.all([batches.close(), compressions.close()]);
  }
});

test("the language server's pool posts one task per worker: a hover's decode never waits behind two batches", async () => {
  const root = tempStore();
  const hex = writePfcoreBlob(root, 'one page');
  const pool = new WorkerPool(1);
  try {
    const running = [0, 1].map(() => pool.run(batchOf(root, [hex])));
    assert.deepEqual(pool.postedPerWorker, [1]);
    assert.equal(pool.pending, 2);
    assert.ok((await Promise.all(running)).every((r) => r.ok));
  } finally {
    await pool.close();
  }
});

test('a CLI-style pool starts one worker fewer for a verify than for compressions', async () => {
  const pool = new WorkerPool(2, { helpOnCallingThread: true });
  try {
    pool.warm();
    assert.equal(pool.postedPerWorker.length, 1, 'the calling thread stands in for the second worker');
    const frames = [0, 1].map(() => pool.run({ op: 'compress', data: randomBytes(64 << 10) }));
    assert.equal(pool.postedPerWorker.length, 2, 'compressions get every worker');
    assert.ok((await Promise.all(frames)).every((r) => r.ok));
  } finally {
    await pool.close();
  }
});

test('a queued task is dropped when its signal aborts; a closed pool refuses work and fails what waited', async () => {
  const root = tempStore();
  const hex = writePfcoreBlob(root, 'one more page');
  const pool = new WorkerPool(1);
  const running = pool.run({ op: 'compress', data: randomBytes(256 << 10) });
  const controller = new AbortController();
  const dropped = pool.run(batchOf(root, [hex]), { signal: controller.signal });
  const waiting = pool.run(batchOf(root, [hex]));
  assert.equal(pool.pending, 3);
  controller.abort();
  await assert.rejects(dropped, (err: Error) => err.name === 'CancelledError' || /cancel/i.test(err.message));
  assert.equal(pool.pending, 2, 'the aborted task left the queue');
  await assert.rejects(pool.run(batchOf(root, [hex]), { signal: controller.signal }), /cancel/i);
  const closing = pool.close();
  await assert.rejects(waiting, /the store worker pool is closed/);
  await assert.rejects(running, /the store worker pool is closed/, 'the running task ends with its worker');
  await closing;
  await assert.rejects(pool.run(batchOf(root, [hex])), /the store worker pool is closed/);
});
