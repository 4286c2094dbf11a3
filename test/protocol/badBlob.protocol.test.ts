// A damaged blob, for the person who has to deal with it: what is wrong and whom it hurts (blobProblem), the
// original put back (put with `expect`, any other file refused), removal of a damaged blob only, a fetch that
// replaces a damaged copy, and the snapshots named on a verify's problems. Real server, real store.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  BlobProblemRequest,
  ListBlobsRequest,
  PutRequest,
  ReadRequest,
  RemoveBadBlobRequest,
  StoreErrorCode,
  VerifyRequest,
} from '../../shared/protocol';
import { badBlobReport, isBadBlobReport } from '../../shared/blobs/badBlobReport';
import { rpcError } from '../support/rpcError';
import { startServer, type ServerSession } from '../support/serverProcess';
import { blobFile, flipByte, tempStore, writeDemoImage } from '../support/storeFixtures';

describe('a damaged blob', () => {
  let root: string;
  let server: ServerSession;
  let before_: ReturnType<typeof writeDemoImage>;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-bad-blob-'));

  before(async () => {
    root = tempStore();
    before_ = writeDemoImage(root, 'before-refactor');
    writeDemoImage(root, 'after-refactor', [before_.hex]);
    server = await startServer(root, { trusted: true });
  });
  after(async () => {
    await server.stop();
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  test('blobProblem: the kind, every snapshot using it by name, and the stored bytes; a good blob is ok', async () => {
    const base = before_.spec.base; // `base:langgraph`: both snapshots name it
    const stored = fs.readFileSync(blobFile(root, base));
    flipByte(blobFile(root, base), stored.length - 2);
    const found = await server.connection.sendRequest(BlobProblemRequest.type, {
      digest: `sha256:${base}`,
      rawBytes: 4,
    });
    assert.equal(found.ok, false);
    assert.ok(['hash-mismatch', 'corrupt-frame'].includes(found.kind ?? ''), found.kind);
    assert.deepEqual(found.users.map((u) => u.name).sort(), ['after-refactor', 'before-refactor']);
    assert.deepEqual(found.users[0].places, ['model.base']);
    assert.equal(found.storedBytes, stored.length);
    assert.deepEqual(Buffer.from(found.rawHead!, 'base64'), stored.subarray(0, 4)); // zstd's magic, as on disk
    const good = await server.connection.sendRequest(BlobProblemRequest.type, { digest: `sha256:${before_.spec.env}` });
    assert.equal(good.ok, true);
    assert.equal(good.kind, undefined);
    const tooMany = await rpcError(
      server.connection.sendRequest(BlobProblemRequest.type, { digest: `sha256:${base}`, rawBytes: 2 << 20 }),
    );
    assert.equal(tooMany.code, StoreErrorCode.InvalidInput);
  });

  test('put again: a file with other content is refused and writes nothing; the original repairs it', async () => {
    const hex = before_.spec.messages;
    const original = Buffer.from('{"role":"user","content":"before-refactor"}\n{"role":"assistant","content":"ok"}\n');
    fs.truncateSync(blobFile(root, hex), 7);
    const other = path.join(scratch, 'other.jsonl');
    fs.writeFileSync(other, 'not the conversation\n');
    const before = fs.readdirSync(path.join(root, 'blobs', 'sha256'), { recursive: true }).length;
    const refused = await rpcError(
      server.connection.sendRequest(PutRequest.type, { uri: pathToFileURL(other).href, expect: `sha256:${hex}` }),
    );
    assert.equal(refused.code, StoreErrorCode.InvalidInput);
    assert.match(refused.message, /is not that blob's content: it hashes to sha256:.*nothing was written/);
    assert.equal(fs.readdirSync(path.join(root, 'blobs', 'sha256'), { recursive: true }).length, before);
    const file = path.join(scratch, 'trace.jsonl');
    fs.writeFileSync(file, original);
    const put = await server.connection.sendRequest(PutRequest.type, {
      uri: pathToFileURL(file).href,
      expect: `sha256:${hex}`,
    });
    assert.equal(put.digest, `sha256:${hex}`);
    assert.equal(put.created, true);
    const read = await server.connection.sendRequest(ReadRequest.type, { digest: `sha256:${hex}` });
    assert.deepEqual(Buffer.from(read.data, 'base64'), original);
  });

  test('remove: refused for a blob that passes its check, done for a damaged one', async () => {
    const good = before_.spec.procs;
    const refused = await rpcError(
      server.connection.sendRequest(RemoveBadBlobRequest.type, { digest: `sha256:${good}` }),
    );
    assert.equal(refused.code, StoreErrorCode.InvalidInput);
    assert.match(refused.message, /passes its check now; it was not removed/);
    assert.ok(fs.existsSync(blobFile(root, good)));
    const bad = before_.spec.diff;
    fs.writeFileSync(blobFile(root, bad), '<html>502 Bad Gateway</html>');
    const removed = await server.connection.sendRequest(RemoveBadBlobRequest.type, { digest: `sha256:${bad}` });
    assert.equal(removed.removed, true);
    assert.equal(fs.existsSync(blobFile(root, bad)), false);
    const notFound = await rpcError(
      server.connection.sendRequest(BlobProblemRequest.type, { digest: `sha256:${bad}` }),
    );
    assert.equal(notFound.code, StoreErrorCode.NotFound);
  });

  test("a damaged blob's report gets no digest diagnostics of its own; the same digests elsewhere do", async () => {
    const hex = before_.spec.cachePages;
    flipByte(blobFile(root, hex));
    const found = await server.connection.sendRequest(BlobProblemRequest.type, { digest: `sha256:${hex}` });
    const report = badBlobReport(found, []);
    assert.ok(isBadBlobReport(report));
    const reportUri = `processfork-blob:/sha256/${hex}`;
    const plainUri = `processfork-blob:/sha256/${hex}/as-text`;
    await server.open(reportUri, report, 'plaintext');
    await server.open(plainUri, `see sha256:${hex}\n`, 'plaintext');
    const plain = await server.waitForDiagnostics(plainUri, (p) => p.diagnostics.length > 0);
    assert.equal(plain.diagnostics[0].code, 'corrupt-blob');
    const own = await server.waitForDiagnostics(reportUri, () => true);
    assert.deepEqual(own.diagnostics, []);
  });

  test('remove never follows a shard folder out of the store', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-outside-'));
    try {
      // A store whose shard `ee` is a symlink to a folder elsewhere, holding a "blob" file that fails its check.
      const hex = `ee${'1'.repeat(62)}`;
      const shard = path.join(root, 'blobs', 'sha256', 'ee');
      fs.rmSync(shard, { recursive: true, force: true });
      fs.symlinkSync(outside, shard);
      const victim = path.join(outside, `${hex}.zst`);
      fs.writeFileSync(victim, 'someone else’s file');
      const refused = await rpcError(
        server.connection.sendRequest(RemoveBadBlobRequest.type, { digest: `sha256:${hex}` }),
      );
      assert.equal(refused.code, StoreErrorCode.InvalidInput);
      assert.match(refused.message, /leads out of the store; nothing was removed/);
      assert.equal(fs.readFileSync(victim, 'utf8'), 'someone else’s file');
      fs.rmSync(shard);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  test('a malformed page request does not hold the background count back', async () => {
    const session = await startServer(root, { trusted: true });
    try {
      const bad = await rpcError(session.connection.sendRequest(ListBlobsRequest.type, null as never));
      assert.equal(bad.code, StoreErrorCode.InvalidInput);
      await session.waitFor('the blob count', () => session.statuses.find((st) => st.blobCount !== undefined), 20_000);
    } finally {
      await session.stop();
    }
  });

  test("a verify's problems name the snapshots each damaged blob hurts", async () => {
    const hex = before_.spec.ledger;
    flipByte(blobFile(root, hex));
    const report = await server.connection.sendRequest(VerifyRequest.type, { kind: 'store' });
    const entry = report.problems.find((p) => p.digest === `sha256:${hex}`);
    assert.ok(entry, JSON.stringify(report.problems));
    assert.deepEqual(entry.usedBy, ['before-refactor']);
    assert.equal(entry.usedByCount, 1);
  });
});
