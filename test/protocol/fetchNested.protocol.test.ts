// The "Fetch from <registry>" quick fix when the registry the user added is the folder that holds the pushed
// images, one level above the image (issue 39 item 6): the blob is found in the image folder under it.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { FetchBlobRequest, RemotePushRequest } from '../../shared/protocol';
import { startServer, type ServerSession } from '../support/serverProcess';
import { blobFile, tempStore, writeDemoImage } from '../support/storeFixtures';

const root = tempStore();
const shared = tempStore('pf-shared-');
let server: ServerSession;
let image: ReturnType<typeof writeDemoImage>;

before(async () => {
  image = writeDemoImage(root, 'nested-fetch');
  server = await startServer(root);
  await server.connection.sendRequest(RemotePushRequest.type, {
    image: `sha256:${image.hex}`,
    ref: `file://${path.join(shared, 'nested-fetch')}`,
  });
});
after(async () => {
  await server.stop();
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(shared, { recursive: true, force: true });
});

test('a folder registry one level above the image fetches a lost blob from the image folder under it', async () => {
  const hex = image.spec.messages;
  fs.rmSync(blobFile(root, hex));
  const got = await server.connection.sendRequest(FetchBlobRequest.type, {
    digest: `sha256:${hex}`,
    remote: `file://${shared}`,
  });
  assert.deepEqual(got.found, true);
  assert.ok(fs.existsSync(blobFile(root, hex)));
  const none = await server.connection.sendRequest(FetchBlobRequest.type, {
    digest: `sha256:${'9'.repeat(64)}`,
    remote: `file://${shared}`,
  });
  assert.equal(none.found, false);
  // A registry folder that is not there (a USB drive not plugged in): "not found", as before, not an error.
  fs.rmSync(blobFile(root, hex));
  const gone = await server.connection.sendRequest(FetchBlobRequest.type, {
    digest: `sha256:${hex}`,
    remote: `file://${path.join(shared, 'not-plugged-in')}`,
  });
  assert.equal(gone.found, false);
});
