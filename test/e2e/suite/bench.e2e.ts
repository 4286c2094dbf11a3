// Measurement run (npm run bench): activation and activation-to-first-tree-page in the real editor. The
// runner compares a 100,000-blob store against an empty one in the same session.
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
