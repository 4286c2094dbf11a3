// The server on a store in pf-core's frame shape (no content size in any frame): stat, hover and the tree
// give exact decoded sizes, learned by decoding once and kept for that file version.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HoverRequest, type MarkupContent } from 'vscode-languageserver-protocol';
import { formatBytes } from '../../shared/common/format';
import { ListBlobsRequest, StatRequest, VerifyRequest } from '../../shared/protocol';
import { startServer, type ServerSession } from '../support/serverProcess';
import { blobFile, tempStore, writePfcoreBlob } from '../support/storeFixtures';

describe('the server on pf-core frames', () => {
  let root: string;
  let server: ServerSession;
  const small = Buffer.from('{"k":"a KV-cache page"}\n'.repeat(300));
  // Random bytes: stays over 256 KiB stored, so stat does not decode it on the spot.
  const large = randomBytes(400_000);
  let smallHex: string;
  let largeHex: string;

  before(async () => {
    root = tempStore();
    smallHex = writePfcoreBlob(root, small);
    largeHex = writePfcoreBlob(root, large);
    server = await startServer(root);
  });
  after(() => server.stop());

  test('stat of a small blob gives its exact decoded size and ratio', async () => {
    const info = await server.connection.sendRequest(StatRequest.type, { digest: `sha256:${smallHex}` });
    assert.equal(info.decodedBytes, small.length);
    assert.ok(info.ratio && Math.abs(info.ratio - small.length / info.storedBytes) < 1e-9);
    assert.equal(info.lastVerified?.ok, true, 'learning the size verified it too');
  });

  test('a large blob gets its exact size from its first verify, and keeps it', async () => {
    const before = await server.connection.sendRequest(StatRequest.type, { digest: `sha256:${largeHex}` });
    assert.equal(before.decodedBytes, undefined);
    const report = await server.connection.sendRequest(VerifyRequest.type, { kind: 'store' });
    assert.equal(report.problems.length, 0);
    const after = await server.connection.sendRequest(StatRequest.type, { digest: `sha256:${largeHex}` });
    assert.equal(after.decodedBytes, large.length);
  });

  test('that size survives a server restart (kept outside the store) and stops applying when the file changes', async () => {
    await server.stop();
    server = await startServer(root);
    const again = await server.connection.sendRequest(StatRequest.type, { digest: `sha256:${largeHex}` });
    assert.equal(again.decodedBytes, large.length, 'known at once in a fresh server');
    assert.equal(again.lastVerified, undefined, 'without a verify in this server');
    assert.equal(fs.readdirSync(root).sort().join(','), 'blobs', 'nothing of it is written into the store');
    // The same bytes, rewritten: another mtime, so the remembered size no longer applies.
    const file = blobFile(root, largeHex);
    const later = new Date(fs.statSync(file).mtimeMs + 5000);
    fs.utimesSync(file, later, later);
    await server.stop();
    server = await startServer(root);
    const changed = await server.connection.sendRequest(StatRequest.type, { digest: `sha256:${largeHex}` });
    assert.equal(changed.decodedBytes, undefined);
  });

  test('the hover on a pf-core digest shows the decoded size', async () => {
    const uri = `file://${path.join(root, 'images', 'note.pfimg')}`;
    const text = `{"model":{"base":"sha256:${smallHex}"}}`;
    await server.open(uri, text, 'pfimg');
    const hover = await server.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position: { line: 0, character: text.indexOf(smallHex) + 3 },
    });
    assert.match((hover!.contents as MarkupContent).value, new RegExp(`decoded ${formatBytes(small.length)}`));
  });

  test('the tree lists pf-core blobs with their stored sizes', async () => {
    const page = await server.connection.sendRequest(ListBlobsRequest.type, { limit: 10 });
    assert.deepEqual(page.items.map((i) => i.digest).sort(), [`sha256:${smallHex}`, `sha256:${largeHex}`].sort());
  });
});
