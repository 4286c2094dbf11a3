// processfork/diffImages and processfork/lineage through the server: the same answers as pfstore diff and log.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DiffImagesRequest,
  ImageDetailsRequest,
  ImageFilesRequest,
  LineageRequest,
  StoreErrorCode,
} from '../../shared/protocol';
import { startServer, type ServerSession } from '../support/serverProcess';
import { manifestJson, tempStore, writeBlob, writeDemoImage, writeImage } from '../support/storeFixtures';
import { envText } from '../support/pfLayerText';

let server: ServerSession;
let root: string;
let a: ReturnType<typeof writeDemoImage>;
let b: { hex: string };

before(async () => {
  root = tempStore();
  a = writeDemoImage(root, 'alpha');
  b = writeImage(root, {
    ...a.spec,
    env: writeBlob(root, envText({ TAG: 'beta' })),
    parents: [a.hex],
    createdAt: '2026-11-21T10:00:00Z',
  });
  server = await startServer(root);
});
after(() => server.stop());

test('diffImages: the changed layer, no file changes, shared pages, and the ancestry', async () => {
  const d = await server.connection.sendRequest(DiffImagesRequest.type, { a: `sha256:${a.hex}`, b: `sha256:${b.hex}` });
  assert.equal(d.relation, 'a-is-ancestor-of-b');
  assert.deepEqual(d.layers, [{ layer: 'world.env', from: `sha256:${a.spec.env}`, to: d.layers[0].to }]);
  assert.deepEqual(d.files, { added: [], removed: [], changed: [] });
  assert.deepEqual(d.pages, { shared: 1, added: 0, removed: 0 });
});

test('lineage: newest first with children; an image not in the catalog is bad input', async () => {
  const { images } = await server.connection.sendRequest(LineageRequest.type, {});
  assert.deepEqual(
    images.map((i) => i.image),
    [`sha256:${b.hex}`, `sha256:${a.hex}`],
  );
  assert.deepEqual(images[1].children, [`sha256:${b.hex}`]);
  await assert.rejects(
    server.connection.sendRequest(LineageRequest.type, { image: `sha256:${'0'.repeat(64)}` }),
    (e: { code: number }) => e.code === StoreErrorCode.InvalidInput,
  );
});

test("imageFiles: an image's fs tree as entries (a directory has no digest); unsafe paths are left out", async () => {
  const files = await server.connection.sendRequest(ImageFilesRequest.type, { digest: `sha256:${a.hex}` });
  assert.equal(files.image, `sha256:${a.hex}`);
  assert.deepEqual(
    files.entries.map((e) => [e.path, e.digest, e.size]),
    [
      ['work', null, 0],
      ['work/notes.txt', `sha256:${a.fileBlobs[1]}`, 'alpha notes\n'.length],
      ['work/run.sh', `sha256:${a.fileBlobs[0]}`, '#!/bin/sh\necho alpha\n'.length],
    ],
  );
  const unsafeTree = writeBlob(
    root,
    JSON.stringify({
      kind: 'fs.tree.v1',
      entries: [
        { path: '../escape', size: 1, blob: `sha256:${a.fileBlobs[0]}` },
        { path: '/etc/passwd', size: 1, blob: `sha256:${a.fileBlobs[0]}` },
        { path: 'ok.txt', size: 11, blob: `sha256:${a.fileBlobs[1]}`, kind: 'file' },
      ],
    }),
  );
  const c = writeImage(root, { ...a.spec, fs: unsafeTree, createdAt: '2026-11-21T11:00:00Z' });
  const only = await server.connection.sendRequest(ImageFilesRequest.type, { digest: `sha256:${c.hex}` });
  assert.deepEqual(
    only.entries.map((e) => [e.path, e.kind]),
    [['ok.txt', 'file']],
  );
  await assert.rejects(
    server.connection.sendRequest(ImageFilesRequest.type, { digest: `sha256:${'1'.repeat(64)}` }),
    (e: { code: number; message: string }) =>
      e.code === StoreErrorCode.NotFound && /not in the catalog/.test(e.message),
  );
});

test('imageDetails: from the manifest blob when there is no catalog file; unknown images are not found', async () => {
  // pf-core stores each manifest as a blob too: an image whose catalog file is missing still opens from it.
  const json = manifestJson({ ...a.spec, env: writeBlob(root, envText({ TAG: 'blob-only' })) });
  const hex = writeBlob(root, json);
  assert.equal(fs.existsSync(path.join(root, 'images', `${hex}.json`)), false);
  const details = await server.connection.sendRequest(ImageDetailsRequest.type, { digest: `sha256:${hex}` });
  assert.equal(details.image.digest, `sha256:${hex}`);
  assert.equal(details.image.fileName, path.join('images', `${hex}.json`), 'where its catalog file would be');
  assert.equal(details.image.bytes, Buffer.byteLength(json));
  assert.ok(details.references.some((r) => r.layer === 'world.env' && r.state === 'present'));
  await assert.rejects(
    server.connection.sendRequest(ImageDetailsRequest.type, { digest: `sha256:${'2'.repeat(64)}` }),
    (e: { code: number }) => e.code === StoreErrorCode.NotFound,
  );
});

test('imageDetails: a nested manifest that is not JSON is named among the image problems (what it names went unchecked)', async () => {
  const broken = writeBlob(root, 'this is not a tree');
  const d = writeImage(root, { ...a.spec, fs: broken, createdAt: '2026-11-21T12:00:00Z' });
  const details = await server.connection.sendRequest(ImageDetailsRequest.type, { digest: `sha256:${d.hex}` });
  assert.ok(
    details.image.problems.some((p) => p.path === 'world.fs' && p.message.includes(`sha256:${broken}`)),
    JSON.stringify(details.image.problems),
  );
});
