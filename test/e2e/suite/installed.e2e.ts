// Smoke test of the packaged extension: the copy installed from the .vsix (not the development folder)
// activates, starts its server with the zstd engine it ships (native in linux-x64, WebAssembly in the universal
// package), and round-trips a blob.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../client/src/extension';
import { env, test } from './harness';

test('the installed copy activates from the extensions folder', async () => {
  const extension = vscode.extensions.getExtension<ExtensionApi>('processfork.processfork-store');
  assert.ok(extension, 'the packaged extension is not installed');
  assert.ok(
    !extension.extensionPath.startsWith(path.resolve(__dirname, '..', '..', '..', '..')),
    `running from the development folder: ${extension.extensionPath}`,
  );
  const api = await extension.activate();
  await api.ready;
  const status = await api.api()!.status();
  assert.equal(status.storePath, env.store);
  assert.equal(status.state, 'ok');
  // The universal package ships no native module: its server must run zstd as WebAssembly.
  assert.match(status.zstdEngine, env.vsix.includes('universal') ? /^wasm 1\.5\.7$/ : /^native 1\.5\.7$/);
});

test('put and read back through the installed server (level-19 zstd in the shipped engine)', async () => {
  const api = (await vscode.extensions.getExtension<ExtensionApi>('processfork.processfork-store')!.activate()).api()!;
  const text = 'packaged round trip\n'.repeat(100);
  const put = await api.put({ data: Buffer.from(text).toString('base64') });
  const back = await api.read(put.digest);
  assert.equal(Buffer.from(back.data, 'base64').toString(), text);
  const report = await api.verify({ kind: 'blob', digest: put.digest }, undefined);
  assert.equal(report.ok, 1);
});

test('search runs in the installed copy too (the universal build has no native module)', async () => {
  const api = (await vscode.extensions.getExtension<ExtensionApi>('processfork.processfork-store')!.activate()).api()!;
  const all = await api.search('chain:ok OR chain:bad OR NOT chain:ok', {}, undefined);
  assert.ok(all.searched >= 1, 'the fixture store has snapshots');
  assert.equal(all.total, all.searched, 'a query every snapshot matches finds every snapshot');
  await assert.rejects(api.search('(', {}, undefined), /never closed|column/);
});
