// The custom store requests, over real JSON-RPC to the bundled server, against a real store on disk.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { ResponseError } from 'vscode-jsonrpc';
import {
  GcRequest,
  ListBlobsRequest,
  ListImagesRequest,
  ListShardsRequest,
  PutMissingRequest,
  PutRequest,
  ReadRequest,
  ResolveRequest,
  StatRequest,
  StatusRequest,
  StoreErrorCode,
  ImageDetailsRequest,
} from '../../shared/protocol';
import { rpcError } from '../support/rpcError';
import { startServer, type ServerSession } from '../support/serverProcess';
import { envText } from '../support/pfLayerText';
import {
  blobFile,
  deadPid,
  ourTempName,
  flipByte,
  sha256Hex,
  tempStore,
  writeBlob,
  writeDemoImage,
  writeManyBlobs,
} from '../support/storeFixtures';

describe('store requests', () => {
  let root: string;
  let server: ServerSession;
  let image: ReturnType<typeof writeDemoImage>;
  let hello: string;

  before(async () => {
    root = tempStore();
    image = writeDemoImage(root, 'alpha');
    hello = writeBlob(root, 'hello, store\n');
    server = await startServer(root);
  });
  after(async () => {
    await server.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('status reports the store and its counts', async () => {
    const status = await server.connection.sendRequest(StatusRequest.type, {});
    assert.equal(status.storePath, root);
    assert.equal(status.state, 'ok');
    assert.equal(status.imageCount, 1);
    const onDisk = fs
      .readdirSync(path.join(root, 'blobs', 'sha256'))
      .flatMap((s) => fs.readdirSync(path.join(root, 'blobs', 'sha256', s)));
    // Counted in the background: the count is in this status, or in the one announced when counting ends.
    const counted =
      status.blobCount !== undefined
        ? status
        : await server.waitFor('a status with the blob count', () =>
            server.statuses.find((s) => s.blobCount !== undefined),
          );
    assert.equal(counted.blobCount, onDisk.length);
  });

  test('start-up reads no shard: the first status and tree page answer before counting, counts follow', async () => {
    const big = tempStore();
    writeManyBlobs(big, 5000, 'startup');
    const fresh = await startServer(big);
    try {
      const shards = await fresh.connection.sendRequest(ListShardsRequest.type, {});
      const first = await fresh.waitFor('the first status', () => fresh.statuses[0]);
      assert.equal(first.counting, true, 'the first status waited for a full count');
      assert.equal(first.blobCount, undefined);
      assert.ok(shards.shards.length > 200, 'every shard is listed at once');
      const counted = await fresh.waitFor('the counted status', () =>
        fresh.statuses.find((s) => s.blobCount !== undefined),
      );
      assert.equal(counted.blobCount, 5000);
      const after = await fresh.connection.sendRequest(ListShardsRequest.type, {});
      assert.equal(after.total, 5000);
      assert.equal(
        after.shards.reduce((n, s) => n + (s.count ?? 0), 0),
        5000,
      );
    } finally {
      await fresh.stop();
    }
  });

  test('listImages and imageDetails show the manifest and its closure', async () => {
    const { images } = await server.connection.sendRequest(ListImagesRequest.type, {});
    assert.equal(images.length, 1);
    assert.equal(images[0].digest, `sha256:${image.hex}`);
    assert.equal(images[0].agentKind, 'langgraph');
    const details = await server.connection.sendRequest(ImageDetailsRequest.type, { digest: `sha256:${image.hex}` });
    const layers = details.references.map((r) => r.layer);
    for (const l of [
      'model.base',
      'model.diff',
      'cache.manifest',
      'world.fs',
      'world.env',
      'world.procs',
      'effects.ledger',
      'trace.messages',
    ]) {
      assert.ok(layers.includes(l), `missing layer ${l} in ${layers.join(', ')}`);
    }
    const nested = details.references.filter((r) => r.layer.startsWith('world.fs →')).map((r) => r.digest);
    assert.deepEqual(nested.sort(), image.fileBlobs.map((h) => `sha256:${h}`).sort());
    assert.ok(details.references.every((r) => r.state === 'present'));
  });

  test('stat gives sizes from the frame header, the content kind and the referring image', async () => {
    const info = await server.connection.sendRequest(StatRequest.type, { digest: `sha256:${image.spec.fs}` });
    assert.equal(info.storedBytes, fs.statSync(blobFile(root, image.spec.fs)).size);
    assert.ok(info.decodedBytes! > 0);
    assert.equal(info.contentKind, 'fs-tree');
    assert.deepEqual(info.referencedBy, [{ image: `sha256:${image.hex}`, layer: 'world.fs' }]);
  });

  test('read returns verified bytes, whole or a range', async () => {
    const whole = await server.connection.sendRequest(ReadRequest.type, { digest: `sha256:${hello}` });
    assert.equal(Buffer.from(whole.data, 'base64').toString(), 'hello, store\n');
    assert.equal(whole.totalBytes, 13);
    assert.equal(whole.contentKind, 'text');
    const part = await server.connection.sendRequest(ReadRequest.type, {
      digest: `sha256:${hello}`,
      offset: 7,
      length: 5,
    });
    assert.equal(Buffer.from(part.data, 'base64').toString(), 'store');
    // Verified means a corrupt blob is refused, not returned: its bytes are re-hashed on every read.
    const bad = writeBlob(root, 'about to be corrupted\n');
    flipByte(blobFile(root, bad));
    await assert.rejects(
      server.connection.sendRequest(ReadRequest.type, { digest: `sha256:${bad}` }),
      (err: ResponseError<unknown>) => err.code === StoreErrorCode.Integrity && /sha256:/.test(err.message),
    );
  });

  test('put stores bytes and workspace files, and is a no-op the second time', async () => {
    const data = Buffer.from('put through the protocol\n');
    const first = await server.connection.sendRequest(PutRequest.type, { data: data.toString('base64') });
    assert.equal(first.digest, `sha256:${sha256Hex(data)}`);
    assert.equal(first.created, true);
    assert.ok(fs.existsSync(blobFile(root, sha256Hex(data))));
    const again = await server.connection.sendRequest(PutRequest.type, { data: data.toString('base64') });
    assert.equal(again.created, false);

    const file = path.join(root, '..', `pf-put-${process.pid}.txt`);
    fs.writeFileSync(file, 'a workspace file\n');
    try {
      const put = await server.connection.sendRequest(PutRequest.type, { uri: pathToFileURL(file).toString() });
      assert.equal(put.digest, `sha256:${sha256Hex('a workspace file\n')}`);
      const back = await server.connection.sendRequest(ReadRequest.type, { digest: put.digest });
      assert.equal(Buffer.from(back.data, 'base64').toString(), 'a workspace file\n');
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  test('resolve finds unique, ambiguous and absent prefixes', async () => {
    const unique = await server.connection.sendRequest(ResolveRequest.type, { query: hello.slice(0, 12) });
    assert.deepEqual(unique, { status: 'unique', matches: [`sha256:${hello}`] });
    const full = await server.connection.sendRequest(ResolveRequest.type, { query: `sha256:${hello}` });
    assert.equal(full.status, 'unique');
    const none = await server.connection.sendRequest(ResolveRequest.type, { query: 'ffffffffffffffffffff' });
    assert.equal(none.status, 'none');
    const { items } = await server.connection.sendRequest(ListBlobsRequest.type, { limit: 5000 });
    const byFirst = new Map<string, number>();
    for (const i of items) {
      byFirst.set(i.digest[7], (byFirst.get(i.digest[7]) ?? 0) + 1);
    }
    const [shared] = [...byFirst].find(([, n]) => n > 1)!;
    const amb = await server.connection.sendRequest(ResolveRequest.type, { query: shared });
    assert.equal(amb.status, 'ambiguous');
    assert.equal(amb.matches.length, byFirst.get(shared));
    assert.ok(amb.matches.every((m) => m.startsWith(`sha256:${shared}`)));
  });

  test('resolve lists at most 50 matches in digest order and says when it cut the list', async () => {
    const many = tempStore();
    writeManyBlobs(many, 1200, 'resolve');
    const fresh = await startServer(many);
    try {
      const r = await fresh.connection.sendRequest(ResolveRequest.type, { query: 'a' });
      assert.equal(r.matches.length, 50);
      assert.equal(r.more, true);
      assert.deepEqual(r.matches, [...r.matches].sort());
      const narrow = await fresh.connection.sendRequest(ResolveRequest.type, { query: r.matches[0].slice(7, 20) });
      assert.equal(narrow.more, undefined);
    } finally {
      await fresh.stop();
    }
  });

  test('listShards counts match listBlobs', async () => {
    // The count runs in the background after each change (`total` is absent until it ends): wait for it.
    let counted = await server.connection.sendRequest(ListShardsRequest.type, {});
    for (let tries = 0; counted.total === undefined && tries < 200; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      counted = await server.connection.sendRequest(ListShardsRequest.type, {});
    }
    const { shards, total } = counted;
    const { items } = await server.connection.sendRequest(ListBlobsRequest.type, { limit: 5000 });
    assert.equal(total, items.length);
    for (const { shard, count } of shards) {
      const page = await server.connection.sendRequest(ListBlobsRequest.type, { shard, limit: 5000 });
      assert.equal(page.items.length, count);
      assert.ok(page.items.every((i) => i.digest.startsWith(`sha256:${shard}`)));
    }
  });

  test('gc removes a temp file whose writer is gone, and keeps blobs', async () => {
    const dir = path.dirname(blobFile(root, hello));
    const stale = path.join(dir, ourTempName(hello, deadPid(), 0));
    fs.writeFileSync(stale, 'half a blob');
    const dry = await server.connection.sendRequest(GcRequest.type, { dryRun: true });
    assert.deepEqual(dry.removed, [stale]);
    assert.ok(fs.existsSync(stale));
    const real = await server.connection.sendRequest(GcRequest.type, {});
    assert.deepEqual(real.removed, [stale]);
    assert.ok(!fs.existsSync(stale));
    assert.ok(fs.existsSync(blobFile(root, hello)));
  });

  test('bad parameters answer clear errors with stable codes', async () => {
    const c = server.connection;
    const cases: Array<[string, () => Promise<unknown>, number, RegExp]> = [
      ['no prefix', () => c.sendRequest(StatRequest.type, { digest: hello }), StoreErrorCode.InvalidInput, /sha256:/],
      [
        'upper case',
        () => c.sendRequest(StatRequest.type, { digest: `sha256:${hello.toUpperCase()}` }),
        StoreErrorCode.InvalidInput,
        /upper/i,
      ],
      [
        'short',
        () => c.sendRequest(StatRequest.type, { digest: 'sha256:abc' }),
        StoreErrorCode.InvalidInput,
        /64|length/,
      ],
      [
        'traversal',
        () => c.sendRequest(ReadRequest.type, { digest: 'sha256:../../../../etc/passwd' }),
        StoreErrorCode.InvalidInput,
        /./,
      ],
      [
        'missing',
        () => c.sendRequest(StatRequest.type, { digest: `sha256:${'0'.repeat(64)}` }),
        StoreErrorCode.NotFound,
        /not in the store/,
      ],
      [
        'negative range',
        () => c.sendRequest(ReadRequest.type, { digest: `sha256:${hello}`, offset: -1 }),
        StoreErrorCode.InvalidInput,
        /non-negative/,
      ],
      [
        'huge page',
        () => c.sendRequest(ListBlobsRequest.type, { limit: 10_000_000 }),
        StoreErrorCode.InvalidInput,
        /page size/,
      ],
      [
        'bad shard',
        () => c.sendRequest(ListBlobsRequest.type, { shard: '../', limit: 10 }),
        StoreErrorCode.InvalidInput,
        /shard/,
      ],
      [
        'unknown scheme',
        () => c.sendRequest(PutRequest.type, { uri: 'ftp://example/x' }),
        StoreErrorCode.InvalidInput,
        /file:/,
      ],
      ['not an object', () => c.sendRequest(StatRequest.type, null as never), StoreErrorCode.InvalidInput, /object/],
      ['bad prefix', () => c.sendRequest(ResolveRequest.type, { query: 'xyz' }), StoreErrorCode.InvalidInput, /hex/],
    ];
    for (const [name, promise, code, message] of cases) {
      const err = await rpcError(promise());
      assert.equal(err.code, code, `${name}: ${err.message}`);
      assert.match(err.message, message, name);
    }
    const status = await c.sendRequest(StatusRequest.type, {});
    assert.equal(status.state, 'ok');
  });
});

describe('an untrusted workspace', () => {
  test('refuses put and gc, still reads', async () => {
    const root = tempStore();
    const hex = writeBlob(root, 'read me');
    const server = await startServer(root, { trusted: false });
    try {
      const err = await rpcError(
        server.connection.sendRequest(PutRequest.type, { data: Buffer.from('x').toString('base64') }),
      );
      assert.equal(err.code, StoreErrorCode.WriteRefused);
      const gc = await rpcError(server.connection.sendRequest(GcRequest.type, {}));
      assert.equal(gc.code, StoreErrorCode.WriteRefused);
      const read = await server.connection.sendRequest(ReadRequest.type, { digest: `sha256:${hex}` });
      assert.equal(Buffer.from(read.data, 'base64').toString(), 'read me');
      assert.equal((await server.connection.sendRequest(StatusRequest.type, {})).writable, false);
    } finally {
      await server.stop();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('a store that is not there', () => {
  test('is reported, and the server keeps answering', async () => {
    const parent = tempStore();
    const root = path.join(parent, 'not-yet');
    const server = await startServer(root);
    try {
      assert.equal(server.statuses[0].state, 'missing');
      const { shards } = await server.connection.sendRequest(ListShardsRequest.type, {});
      assert.deepEqual(shards, []);
      const put = await server.connection.sendRequest(PutRequest.type, {
        data: Buffer.from('first blob').toString('base64'),
      });
      assert.ok(fs.existsSync(blobFile(root, put.digest.slice(7))));
    } finally {
      await server.stop();
      fs.rmSync(parent, { recursive: true, force: true });
    }
  });

  test('a file where the store should be is reported as not a directory', async () => {
    const parent = tempStore();
    const file = path.join(parent, 'store-file');
    fs.writeFileSync(file, 'not a store');
    const server = await startServer(file);
    try {
      assert.equal(server.statuses[0].state, 'not-a-directory');
      assert.match(server.statuses[0].message, /not a directory/);
      // The user is told once, as a warning, not only in the status bar.
      await server.waitFor('a warning message', () =>
        server.messages.find((m) => m.type === 2 && /not a directory/.test(m.message)),
      );
      const status = await server.connection.sendRequest(StatusRequest.type, {});
      assert.equal(status.state, 'not-a-directory');
    } finally {
      await server.stop();
      fs.rmSync(parent, { recursive: true, force: true });
    }
  });
});

describe('putMissing', () => {
  test('fills an image closure from a folder of files, matching by content', async () => {
    const root = tempStore();
    const image = writeDemoImage(root, 'holes');
    const folder = path.join(root, '..', `pf-folder-${process.pid}`);
    fs.mkdirSync(path.join(folder, 'nested'), { recursive: true });
    // Two blobs go missing; their raw contents sit in the folder among unrelated files.
    fs.rmSync(blobFile(root, image.spec.env));
    fs.rmSync(blobFile(root, image.fileBlobs[1]));
    fs.writeFileSync(path.join(folder, 'env.json'), envText({ HOME: '/home/dev', PATH: '/usr/bin', TAG: 'holes' }));
    fs.writeFileSync(path.join(folder, 'nested', 'notes.txt'), 'holes notes\n');
    fs.writeFileSync(path.join(folder, 'unrelated.txt'), 'nothing to see');
    const server = await startServer(root);
    try {
      const result = await server.connection.sendRequest(PutMissingRequest.type, {
        image: `sha256:${image.hex}`,
        folderUri: pathToFileURL(folder).toString(),
      });
      assert.deepEqual(
        result.stored.map((s) => s.digest).sort(),
        [`sha256:${image.spec.env}`, `sha256:${image.fileBlobs[1]}`].sort(),
      );
      assert.deepEqual(result.stillMissing, []);
      assert.equal(result.filesScanned, 3);
      assert.ok(fs.existsSync(blobFile(root, image.spec.env)));
      const bad = await rpcError(
        server.connection.sendRequest(PutMissingRequest.type, {
          image: `sha256:${image.hex}`,
          folderUri: 'http://example/x',
        }),
      );
      assert.equal(bad.code, StoreErrorCode.InvalidInput);
    } finally {
      await server.stop();
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
