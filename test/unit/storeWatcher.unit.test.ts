// The store watcher after its folders are removed and made again (issue 35 item 4): a user deleting a damaged
// shard, a sync tool replacing blobs/, a restore of images/. What is written afterwards must still reach the
// server, on a real file system with real inotify watches.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, test } from 'node:test';
import { StoreWatcher, type WatchBatch } from '../../server/src/host/storeWatcher';
import { blobFile, sha256Hex, tempStore } from '../support/storeFixtures';

let watcher: StoreWatcher | undefined;
afterEach(() => watcher?.dispose());

/** Starts a watcher and collects its batches; `until` waits for a batch that satisfies `want` (or fails after 10 s). */
function watch(root: string, rescanMs = 60_000) {
  const batches: WatchBatch[] = [];
  watcher = new StoreWatcher(root, (b) => batches.push(b), 20, rescanMs);
  watcher.start();
  const until = async (want: (b: WatchBatch) => boolean, what: string) => {
    for (let waited = 0; waited < 10_000; waited += 25) {
      if (batches.some(want)) {
        return;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.fail(`the watcher never reported ${what}`);
  };
  return { batches, until };
}

const settle = () => new Promise((r) => setTimeout(r, 150));

function putBlob(root: string, text: string): string {
  const hex = sha256Hex(text);
  fs.mkdirSync(path.dirname(blobFile(root, hex)), { recursive: true });
  fs.writeFileSync(blobFile(root, hex), 'stand-in bytes: the watcher looks at names only');
  return hex;
}

test('a shard folder removed and made again: blobs written into it afterwards are heard', async () => {
  const root = tempStore();
  const first = putBlob(root, 'first');
  const w = watch(root);
  const shard = path.dirname(blobFile(root, first));
  fs.rmSync(shard, { recursive: true });
  await settle();
  fs.mkdirSync(shard);
  await settle();
  w.batches.length = 0;
  const again = sha256Hex('first');
  fs.writeFileSync(blobFile(root, again), 'put back');
  await w.until((b) => b.touched.has(again), 'the blob written into the new shard');
});

test('images/ removed and restored: a snapshot cataloged afterwards is heard', async () => {
  const root = tempStore();
  fs.mkdirSync(path.join(root, 'images'));
  putBlob(root, 'x');
  const w = watch(root);
  fs.rmSync(path.join(root, 'images'), { recursive: true });
  await settle();
  fs.mkdirSync(path.join(root, 'images'));
  await settle();
  w.batches.length = 0;
  fs.writeFileSync(path.join(root, 'images', `${'ab'.repeat(32)}.json`), '{}');
  await w.until((b) => b.imagesChanged, 'the new catalog entry');
});

test('blobs/ replaced whole (a restore): later writes are heard', async () => {
  const root = tempStore();
  putBlob(root, 'old');
  const w = watch(root);
  fs.rmSync(path.join(root, 'blobs'), { recursive: true });
  await settle();
  const hex = putBlob(root, 'new');
  await settle();
  w.batches.length = 0;
  const later = sha256Hex('later, same shard?');
  fs.mkdirSync(path.dirname(blobFile(root, later)), { recursive: true });
  fs.writeFileSync(blobFile(root, later), 'x');
  fs.writeFileSync(blobFile(root, hex), 'rewritten');
  // A shard first seen with files already in it is reported whole (the server re-reads it), a known one by name.
  await w.until((b) => b.touched.has(later) || b.shards.has(later.slice(0, 2)), 'the new shard of the restored blobs/');
  await w.until((b) => b.touched.has(hex), 'the write into a shard made with the restored blobs/');
});

test('a folder swapped for another by rename, which no parent event names as such, is found by the rescan', async () => {
  const root = tempStore();
  const hex = putBlob(root, 'swapped');
  const shard = path.dirname(blobFile(root, hex));
  const w = watch(root, 100);
  // Made elsewhere and renamed over: the shard's name never goes away, only its inode changes.
  const staged = path.join(root, 'staged');
  fs.mkdirSync(staged);
  fs.rmSync(shard, { recursive: true });
  fs.renameSync(staged, shard);
  await settle();
  w.batches.length = 0;
  await settle();
  fs.writeFileSync(blobFile(root, hex), 'back');
  await w.until((b) => b.touched.has(hex), 'the write into the swapped shard');
});
