// processfork/diffImages and processfork/lineage through the server: the same answers as pfstore diff and log.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DiffImagesRequest, LineageRequest, StoreErrorCode } from '../../shared/protocol';
import { startServer, type ServerSession } from '../support/serverProcess';
import { tempStore, writeBlob, writeDemoImage, writeImage } from '../support/storeFixtures';

let server: ServerSession;
let a: ReturnType<typeof writeDemoImage>;
let b: { hex: string };

before(async () => {
  const root = tempStore();
  a = writeDemoImage(root, 'alpha');
  b = writeImage(root, {
    ...a.spec,
    env: writeBlob(root, 'TAG=beta\n'),
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
