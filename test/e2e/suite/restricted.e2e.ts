// The extension in Restricted Mode: browsing and verify work; put and gc are refused; the workspace's own
// store path setting is ignored.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../client/src/extension';
import { StoreErrorCode } from '../../../shared/protocol';
import { env, test } from './harness';

let ext: ExtensionApi;

test('runs untrusted, ignoring the workspace store path', async () => {
  assert.equal(vscode.workspace.isTrusted, false);
  ext = await vscode.extensions.getExtension<ExtensionApi>('processfork.processfork-store')!.activate();
  await ext.ready;
  const status = await ext.api()!.status();
  // The workspace settings point elsewhere; the user's (machine) value wins in Restricted Mode.
  assert.equal(status.storePath, env.store);
  assert.equal(status.writable, false);
});

test('reads and verify work', async () => {
  const { shards } = await ext.api()!.shards();
  assert.ok(shards.length > 0);
  const report = await ext.api()!.verify({ kind: 'store' }, undefined);
  assert.ok(report.checked > 0);
});

test('put and gc are refused by the server', async () => {
  await assert.rejects(
    ext.api()!.put({ data: Buffer.from('nope').toString('base64') }),
    (e: { code?: number }) => e.code === StoreErrorCode.WriteRefused,
  );
  await assert.rejects(ext.api()!.gc({}), (e: { code?: number }) => e.code === StoreErrorCode.WriteRefused);
});

test('Restricted Mode says once why writes are off, on the views and in the status tooltip', async () => {
  for (const view of [ext.treeView, ext.mainView]) {
    assert.match(view.message ?? '', /^Restricted Mode: .*need a trusted folder/);
  }
  assert.match(ext.statusBarItem().tooltip, /\[Manage Workspace Trust\]\(command:workbench\.trust\.manage\)/);
});
