// processfork/search through the server: the snapshots a query matches as the brute-force scan finds them, in
// pages, newest first, with progress while the index is built, verdicts read from the store, a malformed query
// answered with its column, and a new snapshot found by the next query.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { CancellationTokenSource, WorkDoneProgress, type ProgressToken } from 'vscode-languageserver-protocol';
import { SearchRequest, StoreErrorCode } from '../../shared/protocol';
import { parseQuery } from '../../shared/search/query';
import { traceText, writePfImage } from '../support/pfLayers';
import { bruteForce, generateSearchStore, type Snapshot } from '../support/searchStore';
import { startServer, type ServerSession } from '../support/serverProcess';

let server: ServerSession;
let root: string;
let snaps: Snapshot[];

before(async () => {
  ({ root, snaps } = generateSearchStore(61, 90));
  server = await startServer(root);
});
after(() => server.stop());

test('pages of matching snapshots, newest first, with progress while the index is first built', async () => {
  const workDoneToken: ProgressToken = 'search-progress-1';
  const kinds: string[] = [];
  const d = server.connection.onProgress(WorkDoneProgress.type, workDoneToken, (p) => {
    kinds.push(p.kind);
  });
  const query = 'tool:git_push OR secret:*';
  const first = await server.connection.sendRequest(SearchRequest.type, { query, limit: 10, workDoneToken });
  d.dispose();
  assert.equal(first.indexed, 90);
  assert.equal(first.searched, 90);
  assert.deepEqual([kinds[0], kinds[kinds.length - 1]], ['begin', 'end']);
  const want = bruteForce(snaps, parseQuery(query));
  assert.equal(first.total, want.size);
  let all = first.snapshots;
  for (let offset = 10; offset < first.total; offset += 10) {
    const page = await server.connection.sendRequest(SearchRequest.type, { query, offset, limit: 10 });
    assert.equal(page.indexed, 0, 'a warm index reads nothing again');
    all = all.concat(page.snapshots);
  }
  assert.deepEqual(all.map((s) => s.image.slice(7)).sort(), [...want].sort());
  const created = all.map((s) => s.created);
  assert.deepEqual(created, [...created].sort().reverse(), 'newest first');
  for (const s of all) {
    const known = snaps.find((x) => x.hex === s.image.slice(7))!;
    assert.equal(s.name, known.name);
    assert.equal(s.record, known.intact ? 'intact' : 'not intact', known.name);
    assert.deepEqual(s.secrets.sort(), [...known.secrets].sort());
    assert.ok(!JSON.stringify(s).includes('ghp_') && !JSON.stringify(s).includes('hunter2'), 'a secret value');
  }
});

test('a malformed query is refused with its column; a new snapshot is found by the next query', async () => {
  await assert.rejects(
    server.connection.sendRequest(SearchRequest.type, { query: 'deploy AND (prod' }),
    (err: { code: number; data?: { column: number }; message: string }) =>
      err.code === StoreErrorCode.InvalidInput && err.data?.column === 12 && /never closed/.test(err.message),
  );
  await assert.rejects(
    server.connection.sendRequest(SearchRequest.type, { query: 'x', limit: 1000 }),
    (err: { code: number }) => err.code === StoreErrorCode.InvalidInput,
  );
  const hex = writePfImage(root, {
    name: 'fresh-one',
    createdAt: '2026-12-05T00:00:00Z',
    parents: [snaps[0].hex],
    trace: traceText([{ role: 'assistant', content: 'I rotated the kiwi credentials' }]),
  }).hex;
  const found = await server.connection.sendRequest(SearchRequest.type, { query: '"KIWI credentials"' });
  assert.equal(found.indexed, 1);
  assert.deepEqual(
    found.snapshots.map((s) => s.image),
    [`sha256:${hex}`],
  );
  const [hit] = found.snapshots[0].hits;
  assert.deepEqual([hit.layer, hit.index, hit.label], ['trace', 0, 'assistant']);
  assert.equal(hit.snippet.slice(hit.mark![0], hit.mark![1]), 'kiwi credentials');
  // A cancelled query answers as cancelled, and the server goes on answering.
  const source = new CancellationTokenSource();
  const cancelled = server.connection.sendRequest(SearchRequest.type, { query: '/deploy/' }, source.token);
  source.cancel();
  await cancelled.then(
    () => undefined,
    (err: { code: number }) => assert.equal(err.code, -32800),
  );
  const again = await server.connection.sendRequest(SearchRequest.type, { query: 'lineage:fresh-one' });
  assert.equal(again.total, 1);
});

test('in Restricted Mode a search writes nothing under the store: the index goes to the cache folder', async () => {
  const { root: untrustedRoot, snaps: few } = generateSearchStore(67, 8);
  const untrusted = await startServer(untrustedRoot, { trusted: false });
  try {
    const found = await untrusted.connection.sendRequest(SearchRequest.type, { query: 'chain:ok OR chain:bad' });
    assert.equal(found.total, few.length);
    assert.ok(!fs.existsSync(path.join(untrustedRoot, 'search-index')), 'an index folder under the store');
  } finally {
    untrusted.stop();
  }
});
