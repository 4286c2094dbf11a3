// The server on lists that grow with the store, at the sizes an attack reached (each once overflowed the stack):
// the diagnostics of a .pfimg naming 200,000 parents, the lineage of an image with 200,000 parents, and hovers
// whose fs entry path is Markdown. The server must answer, and keep answering.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { HoverRequest, type MarkupContent } from 'vscode-languageserver-protocol';
import { LineageRequest, ReferencesRequest } from '../../shared/protocol';
import { startServer, type ServerSession } from '../support/serverProcess';
import { tempStore, writeBlob, writeDemoImage, writeImage } from '../support/storeFixtures';

const hexOf = (text: string) => createHash('sha256').update(text).digest('hex');
const PARENTS = Array.from({ length: 200_000 }, (_, i) => hexOf(`parent ${i}`));
/** A path that, unescaped, renders as a command link and emphasis in a hover. */
const MARKDOWN_PATH = 'work/[run me](command:workbench.action.quit) *now*.txt';

let server: ServerSession;
let root: string;
let many: { hex: string; json: string };
let fileBlob: string;
let demo: ReturnType<typeof writeDemoImage>;
let unreadable: { hex: string };

before(async () => {
  root = tempStore();
  demo = writeDemoImage(root, 'scale');
  fileBlob = writeBlob(root, 'print("hi")\n');
  const tree = writeBlob(
    root,
    JSON.stringify({
      kind: 'fs.tree.v1',
      entries: [{ path: MARKDOWN_PATH, size: 12, blob: `sha256:${fileBlob}`, mode: 0o100644, kind: 'file' }],
    }),
  );
  writeImage(root, { ...demo.spec, fs: tree, createdAt: '2026-11-21T00:00:00Z' });
  // An image whose page list is not one: what it reaches cannot be told.
  unreadable = writeImage(root, {
    ...demo.spec,
    cachePages: writeBlob(root, 'not a page list'),
    createdAt: '2026-11-20T00:00:00Z',
  });
  many = writeImage(root, { ...demo.spec, parents: PARENTS, createdAt: '2026-11-22T00:00:00Z' }, { fast: true });
  server = await startServer(root);
});
after(() => server.stop());

test('a .pfimg naming 200,000 parents gets its diagnostics', async () => {
  const file = path.join(root, '..', `pf-parents-${process.pid}.pfimg`);
  fs.writeFileSync(file, many.json);
  const uri = pathToFileURL(file).toString();
  await server.open(uri, many.json);
  const d = await server.waitForDiagnostics(uri, (p) => p.diagnostics.length > 0, 60_000);
  assert.ok(
    d.diagnostics.some((x) => /at most two parents/.test(typeof x.message === 'string' ? x.message : '')),
    JSON.stringify(d.diagnostics.slice(0, 3)),
  );
});

test('the lineage of an image with 200,000 parents', async () => {
  const { images } = await server.connection.sendRequest(LineageRequest.type, { image: `sha256:${many.hex}` });
  assert.equal(images[0].missingParents.length, 200_000);
});

test('a hover naming an fs entry path shows it as text, never as a link or emphasis', async () => {
  const text = JSON.stringify({ note: `sha256:${fileBlob}` });
  const file = path.join(root, '..', `pf-hover-${process.pid}.pfimg`);
  fs.writeFileSync(file, text);
  const uri = pathToFileURL(file).toString();
  await server.open(uri, text);
  // The places come from the reference graph, which the server builds in the background after start.
  let hover = '';
  for (const started = Date.now(); !hover.includes('world\\.fs entry') && Date.now() - started < 30_000;) {
    const h = await server.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position: { line: 0, character: text.indexOf('sha256:') + 10 },
    });
    hover = (h?.contents as MarkupContent | undefined)?.value ?? '';
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(hover.includes('world\\.fs entry'), `the hover never named the fs entry: ${JSON.stringify(hover)}`);
  assert.ok(!hover.includes('](command:'), hover);
  assert.ok(!/[^\\]\*now/.test(hover), hover);
  assert.match(hover, /\\\[run me\\\]\\\(command\\:workbench\\\.action\\\.quit\\\)/);
});

test('references and the hover say when they cannot tell, instead of "used by 0"', async () => {
  const lonely = writeBlob(root, 'named by nothing that can be read\n');
  const refs = await server.connection.sendRequest(ReferencesRequest.type, { digest: `sha256:${lonely}` });
  assert.deepEqual(refs.images, []);
  assert.deepEqual(
    refs.unknown.map((u) => [u.image, u.field]),
    [[`sha256:${unreadable.hex}`, 'cache.manifest']],
  );
  const text = JSON.stringify({ note: `sha256:${lonely}` });
  const file = path.join(root, '..', `pf-unknown-${process.pid}.pfimg`);
  fs.writeFileSync(file, text);
  const uri = pathToFileURL(file).toString();
  await server.open(uri, text);
  const h = await server.connection.sendRequest(HoverRequest.type, {
    textDocument: { uri },
    position: { line: 0, character: text.indexOf('sha256:') + 10 },
  });
  const value = (h?.contents as MarkupContent).value;
  assert.match(value, /Used by 0 images that can be read; could not tell for 1 image/, value);
});
