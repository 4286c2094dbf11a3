// Verify with progress, partial results and cancellation; paging over a 100,000-blob store; a flood of
// malformed requests.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { WorkDoneProgress, type ProgressToken } from 'vscode-languageserver-protocol';
import {
  ListBlobsRequest,
  ListShardsRequest,
  StatusRequest,
  VerifyRequest,
  type VerifyProblemInfo,
} from '../../shared/protocol';
import { startServer, type ServerSession } from '../support/serverProcess';
import { blobFile, flipByte, tempStore, writeDemoImage, writeManyBlobs } from '../support/storeFixtures';
import { appendAll } from '../../shared/common/arrays';

describe('verify', () => {
  let root: string;
  let server: ServerSession;
  let image: ReturnType<typeof writeDemoImage>;

  before(async () => {
    root = tempStore();
    image = writeDemoImage(root, 'gamma');
    writeManyBlobs(root, 3000, 'verify');
    server = await startServer(root);
  });
  after(async () => {
    await server.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('the whole store, with progress and problems as partial results', async () => {
    flipByte(blobFile(root, image.spec.diff));
    fs.truncateSync(blobFile(root, image.spec.procs), 10);
    const progress: string[] = [];
    const partial: VerifyProblemInfo[] = [];
    const workDoneToken: ProgressToken = 'verify-progress-1';
    const partialResultToken: ProgressToken = 'verify-partial-1';
    const d1 = server.connection.onProgress(WorkDoneProgress.type, workDoneToken, (p) => {
      progress.push(p.kind);
    });
    const d2 = server.connection.onProgress(VerifyRequest.type, partialResultToken, (p) => {
      appendAll(partial, p);
    });
    const report = await server.connection.sendRequest(VerifyRequest.type, {
      kind: 'store',
      workDoneToken,
      partialResultToken,
    });
    d1.dispose();
    d2.dispose();
    assert.equal(report.cancelled, false);
    assert.ok(report.checked >= 3000);
    assert.equal(report.checked - report.ok, 2);
    const kinds = Object.fromEntries(report.problems.map((p) => [p.digest, p.kind]));
    assert.ok(['hash-mismatch', 'corrupt-frame'].includes(kinds[`sha256:${image.spec.diff}`]));
    assert.equal(kinds[`sha256:${image.spec.procs}`], 'truncated');
    assert.equal(progress[0], 'begin');
    assert.equal(progress[progress.length - 1], 'end');
    assert.ok(progress.filter((k) => k === 'report').length >= 1);
    assert.deepEqual(partial.map((p) => p.digest).sort(), report.problems.map((p) => p.digest).sort());
    const status = await server.connection.sendRequest(StatusRequest.type, {});
    assert.equal(status.problemCount, 2);
  });

  test('an image closure names the layer of each failing blob', async () => {
    fs.rmSync(blobFile(root, image.fileBlobs[0]));
    const report = await server.connection.sendRequest(VerifyRequest.type, {
      kind: 'image',
      digest: `sha256:${image.hex}`,
    });
    const byDigest = new Map(report.problems.map((p) => [p.digest, p]));
    assert.equal(byDigest.get(`sha256:${image.spec.procs}`)?.layer, 'world.procs');
    assert.equal(byDigest.get(`sha256:${image.fileBlobs[0]}`)?.kind, 'not-found');
    assert.equal(byDigest.get(`sha256:${image.spec.env}`), undefined);
  });

  test('one blob', async () => {
    const ok = await server.connection.sendRequest(VerifyRequest.type, {
      kind: 'blob',
      digest: `sha256:${image.spec.env}`,
    });
    assert.deepEqual({ checked: ok.checked, ok: ok.ok, problems: ok.problems }, { checked: 1, ok: 1, problems: [] });
  });

  test('cancellation stops a store verify between blobs', async () => {
    const extra = writeManyBlobs(root, 20000, 'cancel');
    assert.equal(extra.length, 20000);
    const source = new CancellationTokenSource();
    const workDoneToken = 'verify-progress-2';
    let reports = 0;
    const d = server.connection.onProgress(WorkDoneProgress.type, workDoneToken, (p) => {
      if (p.kind === 'report' && ++reports === 2) {
        source.cancel();
      }
    });
    const report = await server.connection
      .sendRequest(VerifyRequest.type, { kind: 'store', workDoneToken }, source.token)
      .catch((e) => e);
    d.dispose();
    // Either the server answered what it had (cancelled: true) or the client library gave up the request.
    if ('cancelled' in report) {
      assert.equal(report.cancelled, true);
      assert.ok(report.checked < 23000, `checked ${report.checked}`);
    } else {
      assert.match(String(report.message), /cancel/i);
    }
    const status = await server.connection.sendRequest(StatusRequest.type, {});
    assert.equal(status.state, 'ok');
  });
});

describe('a 100,000-blob store', () => {
  let root: string;
  let server: ServerSession;
  let all: string[];

  before(async () => {
    root = tempStore();
    all = writeManyBlobs(root, 100_000, 'page').sort();
    server = await startServer(root);
  });
  after(async () => {
    await server.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('pages through every blob once, in order, with a cursor', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await server.connection.sendRequest(ListBlobsRequest.type, { limit: 2000, cursor });
      assert.ok(page.items.length <= 2000);
      appendAll(
        seen,
        page.items.map((i) => i.digest.slice(7)),
      );
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 50);
    assert.deepEqual(seen, all);
  });

  test('shards add up, and one shard pages on its own', async () => {
    const { shards, total } = await server.connection.sendRequest(ListShardsRequest.type, {});
    assert.equal(shards.length, 256);
    assert.equal(total, 100_000);
    const s = shards[17];
    const page = await server.connection.sendRequest(ListBlobsRequest.type, { shard: s.shard, limit: 100 });
    assert.equal(page.items.length, 100);
    assert.deepEqual(
      page.items.map((i) => i.digest.slice(7)),
      all.filter((h) => h.startsWith(s.shard)).slice(0, 100),
    );
  });

  test('a flood of malformed requests leaves the server answering', async () => {
    const c = server.connection;
    const junk: unknown[] = [
      null,
      42,
      'x',
      [],
      { digest: 7 },
      { digest: 'sha256:' + 'g'.repeat(64) },
      { limit: -1 },
      { limit: 'all' },
      { shard: 'zz', limit: 1 },
      { cursor: '../../', limit: 1 },
      { query: {} },
      { kind: 'nope' },
      { uri: 'file:///nonexistent/\u0000' },
    ];
    const methods = [
      'processfork/stat',
      'processfork/read',
      'processfork/listBlobs',
      'processfork/resolve',
      'processfork/verify',
      'processfork/put',
      'processfork/imageDetails',
      'processfork/nope',
    ];
    const sent: Array<Promise<unknown>> = [];
    for (let round = 0; round < 20; round++) {
      for (const m of methods) {
        for (const p of junk) {
          sent.push(
            c.sendRequest(m, p).then(
              () => 'ok',
              (e) => e.code,
            ),
          );
        }
      }
    }
    const outcomes = await Promise.all(sent);
    assert.equal(outcomes.length, 20 * methods.length * junk.length);
    // Every malformed request was answered (none hangs); none crashed the server.
    assert.ok(outcomes.every((o) => o === 'ok' || typeof o === 'number'));
    assert.ok(outcomes.filter((o) => o !== 'ok').length > outcomes.length / 2);
    assert.equal(server.child.exitCode, null);
    const status = await c.sendRequest(StatusRequest.type, {});
    assert.equal(status.blobCount, 100_000);
  });
});
