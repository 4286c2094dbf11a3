// Measurement run (npm run bench): activation and activation-to-first-tree-page in the real editor (the runner
// compares a 100,000-blob store against an empty one), and, where the store holds the `long-session` snapshot,
// the snapshot view's first paint against opening the same conversation as a blob document in the same editor.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../client/src/extension';
import { eventually, test } from './harness';

test('activation and first tree page', async () => {
  const ext = await vscode.extensions.getExtension<ExtensionApi>('processfork.processfork-store')!.activate();
  await ext.ready;
  await vscode.commands.executeCommand('processfork.store.focus');
  const firstPage = await eventually('the first tree page', () => ext.firstPageMs(), 60_000);
  console.log(`__pf_metric__:activation_ms:${ext.activationMs()}`);
  console.log(`__pf_metric__:first_page_ms:${firstPage}`);
});

test('snapshot view first paint against the conversation as a blob document', async () => {
  const ext = await vscode.extensions.getExtension<ExtensionApi>('processfork.processfork-store')!.activate();
  await ext.ready;
  const api = ext.api()!;
  const found = await api.snapshot('long-session').catch(() => undefined);
  if (!found) {
    return; // the empty store of the baseline run has no snapshot
  }
  const trace = found.layers['trace.messages']!;
  const requestStart = Date.now();
  await api.snapshot('long-session', { preview: true });
  console.log(`__pf_metric__:snapshot_request_ms:${Date.now() - requestStart}`);
  const documentStart = Date.now();
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(`processfork-blob:/sha256/${trace.slice(7)}`));
  await vscode.window.showTextDocument(doc);
  const documentMs = Date.now() - documentStart;
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');

  const viewStart = Date.now();
  await vscode.commands.executeCommand('processfork.openSnapshot', 'long-session');
  const panel = ext.snapshots.panelOf(found.image)!;
  const viewMs = (await eventually('the view painted', () => panel.firstPaintAt, 30_000)) - viewStart;
  assert.match(await panel.renderedText(), /Tool calls/);
  console.log(`__pf_metric__:blob_document_ms:${documentMs}`);
  console.log(`__pf_metric__:snapshot_paint_ms:${viewMs}`);
});

test('the effects panel of a lineage: its first screen against its request alone', async () => {
  const ext = await vscode.extensions.getExtension<ExtensionApi>('processfork.processfork-store')!.activate();
  await ext.ready;
  const api = ext.api()!;
  const requestStart = Date.now();
  const found = await api.effects('run-0').catch(() => undefined);
  if (!found) {
    return; // the empty store of the baseline run has no lineage
  }
  const requestMs = Date.now() - requestStart;
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  const viewStart = Date.now();
  await vscode.commands.executeCommand('processfork.showEffects', 'run-0');
  const panel = ext.effects.panelOf(found.root)!;
  const viewMs = (await eventually('the panel painted', () => panel.firstPaintAt, 60_000)) - viewStart;
  assert.match(await panel.renderedText(), /distinct calls/);
  console.log(`__pf_metric__:effects_request_ms:${requestMs}`);
  console.log(`__pf_metric__:effects_paint_ms:${viewMs}`);
});
