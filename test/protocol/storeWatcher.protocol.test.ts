// Change notifications from the store watcher: what other processes (pf itself) write appears without polling.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { ListBlobsRequest } from '../../shared/protocol';
import { startServer } from '../support/serverProcess';
import { blobFile, tempStore, writeBlob, writeDemoImage } from '../support/storeFixtures';

describe('the store watcher', () => {
  test('reports blobs added and removed by other processes, and only those', async () => {
    const root = tempStore();
    writeBlob(root, 'already here');
    const server = await startServer(root);
    try {
      // List first so the server holds a view that can go stale.
      await server.connection.sendRequest(ListBlobsRequest.type, { limit: 100 });
      const added = writeBlob(root, 'written by pf');
      const change = await server.waitFor('an added blob', () =>
        server.changes.find((c) => c.added.includes(`sha256:${added}`)),
      );
      assert.deepEqual(change.removed, []);
      fs.rmSync(blobFile(root, added));
      await server.waitFor('a removed blob', () => server.changes.find((c) => c.removed.includes(`sha256:${added}`)));
      const img = writeDemoImage(root, 'watch');
      await server.waitFor('images changed', () => server.changes.find((c) => c.imagesChanged));
      assert.ok(fs.existsSync(path.join(root, 'images', `${img.hex}.json`)));
    } finally {
      await server.stop();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
