// An image closure that cannot be walked completely must say so. A page manifest too large to expand once
// made `verify --image` pass while a page named a missing blob.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { FsBlobStore } from '../../server/src/store/blobs/fsBlobStore';
import { imageClosure } from '../../server/src/store/images/imageClosure';
import { parseManifest } from '../../server/src/store/images/manifest';
import { CLI_JS } from '../support/serverProcess';
import { manifestJson, tempStore, writeBlob, writeDemoImage, writeImage } from '../support/storeFixtures';

test('a nested manifest over the expansion limit is reported as unexpanded, never silently skipped', async () => {
  const root = tempStore();
  const image = writeDemoImage(root);
  const store = new FsBlobStore(root);
  try {
    const { manifest } = parseManifest(fs.readFileSync(image.file, 'utf8'));
    assert.ok(manifest);
    const whole = await imageClosure(store, manifest);
    assert.deepEqual(whole.unexpanded, []);
    assert.ok(whole.entries.some((e) => e.layer.startsWith('cache.manifest →')));

    const cut = await imageClosure(store, manifest, 16); // smaller than either nested manifest
    assert.deepEqual(cut.unexpanded.map((u) => u.layer).sort(), ['cache.manifest', 'world.fs']);
    assert.match(cut.unexpanded[0].reason, /not checked/);
    assert.ok(!cut.entries.some((e) => e.layer.includes('→')), 'entries of an unexpanded manifest were listed');
  } finally {
    await store.close();
  }
});

test('a nested manifest that is not a tree or a page list, or has entries that do not parse, is unexpanded too', async () => {
  const root = tempStore();
  const image = writeDemoImage(root);
  const store = new FsBlobStore(root);
  try {
    const cases: Array<[string, RegExp]> = [
      ['this is not JSON', /not valid JSON/],
      ['{"entries": []}', /not an fs\.tree\.v1 tree or a page list/],
      [
        JSON.stringify({ kind: 'fs.tree.v1', entries: [{ path: 'a', blob: 'sha256:XYZ' }] }),
        /entries\[0\]\.blob: malformed digest/,
      ],
    ];
    for (const [text, reason] of cases) {
      const odd = writeBlob(root, text);
      const { manifest } = parseManifest(manifestJson({ ...image.spec, fs: odd }));
      const closure = await imageClosure(store, manifest!);
      assert.deepEqual(
        closure.unexpanded.map((u) => [u.layer, u.hex]),
        [['world.fs', odd]],
        text,
      );
      assert.match(closure.unexpanded[0].reason, reason);
      assert.match(closure.unexpanded[0].reason, /what it names was not checked/);
    }
  } finally {
    await store.close();
  }
  // pfstore verify --image names it and fails, as for any closure it could not walk.
  const odd = writeBlob(root, '{"entries": []}');
  const broken = writeImage(root, { ...image.spec, fs: odd, createdAt: '2026-11-22T00:00:00Z' });
  const r = spawnSync(process.execPath, [CLI_JS, '--store', root, 'verify', '--image', `sha256:${broken.hex}`], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 4, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /world\.fs sha256:[0-9a-f]{64}: it could not be read as one/);
});
