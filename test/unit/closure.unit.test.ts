// An image closure that cannot be walked completely must say so. A page manifest too large to expand once
// made `verify --image` pass while a page named a missing blob.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { FsBlobStore } from '../../server/src/store/fsBlobStore';
import { imageClosure } from '../../server/src/store/imageClosure';
import { parseManifest } from '../../server/src/store/manifest';
import { tempStore, writeDemoImage } from '../support/storeFixtures';

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
