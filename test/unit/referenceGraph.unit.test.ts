// The reference graph through pfstore: where a blob is used (top-level fields, fs entries, cache pages), what
// each image costs (closure, exclusive, shared), and gc of unreferenced blobs that never races a writer.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { Decompressor } from 'zstd-napi';
import { FsBlobStore } from '../../server/src/store/blobs/fsBlobStore';
import { ReferenceGraph } from '../../server/src/store/analysis/referenceGraph';
import { removeUnreferenced } from '../../server/src/store/analysis/unreferencedGc';
import { CLI_JS } from '../support/serverProcess';
import { blobFile, pfcoreFrame, tempStore, writeBlob, writeDemoImage, writeImage } from '../support/storeFixtures';

const CLI = CLI_JS;
const pfstore = (args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
const json = (args: string[]) => {
  const r = pfstore(['--json', ...args]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
};
const HOURS_AGO = (h: number) => new Date(Date.now() - h * 3600_000);

/** Rewrites a blob file in pf-core's frame shape (no content size), same content. */
function asPfcore(root: string, hex: string): void {
  const file = blobFile(root, hex);
  fs.writeFileSync(file, pfcoreFrame(new Decompressor().decompress(fs.readFileSync(file))));
}

describe('the reference graph', () => {
  let root: string;
  let a: ReturnType<typeof writeDemoImage>;
  let b: ReturnType<typeof writeDemoImage>;
  let orphan: string;
  let youngOrphan: string;

  before(() => {
    root = tempStore();
    a = writeDemoImage(root, 'alpha');
    b = writeDemoImage(root, 'beta', [a.hex]);
    asPfcore(root, a.spec.fs); // one nested manifest in pf-core's frame shape
    orphan = writeBlob(root, 'nobody names me\n');
    fs.utimesSync(blobFile(root, orphan), HOURS_AGO(2), HOURS_AGO(2));
    youngOrphan = writeBlob(root, 'nobody names me either, but I was just written\n');
  });

  test('refs names every image and place: a top-level field, an fs entry, a cache page', () => {
    const shared = json(['--store', root, 'refs', `sha256:${a.spec.base}`]);
    assert.deepEqual(
      shared.images.map((i: { image: string }) => i.image).sort(),
      [`sha256:${a.hex}`, `sha256:${b.hex}`].sort(),
    );
    assert.deepEqual(shared.images[0].paths, ['model.base']);

    const file = json(['--store', root, 'refs', `sha256:${a.fileBlobs[0]}`]);
    assert.deepEqual(file.images, [{ image: `sha256:${a.hex}`, paths: ['world.fs entry work/run.sh'] }]);

    const pageOf = (image: typeof a) =>
      JSON.parse(new Decompressor().decompress(fs.readFileSync(blobFile(root, image.spec.cachePages))).toString());
    const v = pageOf(b).pages[0].v;
    const page = json(['--store', root, 'refs', v]);
    assert.deepEqual(page.images, [{ image: `sha256:${b.hex}`, paths: ['cache.manifest page 0 v'] }]);

    assert.deepEqual(json(['--store', root, 'refs', `sha256:${orphan}`]).images, []);
  });

  test('stats: counts, bytes, ratios, and per image closure = exclusive + shared', () => {
    const stats = json(['--store', root, 'stats']);
    const onDisk = fs
      .readdirSync(path.join(root, 'blobs', 'sha256'))
      .flatMap((s) => fs.readdirSync(path.join(root, 'blobs', 'sha256', s)));
    assert.equal(stats.blobs, onDisk.length);
    assert.ok(stats.rawBytes > stats.storedBytes, 'level 19 compresses the demo content');
    assert.ok(stats.dedupRatio > 1, 'the two images share their model base and process record');
    assert.equal(stats.images.length, 2);
    for (const img of stats.images) {
      assert.equal(img.closureBytes, img.exclusiveBytes + img.sharedBytes);
      assert.ok(img.sharedBytes > 0, 'the shared model base and process record count as shared');
    }
  });

  test('gc --unreferenced --dry-run lists only old unreferenced blobs, and removes nothing', () => {
    const plan = json(['--store', root, 'gc', '--unreferenced', '--dry-run']);
    assert.deepEqual(
      plan.unreferenced.removed.map((r: { digest: string }) => r.digest),
      [`sha256:${orphan}`],
    );
    assert.equal(plan.unreferenced.keptYoung, 1);
    assert.ok(plan.unreferenced.bytesFreed > 0);
    assert.ok(fs.existsSync(blobFile(root, orphan)));
  });

  test('gc --unreferenced removes the old orphan and keeps every blob an image reaches', () => {
    const before = json(['--store', root, 'stats']);
    const done = json(['--store', root, 'gc', '--unreferenced']);
    assert.equal(done.unreferenced.removed.length, 1);
    assert.equal(fs.existsSync(blobFile(root, orphan)), false);
    assert.ok(fs.existsSync(blobFile(root, youngOrphan)), 'a blob younger than the grace period was removed');
    assert.equal(pfstore(['--store', root, 'verify', '--image', `sha256:${a.hex}`]).status, 0);
    assert.equal(pfstore(['--store', root, 'verify', '--image', `sha256:${b.hex}`]).status, 0);
    assert.equal(json(['--store', root, 'stats']).blobs, before.blobs - 1);
    assert.ok(fs.existsSync(a.file) && fs.existsSync(b.file), 'a catalog file was removed');
  });

  test('--retain-recent 0 frees what the images held, never their manifests or catalog files', () => {
    const store = tempStore();
    const older = writeDemoImage(store, 'older');
    const newer = writeDemoImage(store, 'newer');
    for (const dir of fs.readdirSync(path.join(store, 'blobs', 'sha256'))) {
      for (const f of fs.readdirSync(path.join(store, 'blobs', 'sha256', dir))) {
        fs.utimesSync(path.join(store, 'blobs', 'sha256', dir, f), HOURS_AGO(3), HOURS_AGO(3));
      }
    }
    const result = json(['--store', store, 'gc', '--unreferenced', '--retain-recent', '0', '--dry-run']);
    const removed = new Set(result.unreferenced.removed.map((r: { digest: string }) => r.digest.slice(7)));
    assert.ok(removed.has(older.spec.env) && removed.has(newer.spec.env), "the images' blobs would go");
    assert.ok(!removed.has(older.hex) && !removed.has(newer.hex), 'a cataloged manifest blob would go');
  });
});

test('gc refuses to run when a catalog file or a nested manifest cannot be read: their closures are unknown', () => {
  const root = tempStore();
  const img = writeDemoImage(root, 'one');
  const orphan = writeBlob(root, 'an old orphan\n');
  fs.utimesSync(blobFile(root, orphan), HOURS_AGO(2), HOURS_AGO(2));
  const bad = path.join(root, 'images', `${'e'.repeat(64)}.json`);
  fs.writeFileSync(bad, '{ not json');
  const refused = pfstore(['--store', root, 'gc', '--unreferenced']);
  assert.equal(refused.status, 1, refused.stdout);
  assert.match(refused.stderr, /refusing to gc: images\/e{64}\.json cannot be read/);
  fs.rmSync(bad);
  // A tree the reader does not understand (no kind): what it names is unknown, so nothing goes.
  fs.writeFileSync(blobFile(root, img.spec.fs), pfcoreFrame(Buffer.from(JSON.stringify({ entries: 'no' }))));
  const unknown = pfstore(['--store', root, 'gc', '--unreferenced']);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /refusing to gc: nested manifest/);
  assert.ok(fs.existsSync(blobFile(root, orphan)));
});

test('putting a blob that exists refreshes its mtime, so a gc that planned to remove it keeps it', () => {
  const root = tempStore();
  const hex = writeBlob(root, 'written long ago\n');
  fs.utimesSync(blobFile(root, hex), HOURS_AGO(5), HOURS_AGO(5));
  const input = path.join(root, '..', `again-${process.pid}.txt`);
  fs.writeFileSync(input, 'written long ago\n');
  assert.equal(pfstore(['--store', root, 'put', input]).status, 0);
  assert.ok(Date.now() - fs.statSync(blobFile(root, hex)).mtimeMs < 60_000, 'the mtime was not refreshed');
});

test('gc never races a writer: an image cataloged while gc runs keeps everything it reaches', async () => {
  const root = tempStore();
  writeDemoImage(root, 'kept');
  // A writer's image, built elsewhere: pf writes the blobs first (old here: past the grace period)...
  const srcRoot = tempStore();
  const later = writeDemoImage(srcRoot, 'later');
  const copied: string[] = [];
  for (const dir of fs.readdirSync(path.join(srcRoot, 'blobs', 'sha256'))) {
    for (const f of fs.readdirSync(path.join(srcRoot, 'blobs', 'sha256', dir))) {
      const hex = f.slice(0, 64);
      fs.mkdirSync(path.dirname(blobFile(root, hex)), { recursive: true });
      fs.copyFileSync(blobFile(srcRoot, hex), blobFile(root, hex));
      fs.utimesSync(blobFile(root, hex), HOURS_AGO(2), HOURS_AGO(2));
      copied.push(hex);
    }
  }
  const store = new FsBlobStore(root);
  try {
    const result = await removeUnreferenced(store, {
      // ...and its catalog file last, here just after gc planned to remove every one of those blobs.
      onPlanned: () => {
        fs.mkdirSync(path.join(root, 'images'), { recursive: true });
        fs.copyFileSync(later.file, path.join(root, 'images', path.basename(later.file)));
      },
    });
    assert.ok(result.keptForNewImages > 0, "the plan did not include the writer's blobs: the test proves nothing");
    for (const hex of copied) {
      assert.ok(fs.existsSync(blobFile(root, hex)), `gc removed sha256:${hex} of the image cataloged meanwhile`);
    }
    assert.equal(pfstore(['--store', root, 'verify', '--image', `sha256:${later.hex}`]).status, 0);
  } finally {
    await store.close();
  }
});

test('where used finds every page of a large page list (the packed, sorted index), first, middle and last', async () => {
  const root = tempStore();
  const shared = writeBlob(root, 'shared\n');
  const pages = Array.from({ length: 300 }, (_, i) => ({
    k: `sha256:${createHash('sha256').update(`k${i}`).digest('hex')}`,
    v: `sha256:${createHash('sha256').update(`v${i}`).digest('hex')}`,
  }));
  const img = writeImage(root, {
    base: shared,
    diff: shared,
    cachePages: writeBlob(root, JSON.stringify({ pages })),
    fs: writeBlob(root, JSON.stringify({ kind: 'fs.tree.v1', entries: [] })),
    env: shared,
    procs: shared,
    ledger: shared,
    messages: shared,
  });
  const store = new FsBlobStore(root);
  try {
    const graph = await ReferenceGraph.build(store, root);
    for (const i of [0, 1, 150, 298, 299]) {
      assert.deepEqual(graph.whereUsed(pages[i].v.slice(7)), [
        { image: img.hex, places: [`cache.manifest page ${i} v`] },
      ]);
      assert.deepEqual(graph.whereUsed(pages[i].k.slice(7)), [
        { image: img.hex, places: [`cache.manifest page ${i} k`] },
      ]);
    }
    assert.equal(graph.closureOf(img.hex).size, 600 + 3); // pages, the shared blob, the two nested manifests
  } finally {
    await store.close();
  }
});

test('refs cannot tell when an image\'s page list is unreadable: it says so instead of "used by 0"', () => {
  const root = tempStore();
  const image = writeDemoImage(root, 'unreadable');
  const loner = writeBlob(root, 'a blob only a page of that list might name\n');
  fs.writeFileSync(blobFile(root, image.spec.cachePages), 'not zstd at all');
  const listed = json(['--store', root, 'refs', `sha256:${loner}`]);
  assert.deepEqual(listed.images, []);
  assert.equal(listed.unknown.length, 1);
  assert.equal(listed.unknown[0].image, `sha256:${image.hex}`);
  assert.equal(listed.unknown[0].field, 'cache.manifest');
  const text = pfstore(['--store', root, 'refs', `sha256:${loner}`]);
  assert.equal(text.status, 0, text.stderr);
  assert.match(
    text.stdout,
    new RegExp(`could not tell for image sha256:${image.hex}: its cache\\.manifest could not be read`),
  );
  assert.match(text.stdout, /used by 0 or more images/);
  assert.doesNotMatch(text.stdout, /used by 0 images/);
});
