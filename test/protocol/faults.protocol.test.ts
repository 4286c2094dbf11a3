// Hostile input against the real server process over JSON-RPC: a FIFO where a blob belongs, a 20 MiB
// parameter, a document nested 100,000 levels deep, and a corrupt frame on stdio. The server must answer
// every request (or exit cleanly for a broken stream), never hang, never echo the input back whole.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HoverRequest, DocumentLinkRequest } from 'vscode-languageserver-protocol';
import { ListBlobsRequest, ResolveRequest, StatRequest, StatusRequest, StoreErrorCode } from '../../shared/protocol';
import { SERVER_JS, startServer, type ServerSession } from '../support/serverProcess';
import { blobFile, sha256Hex, tempStore, writeBlob } from '../support/storeFixtures';

describe('hostile input to the server', () => {
  let root: string;
  let server: ServerSession;
  let fifoHex: string;

  before(async () => {
    root = tempStore();
    writeBlob(root, 'a good blob\n');
    fifoHex = sha256Hex('behind a pipe');
    fs.mkdirSync(path.dirname(blobFile(root, fifoHex)), { recursive: true });
    assert.equal(spawnSync('mkfifo', [blobFile(root, fifoHex)]).status, 0);
    server = await startServer(root);
  });
  after(() => server.stop());

  test('stat of a FIFO blob answers "not a regular file" and the server keeps answering', async () => {
    const info = await server.connection.sendRequest(StatRequest.type, { digest: `sha256:${fifoHex}` });
    assert.equal(info.lastVerified?.ok, false);
    assert.match(info.lastVerified?.problem ?? '', /named pipe/);
    const status = await server.connection.sendRequest(StatusRequest.type, {});
    assert.equal(status.state, 'ok');
  });

  test('a 20 MiB parameter comes back as a short error, not echoed whole', async () => {
    const huge = 'g'.repeat(20 << 20);
    for (const send of [
      () => server.connection.sendRequest(ListBlobsRequest.type, { shard: huge, limit: 10 }),
      () => server.connection.sendRequest(ResolveRequest.type, { query: huge }),
    ]) {
      await assert.rejects(send(), (err: { code: number; message: string }) => {
        assert.equal(err.code, StoreErrorCode.InvalidInput);
        assert.ok(err.message.length < 2100, `the error message is ${err.message.length} characters`);
        return true;
      });
    }
  });

  test('a manifest nested 100,000 levels deep gets hovers, links and a diagnostic, not a crash', async () => {
    const uri = `file://${path.join(root, 'images', 'deep.pfimg')}`;
    const digest = `sha256:${sha256Hex('a good blob\n')}`;
    const text = `{"model":{"base":"${digest}"},"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    await server.open(uri, text, 'pfimg');
    const diagnostics = await server.waitForDiagnostics(uri, () => true, 15_000);
    assert.ok(Array.isArray(diagnostics.diagnostics));
    const links = await server.connection.sendRequest(DocumentLinkRequest.type, { textDocument: { uri } });
    assert.equal(links?.length, 1);
    const hover = await server.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position: { line: 0, character: 20 },
    });
    assert.ok(hover, 'no hover on the digest');
    assert.doesNotMatch(server.logs.join('\n'), /Maximum call stack/);
  });
});

test('a corrupt frame on stdio makes the server say so and exit non-zero, so the client restarts it', async () => {
  const child = spawn(process.execPath, [SERVER_JS, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { capabilities: {} } });
  child.stdin.write(`Content-Length: ${body.length - 10}\r\n\r\n${body}`);
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await exited;
  clearTimeout(timer);
  assert.notEqual(code, null, 'the server had to be killed: it lived on, deaf');
  assert.notEqual(code, 0);
  assert.match(stderr, /corrupt/);
});
