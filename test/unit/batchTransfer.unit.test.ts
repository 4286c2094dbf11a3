// Pushes and pulls of many small blobs through a folder registry go in worker batches: each blob copied with its
// check on the way, the batch made durable together (one sync of the file system from 128 files, else an fsync
// each), and only then renamed into place. These tests hold a snapshot whose fs tree names 300 files, every
// blob framed as pf-core frames it, and check what lands, what is refused and what is left behind.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseRemote } from '../../server/src/remotes/remoteRef';
import { pullFrom, pushTo } from '../../server/src/remotes/remotes';
import { FsBlobStore } from '../../server/src/store/blobs/fsBlobStore';
import { commitStaged, SYNC_FILE_SYSTEM_FROM } from '../../server/src/store/io/stagedCommit';
import { resetFileSystemSync, syncFileSystems } from '../../server/src/store/io/fileSystemSync';
import { writePfImage } from '../support/pfLayers';
import { blobFile, flipByte, tempStore, writePfcoreBlob } from '../support/storeFixtures';

const FILES = 300;

/** Every regular file under `dir` (relative paths), temp files included. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) {
    return [];
  }
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => fs.lstatSync(path.join(dir, f)).isFile())
    .sort();
}

/** Temp files a writer left: ours (`<hex>.tmp.<pid>...`) and a registry's (`.<name>.pfstore-...`). */
function leftovers(dir: string): string[] {
  return filesUnder(dir).filter((f) => /\.tmp\.|\.pfstore-/.test(path.basename(f)));
}

/** A store holding one image whose fs tree names FILES small files, each blob in pf-core's frame. */
function writeManyFileSnapshot(root: string, files = FILES): { imageHex: string; fileHexes: string[] } {
  const entries = Array.from({ length: files }, (_, i) => {
    const content = `# module ${i}\nprint(${i})\n`;
    return {
      path: `src/m${String(i).padStart(4, '0')}.py`,
      mode: '0644',
      size: Buffer.byteLength(content),
      kind: 'file',
      blob: `sha256:${writePfcoreBlob(root, content)}`,
    };
  });
  const fileHexes = entries.map((e) => e.blob.slice('sha256:'.length));
  const tree = JSON.stringify({ kind: 'fs.tree.v1', entries });
  const { hex } = writePfImage(root, { name: 'many-files', createdAt: '2026-12-08T10:00:00Z', fs: tree });
  return { imageHex: hex, fileHexes };
}

describe('batched transfers through a folder registry', () => {
  const dirs: string[] = [];
  const fresh = (prefix?: string) => {
    const d = tempStore(prefix);
    dirs.push(d);
    return d;
  };
  let source: string;
  let image: ReturnType<typeof writeManyFileSnapshot>;

  before(() => {
    source = fresh();
    image = writeManyFileSnapshot(source);
  });
  after(() => {
    resetFileSystemSync();
    for (const d of dirs) {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });

  async function push(store: string, location: string) {
    const blobs = new FsBlobStore(store);
    try {
      return await pushTo(blobs, image.imageHex, parseRemote(`file://${location}`));
    } finally {
      await blobs.close();
    }
  }

  async function pull(store: string, location: string) {
    const blobs = new FsBlobStore(store);
    try {
      return await pullFrom(blobs, parseRemote(`file://${location}`));
    } finally {
      await blobs.close();
    }
  }

  test('a round trip: every stored byte as it was, the pulled store verifies, nothing left behind', async () => {
    const registry = path.join(fresh('pf-reg-'), 'img');
    const pushed = await push(source, registry);
    assert.equal(pushed.uploaded, pushed.blobs);
    assert.ok(pushed.blobs > FILES, `the closure holds the ${FILES} files and the layers`);
    for (const hex of image.fileHexes) {
      assert.deepEqual(
        fs.readFileSync(path.join(registry, 'blobs', 'sha256', hex.slice(0, 2), `${hex}.zst`)),
        fs.readFileSync(blobFile(source, hex)),
      );
    }
    assert.deepEqual(leftovers(registry), []);

    const target = fresh();
    const pulled = await pull(target, registry);
    assert.equal(pulled.imageHex, image.imageHex);
    assert.equal(pulled.downloaded, pushed.blobs);
    for (const hex of image.fileHexes) {
      assert.deepEqual(fs.readFileSync(blobFile(target, hex)), fs.readFileSync(blobFile(source, hex)));
    }
    assert.deepEqual(leftovers(target), []);
    const store = new FsBlobStore(target);
    try {
      const verdict = await store.verifyAll();
      assert.deepEqual(verdict.problems, []);
      // Every blob file verified: the pushed closure, and the manifest the catalog keeps as a blob too.
      assert.equal(verdict.ok, filesUnder(path.join(target, 'blobs')).length);
      assert.ok(verdict.ok >= pushed.blobs);
    } finally {
      await store.close();
    }
    // Again into the same store: everything is kept, nothing copied.
    const again = await pull(target, registry);
    assert.equal(again.downloaded, 0);
    assert.equal(again.alreadyHad, pushed.blobs);
  });

  test('one damaged object among hundreds: the pull fails, no blob of the batch lands, no temp file stays', async () => {
    const registry = path.join(fresh('pf-reg-'), 'img');
    await push(source, registry);
    const victim = image.fileHexes[FILES / 2];
    flipByte(path.join(registry, 'blobs', 'sha256', victim.slice(0, 2), `${victim}.zst`));
    const target = fresh();
    await assert.rejects(pull(target, registry), (err: Error) => {
      assert.match(err.message, new RegExp(victim));
      return true;
    });
    assert.deepEqual(leftovers(target), [], 'no temp file');
    assert.ok(!fs.existsSync(blobFile(target, victim)), 'the damaged blob did not land');
    assert.ok(
      image.fileHexes.every((hex) => !fs.existsSync(blobFile(target, hex))),
      "none of the batch's good copies has its name either",
    );
    assert.ok(!fs.existsSync(path.join(target, 'images', `${image.imageHex}.json`)), 'no image in the catalog');
  });

  test('a damaged blob in the store: the push is refused naming its file, and the registry gets nothing', async () => {
    const damaged = fresh();
    fs.cpSync(source, damaged, { recursive: true });
    const victim = image.fileHexes[7];
    flipByte(blobFile(damaged, victim));
    const team = fresh('pf-reg-');
    await push(source, path.join(team, 'good'));
    const before = filesUnder(team);
    const registry = path.join(team, 'img');
    await assert.rejects(push(damaged, registry), /failed verification \(world\.fs → src\/m0007\.py/);
    assert.ok(!fs.existsSync(registry), 'no object, no temp file, no manifest, not even an empty folder');
    assert.deepEqual(filesUnder(team), before, 'the image beside it stands whole');
  });

  test('blobs already in the store are kept; a bad one in the way is fetched again and repaired', async () => {
    const registry = path.join(fresh('pf-reg-'), 'img');
    await push(source, registry);
    const target = fresh();
    const kept = image.fileHexes.slice(0, 50);
    for (const hex of kept) {
      fs.mkdirSync(path.dirname(blobFile(target, hex)), { recursive: true });
      fs.copyFileSync(blobFile(source, hex), blobFile(target, hex));
    }
    const bad = kept[3];
    flipByte(blobFile(target, bad));
    const pulled = await pull(target, registry);
    assert.equal(pulled.alreadyHad, kept.length - 1);
    assert.deepEqual(fs.readFileSync(blobFile(target, bad)), fs.readFileSync(blobFile(source, bad)), 'repaired');
    assert.deepEqual(leftovers(target), []);
  });

  test('a shard folder of the registry that is a symlink is refused, and nothing lands', async () => {
    const registry = path.join(fresh('pf-reg-'), 'img');
    await push(source, registry);
    const shard = image.fileHexes[0].slice(0, 2);
    const shardDir = path.join(registry, 'blobs', 'sha256', shard);
    const elsewhere = fresh('pf-elsewhere-');
    fs.cpSync(shardDir, elsewhere, { recursive: true });
    fs.rmSync(shardDir, { recursive: true });
    fs.symlinkSync(elsewhere, shardDir);
    const target = fresh();
    await assert.rejects(pull(target, registry), /symbolic link inside the registry folder/);
    assert.ok(!fs.existsSync(path.join(target, 'images', `${image.imageHex}.json`)));
    assert.deepEqual(leftovers(target), []);
  });

  test('an object that is a named pipe is refused, not waited on', { skip: process.platform === 'win32' }, async () => {
    const registry = path.join(fresh('pf-reg-'), 'img');
    await push(source, registry);
    const victim = image.fileHexes[11];
    const file = path.join(registry, 'blobs', 'sha256', victim.slice(0, 2), `${victim}.zst`);
    fs.rmSync(file);
    const { spawnSync } = await import('node:child_process');
    assert.equal(spawnSync('mkfifo', [file]).status, 0);
    const target = fresh();
    await assert.rejects(pull(target, registry), /named pipe/);
    assert.deepEqual(leftovers(target), []);
  });

  test('a store shard that leads out of the store is refused by a push', async () => {
    const linked = fresh();
    fs.cpSync(source, linked, { recursive: true });
    const shard = image.fileHexes[5].slice(0, 2);
    const shardDir = path.join(linked, 'blobs', 'sha256', shard);
    const outside = fresh('pf-outside-');
    fs.cpSync(shardDir, outside, { recursive: true });
    fs.rmSync(shardDir, { recursive: true });
    fs.symlinkSync(outside, shardDir);
    const registry = path.join(fresh('pf-reg-'), 'img');
    await assert.rejects(push(linked, registry), /leaves the store|symbolic link/);
    assert.ok(!fs.existsSync(registry), 'nothing made');
  });

  test('past one slice of 4,096 files: both ways whole, and missing blobs in two slices counted together', async () => {
    const big = fresh();
    const many = writeManyFileSnapshot(big, 4200);
    const registry = path.join(fresh('pf-reg-'), 'img');
    const blobs = new FsBlobStore(big);
    try {
      const pushed = await pushTo(blobs, many.imageHex, parseRemote(`file://${registry}`));
      assert.equal(pushed.uploaded, pushed.blobs);
      const target = fresh();
      const pulled = await pull(target, registry);
      assert.equal(pulled.downloaded, pushed.blobs);
      assert.ok(many.fileHexes.every((hex) => fs.existsSync(blobFile(target, hex))));
      assert.deepEqual(leftovers(target), []);
      // One blob gone from each slice of the push: the refusal counts both.
      for (const hex of [many.fileHexes[10], many.fileHexes[4150]]) {
        fs.rmSync(blobFile(big, hex));
      }
      await assert.rejects(
        pushTo(blobs, many.imageHex, parseRemote(`file://${path.join(fresh('pf-reg-'), 'img')}`)),
        /2 blob\(s\) of the image's closure are missing/,
      );
    } finally {
      await blobs.close();
    }
  });

  test('a batch commits with one file-system sync, or with an fsync each where there is no `sync -f`', async () => {
    for (const withSync of [true, false]) {
      resetFileSystemSync(withSync ? undefined : false);
      const dir = fresh('pf-commit-');
      const staged = Array.from({ length: SYNC_FILE_SYSTEM_FROM + 10 }, (_, i) => {
        const folder = path.join(dir, String(i % 7));
        fs.mkdirSync(folder, { recursive: true });
        const file = path.join(folder, `f${i}`);
        fs.writeFileSync(`${file}.tmp`, `file ${i}`);
        return { temp: `${file}.tmp`, file };
      });
      await commitStaged(staged, dir);
      for (const [i, s] of staged.entries()) {
        assert.equal(fs.readFileSync(s.file, 'utf8'), `file ${i}`);
        assert.ok(!fs.existsSync(s.temp));
      }
    }
    resetFileSystemSync();
    assert.equal(await syncFileSystems([dirs[0]]), process.platform === 'linux', 'this machine has `sync -f`');
    // A system without it says so once and is not asked again.
    const savedPath = process.env.PATH;
    process.env.PATH = fresh('pf-empty-path-');
    try {
      resetFileSystemSync();
      assert.equal(await syncFileSystems([dirs[0]]), false);
    } finally {
      process.env.PATH = savedPath;
    }
    assert.equal(await syncFileSystems([dirs[0]]), false, 'remembered: not asked again');
    resetFileSystemSync();
  });

  test(
    '`sync` runs with PATH alone: no credential of the environment travels with it',
    { skip: process.platform !== 'linux' },
    async () => {
      // A program named sync first on the PATH writes down the environment it was given.
      const bin = fresh('pf-fake-sync-');
      const seen = path.join(bin, 'environment');
      fs.writeFileSync(path.join(bin, 'sync'), `#!/bin/sh\nenv > "${seen}"\n`, { mode: 0o755 });
      const saved = { PATH: process.env.PATH, AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY };
      process.env.PATH = `${bin}:${saved.PATH}`;
      process.env.AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI-planted-for-this-test';
      try {
        resetFileSystemSync();
        assert.equal(await syncFileSystems([dirs[0]]), true);
        const env = fs.readFileSync(seen, 'utf8');
        assert.match(env, /^PATH=/m);
        assert.doesNotMatch(env, /AWS_SECRET_ACCESS_KEY|planted-for-this-test/);
      } finally {
        process.env.PATH = saved.PATH;
        if (saved.AWS_SECRET_ACCESS_KEY === undefined) {
          delete process.env.AWS_SECRET_ACCESS_KEY;
        } else {
          process.env.AWS_SECRET_ACCESS_KEY = saved.AWS_SECRET_ACCESS_KEY;
        }
        resetFileSystemSync();
      }
    },
  );
});
