// Hovers, links and diagnostics on a manifest, through the real server, including the clearing of an
// integrity error after the blob is repaired on disk.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  CompletionRequest,
  DocumentLinkRequest,
  DocumentSymbolRequest,
  HoverRequest,
  ReferencesRequest,
  type CompletionItem,
  type Diagnostic,
  type DocumentSymbol,
  type MarkupContent,
} from 'vscode-languageserver-protocol';
import { startServer, type ServerSession } from '../support/serverProcess';
import { blobFile, flipByte, tempStore, writeBlob, writeDemoImage } from '../support/storeFixtures';

function positionOf(text: string, needle: string): { line: number; character: number } {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, `${needle} not in text`);
  const before = text.slice(0, i);
  return { line: before.split('\n').length - 1, character: i - before.lastIndexOf('\n') - 1 };
}

const byCode = (diags: Diagnostic[], code: string) => diags.filter((d) => d.code === code);
const messageOf = (d: Diagnostic) => (typeof d.message === 'string' ? d.message : d.message.value);

describe('manifest features', () => {
  let root: string;
  let server: ServerSession;
  let image: ReturnType<typeof writeDemoImage>;
  let uri: string;
  let text: string;

  before(async () => {
    root = tempStore();
    image = writeDemoImage(root, 'beta');
    // A manifest in the workspace, pretty-printed as a person keeps one, with one missing blob and one
    // malformed digest.
    const m = JSON.parse(image.json);
    m.trace.messages = `sha256:${'ab'.repeat(32)}`; // not in the store
    m.parents = ['sha256:ABC'];
    text = JSON.stringify(m, null, 2);
    const file = path.join(root, '..', `pf-manifest-${process.pid}.pfimg`);
    fs.writeFileSync(file, text);
    uri = pathToFileURL(file).toString();
    server = await startServer(root);
    await server.open(uri, text);
  });
  after(async () => {
    await server.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('diagnostics flag the missing blob and the malformed digest', async () => {
    const d = await server.waitForDiagnostics(uri, (p) => byCode(p.diagnostics, 'missing-blob').length > 0);
    const missing = byCode(d.diagnostics, 'missing-blob');
    assert.equal(missing.length, 1);
    assert.match(messageOf(missing[0]), /trace\.messages/);
    assert.equal(missing[0].range.start.line, positionOf(text, 'abab').line);
    const malformed = byCode(d.diagnostics, 'malformed-digest');
    assert.equal(malformed.length, 1);
    assert.equal(malformed[0].range.start.line, positionOf(text, 'sha256:ABC').line);
    assert.equal(byCode(d.diagnostics, 'corrupt-blob').length, 0);
  });

  test('hover on a present digest says what it is and where it is used', async () => {
    const hover = await server.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position: positionOf(text, image.spec.fs.slice(0, 10)),
    });
    const value = (hover!.contents as MarkupContent).value;
    assert.match(value, /Present/);
    assert.match(value, /filesystem tree/);
    assert.match(value, /world\.fs/);
    assert.match(value, /Used by 1 image\b/);
    assert.match(value, /stored \d+/);
  });

  test('hover on a missing digest says it is missing', async () => {
    const hover = await server.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position: positionOf(text, 'abababab'),
    });
    assert.match((hover!.contents as MarkupContent).value, /Missing/);
  });

  test('hover away from any digest is empty', async () => {
    const hover = await server.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position: { line: 0, character: 0 },
    });
    assert.equal(hover, null);
  });

  test('every well-formed digest is a link to its blob document', async () => {
    const links = await server.connection.sendRequest(DocumentLinkRequest.type, { textDocument: { uri } });
    assert.equal(links!.length, 8); // the eight layers; the malformed parent is not a link
    assert.ok(links!.some((l) => l.target === `processfork-blob:/sha256/${image.spec.base}`));
  });

  test('a corrupted blob becomes an error, and repairing it clears the error', async () => {
    const file = blobFile(root, image.spec.env);
    const good = fs.readFileSync(file);
    flipByte(file);
    // Editing the document re-runs diagnostics; the watcher would also notice the file change.
    await server.change(uri, 2, text + '\n');
    const bad = await server.waitForDiagnostics(uri, (p) => byCode(p.diagnostics, 'corrupt-blob').length > 0);
    const corrupt = byCode(bad.diagnostics, 'corrupt-blob')[0];
    assert.match(messageOf(corrupt), /world\.env/);
    assert.match(messageOf(corrupt), /corrupt-frame|hash-mismatch/);

    // Repair the way a writer does: a new file renamed over the old one.
    const tmp = `${file}.repair`;
    fs.writeFileSync(tmp, good);
    fs.renameSync(tmp, file);
    const healed = await server.waitForDiagnostics(uri, (p) => byCode(p.diagnostics, 'corrupt-blob').length === 0);
    assert.equal(byCode(healed.diagnostics, 'missing-blob').length, 1);
  });

  test('a missing blob that appears in the store clears its warning', async () => {
    const hex = writeBlob(root, 'late arrival');
    const m = JSON.parse(text);
    m.trace.messages = `sha256:${hex}`;
    m.parents = [];
    const late = JSON.stringify(m, null, 2);
    const other = pathToFileURL(path.join(root, '..', `pf-late-${process.pid}.pfimg`)).toString();
    fs.rmSync(blobFile(root, hex));
    await server.open(other, late);
    await server.waitForDiagnostics(other, (p) => byCode(p.diagnostics, 'missing-blob').length === 1);
    writeBlob(root, 'late arrival');
    await server.waitForDiagnostics(other, (p) => p.diagnostics.length === 0);
  });

  test('schema problems in a manifest are reported where they stand', async () => {
    const m = JSON.parse(image.json);
    m.schema_version = 2;
    delete m.world;
    const broken = JSON.stringify(m, null, 2);
    const other = pathToFileURL(path.join(root, '..', `pf-broken-${process.pid}.pfimg`)).toString();
    await server.open(other, broken);
    const d = await server.waitForDiagnostics(other, (p) => byCode(p.diagnostics, 'manifest-schema').length >= 2);
    const schema = byCode(d.diagnostics, 'manifest-schema');
    const version = schema.find((x) => /schema_version/.test(messageOf(x)));
    assert.ok(version, schema.map(messageOf).join('; '));
    assert.equal(version.range.start.line, positionOf(broken, '"schema_version"').line);
    assert.ok(schema.some((x) => /world/.test(messageOf(x))));
  });

  test('the catalog file in images/ gets the same features', async () => {
    const catalogUri = pathToFileURL(image.file).toString();
    await server.open(catalogUri, image.json, 'json');
    const links = await server.connection.sendRequest(DocumentLinkRequest.type, { textDocument: { uri: catalogUri } });
    assert.equal(links!.length, 8);
  });

  test('ordinary files get nothing unless hover.allFiles is on', async () => {
    const plain = pathToFileURL(path.join(root, '..', `notes-${process.pid}.md`)).toString();
    await server.open(plain, `see sha256:${image.spec.base}\n`, 'markdown');
    const links = await server.connection.sendRequest(DocumentLinkRequest.type, { textDocument: { uri: plain } });
    assert.deepEqual(links, []);
    const at = { textDocument: { uri: plain }, position: { line: 0, character: 12 } };
    assert.equal(await server.connection.sendRequest(HoverRequest.type, at), null, 'no hover');
    assert.deepEqual(
      await server.connection.sendRequest(ReferencesRequest.type, { ...at, context: { includeDeclaration: true } }),
      [],
      'no references',
    );
    // The same file with the setting on: its digest is a link.
    const everywhere = await startServer(root, { settings: { hover: { allFiles: true } } });
    try {
      await everywhere.open(plain, `see sha256:${image.spec.base}\n`, 'markdown');
      const on = await everywhere.connection.sendRequest(DocumentLinkRequest.type, { textDocument: { uri: plain } });
      assert.equal(on?.length, 1);
      assert.equal(on![0].target, `processfork-blob:/sha256/${image.spec.base}`);
    } finally {
      await everywhere.stop();
    }
  });

  test('the Outline lists the fields, nested, with digests shortened', async () => {
    const symbols = (await server.connection.sendRequest(DocumentSymbolRequest.type, {
      textDocument: { uri },
    })) as DocumentSymbol[];
    assert.deepEqual(
      symbols.map((s) => s.name),
      Object.keys(JSON.parse(text)),
    );
    const world = symbols.find((s) => s.name === 'world')!;
    assert.deepEqual(
      world.children!.map((c) => c.name),
      ['fs', 'env', 'procs'],
    );
    const fsSymbol = world.children![0];
    assert.equal(fsSymbol.detail, `sha256:${image.spec.fs.slice(0, 12)}…`);
    assert.equal(fsSymbol.selectionRange.start.line, positionOf(text, '"fs"').line);
    // A document nested past the depth limit gets no outline (and the server stays up).
    const deep = pathToFileURL(path.join(root, '..', `pf-deep-${process.pid}.pfimg`)).toString();
    await server.open(deep, `{"a":${'['.repeat(100_000)}`);
    assert.deepEqual(
      await server.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: deep } }),
      [],
    );
  });

  test('completion offers the fields an object still lacks, and the fixed values', async () => {
    const partial = '{\n  "schema_version": 1,\n  "model": { "base": "sha256:00", \n  },\n  \n}';
    const other = pathToFileURL(path.join(root, '..', `pf-partial-${process.pid}.pfimg`)).toString();
    await server.open(other, partial);
    const at = async (line: number, character: number) =>
      (await server.connection.sendRequest(CompletionRequest.type, {
        textDocument: { uri: other },
        position: { line, character },
      })) as CompletionItem[];
    const top = (await at(4, 2)).map((c) => c.label);
    assert.ok(top.includes('media_type') && top.includes('world') && top.includes('parents'), top.join());
    assert.ok(!top.includes('schema_version'), 'a field already present is not offered again');
    const inModel = (await at(2, 39)).map((c) => c.label);
    assert.deepEqual(inModel, ['diff']);
    const value = await server.connection.sendRequest(CompletionRequest.type, {
      textDocument: { uri },
      position: {
        line: positionOf(text, '"media_type"').line,
        character: positionOf(text, '"media_type"').character + 14,
      },
    });
    assert.deepEqual(
      (value as CompletionItem[]).map((c) => c.label),
      ['"application/vnd.processfork.image.v1+json"'],
    );
  });

  test('a JSON syntax error is reported where the parser stopped, not at line 1', async () => {
    const broken =
      '{\n  "schema_version": 1,\n  "media_type": "application/vnd.processfork.image.v1+json",\n  "agent": {"kind": "x",, }\n}\n';
    const other = pathToFileURL(path.join(root, '..', `pf-syntax-${process.pid}.pfimg`)).toString();
    await server.open(other, broken);
    const d = await server.waitForDiagnostics(other, (p) => byCode(p.diagnostics, 'manifest-schema').length > 0);
    const [syntax] = byCode(d.diagnostics, 'manifest-schema');
    assert.match(messageOf(syntax), /not valid JSON at line 4/);
    assert.equal(syntax.range.start.line, 3);
    assert.ok(syntax.range.start.character > 10, JSON.stringify(syntax.range));
  });
});
