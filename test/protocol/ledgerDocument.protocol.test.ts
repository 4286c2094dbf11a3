// A raw effects ledger opened as a document (issue 39 item 5): its entries' args_hash and result_hash are hashes
// of values pf never stores, so they are not "missing blobs"; a digest that does name a blob (the merge record's
// parents' ledgers) still gets its warning when it is not here.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, test } from 'node:test';
import { DocumentLinkRequest, HoverRequest } from 'vscode-languageserver-protocol';
import { startServer, type ServerSession } from '../support/serverProcess';
import { entry, ledgerText } from '../support/pfLayers';
import { tempStore, writeBlob } from '../support/storeFixtures';

const SECRET = '3c'.repeat(32);
const tools = ['read_file', 'edit_file', 'run_tests', 'git_commit', 'http_post', 'write_file'];
const root = tempStore();
let server: ServerSession;
let ledgerUri: string;
let text: string;

before(async () => {
  text = ledgerText(
    tools.map((t, i) => entry(i, t)),
    { secretHex: SECRET },
  );
  const hex = writeBlob(root, text);
  ledgerUri = `processfork-blob:/sha256/${hex}`;
  server = await startServer(root);
});
after(async () => {
  await server.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

test('a ledger of six calls shows no "not in store" warning for its twelve value hashes, nor links them', async () => {
  // A line naming a blob that is not here, appended as a marker: its warning shows the diagnostics ran.
  const marked = `${text}{"note":"sha256:${'ef'.repeat(32)}"}\n`;
  await server.open(ledgerUri, marked);
  const d = await server.waitForDiagnostics(ledgerUri, (p) => p.diagnostics.length > 0);
  const missing = d.diagnostics.filter((x) => x.code === 'missing-blob');
  assert.equal(missing.length, 1, JSON.stringify(d.diagnostics.map((x) => x.message)));
  assert.match(String(missing[0].message), /efefef/);
  const links = await server.connection.sendRequest(DocumentLinkRequest.type, { textDocument: { uri: ledgerUri } });
  assert.equal(links?.length, 1);
  const line = marked.split('\n')[1];
  const hover = await server.connection.sendRequest(HoverRequest.type, {
    textDocument: { uri: ledgerUri },
    position: { line: 1, character: line.indexOf('"args_hash":"sha256:') + 20 },
  });
  assert.match(JSON.stringify(hover?.contents), /hash of a tool call's arguments or result/);
});
