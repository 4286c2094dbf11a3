// The reference graph through the server: where a digest is used (nested places included), the hover's "used
// by" line, Find All References, store statistics, and gc of unreferenced blobs, refused when untrusted.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  HoverRequest,
  ReferencesRequest as LspReferencesRequest,
  type MarkupContent,
} from 'vscode-languageserver-protocol';
import {
  GcRequest,
  ListImagesRequest,
  ReferencesRequest,
  StatRequest,
  StoreErrorCode,
  StoreStatsRequest,
  VerifyRequest,
} from '../../shared/protocol';
import { startServer, type ServerSession } from '../support/serverProcess';
import { blobFile, flipByte, tempStore, writeBlob, writeDemoImage } from '../support/storeFixtures';

describe('the reference graph in the server', () => {
  let root: string;
  let server: ServerSession;
  let a: ReturnType<typeof writeDemoImage>;
  let b: ReturnType<typeof writeDemoImage>;
  let orphan: string;

  before(async () => {
    root = tempStore();
    a = writeDemoImage(root, 'alpha');
    b = writeDemoImage(root, 'beta', [a.hex]);
    orphan = writeBlob(root, 'an old orphan\n');
    const old = new Date(Date.now() - 2 * 3600_000);
    fs.utimesSync(blobFile(root, orphan), old, old);
    server = await startServer(root);
  });
  after(() => server.stop());

  test('references names each image and place, nested ones included', async () => {
    const shared = await server.connection.sendRequest(ReferencesRequest.type, { digest: `sha256:${a.spec.base}` });
    assert.deepEqual(shared.images.map((i) => i.image).sort(), [`sha256:${a.hex}`, `sha256:${b.hex}`].sort());
    const file = await server.connection.sendRequest(ReferencesRequest.type, { digest: `sha256:${a.fileBlobs[1]}` });
    assert.deepEqual(file.images, [{ image: `sha256:${a.hex}`, places: ['world.fs entry work/notes.txt'] }]);
  });

  test('stat and the hover count every image that reaches a blob named only inside a tree', async () => {
    await server.connection.sendRequest(ReferencesRequest.type, { digest: `sha256:${a.hex}` }); // the graph is built
    const info = await server.connection.sendRequest(StatRequest.type, { digest: `sha256:${a.fileBlobs[0]}` });
    assert.equal(info.usedByImages, 1);
    assert.deepEqual(info.referencedBy, [{ image: `sha256:${a.hex}`, layer: 'world.fs entry work/run.sh' }]);
    const uri = pathToFileURL(path.join(root, 'notes.pfimg')).toString();
    const text = `{"world":{"fs":"sha256:${a.spec.base}"}}`;
    await server.open(uri, text, 'pfimg');
    const hover = await server.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position: { line: 0, character: text.indexOf('sha256:') + 12 },
    });
    assert.match((hover!.contents as MarkupContent).value, /Used by 2 images: `[0-9a-f]{12}` model\\\.base/);
  });

  test('Find All References lists the digest in open documents and in catalog files', async () => {
    const uri = pathToFileURL(path.join(root, 'find.pfimg')).toString();
    const text = `{"model":{"base":"sha256:${a.spec.base}"}}`;
    await server.open(uri, text, 'pfimg');
    const locations = await server.connection.sendRequest(LspReferencesRequest.type, {
      textDocument: { uri },
      position: { line: 0, character: text.indexOf('sha256:') + 10 },
      context: { includeDeclaration: true },
    });
    const uris = new Set(locations!.map((l) => l.uri));
    assert.ok(uris.has(uri));
    assert.ok(uris.has(pathToFileURL(a.file).toString()), 'the catalog file of alpha');
    assert.ok(uris.has(pathToFileURL(b.file).toString()), 'the catalog file of beta');
  });

  test('an image cataloged later joins the graph (the watcher updates it, no rebuild)', async () => {
    const c = writeDemoImage(root, 'gamma', [b.hex]);
    let found = false;
    for (let i = 0; i < 100 && !found; i++) {
      const refs = await server.connection.sendRequest(ReferencesRequest.type, { digest: `sha256:${c.fileBlobs[0]}` });
      found = refs.images.some((img) => img.image === `sha256:${c.hex}`);
      if (!found) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    assert.ok(found, 'the new image never showed in the graph');
    fs.rmSync(c.file);
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) {
      const refs = await server.connection.sendRequest(ReferencesRequest.type, { digest: `sha256:${c.fileBlobs[0]}` });
      gone = refs.images.length === 0;
      if (!gone) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    assert.ok(gone, 'a removed image still reaches its blobs');
  });

  test('stats: closure = exclusive + shared for each image, and sharing shows in the dedup ratio', async () => {
    const stats = await server.connection.sendRequest(StoreStatsRequest.type, {});
    assert.equal(stats.images.length, 2);
    for (const img of stats.images) {
      assert.equal(img.closureBytes, img.exclusiveBytes + img.sharedBytes);
    }
    assert.ok(stats.dedupRatio > 1);
  });

  test('an image whose tree reaches a corrupt blob is marked in the image list, the other image is not', async () => {
    await server.connection.sendRequest(ReferencesRequest.type, { digest: `sha256:${a.hex}` }); // the graph is built
    flipByte(blobFile(root, a.fileBlobs[0]));
    const report = await server.connection.sendRequest(VerifyRequest.type, { kind: 'store' });
    assert.ok(report.problems.some((p) => p.digest === `sha256:${a.fileBlobs[0]}`));
    const { images } = await server.connection.sendRequest(ListImagesRequest.type, {});
    assert.equal(images.find((i) => i.digest === `sha256:${a.hex}`)?.badBlobs, 1);
    assert.equal(images.find((i) => i.digest === `sha256:${b.hex}`)?.badBlobs, undefined);
  });

  test('gc of unreferenced blobs: a dry run lists the old orphan, then it goes and the images stay whole', async () => {
    const plan = await server.connection.sendRequest(GcRequest.type, { unreferenced: true, dryRun: true });
    assert.deepEqual(
      plan.unreferenced?.removed.map((r) => r.digest),
      [`sha256:${orphan}`],
    );
    assert.ok(fs.existsSync(blobFile(root, orphan)));
    const done = await server.connection.sendRequest(GcRequest.type, { unreferenced: true });
    assert.equal(done.unreferenced?.removed.length, 1);
    assert.equal(fs.existsSync(blobFile(root, orphan)), false);
    assert.ok(fs.existsSync(blobFile(root, a.spec.base)));
  });
});

test('gc of unreferenced blobs is refused in an untrusted workspace, its dry run is not', async () => {
  const root = tempStore();
  writeDemoImage(root, 'x');
  const server = await startServer(root, { trusted: false });
  try {
    await assert.rejects(
      server.connection.sendRequest(GcRequest.type, { unreferenced: true }),
      (e: { code: number }) => {
        assert.equal(e.code, StoreErrorCode.WriteRefused);
        return true;
      },
    );
    const plan = await server.connection.sendRequest(GcRequest.type, { unreferenced: true, dryRun: true });
    assert.deepEqual(plan.unreferenced?.removed, []);
  } finally {
    await server.stop();
  }
});
