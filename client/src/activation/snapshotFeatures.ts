// The snapshot view: its panels (restored after a reload), the CodeLens above a manifest, Open Snapshot and the
// operator's session secret (which makes every open view and image row read its record again).
import * as vscode from 'vscode';
import type { StoreServer } from './storeServer';
import type { StoreViews } from './storeViews';
import { SNAPSHOT_VIEW_TYPE, SnapshotPanels } from '../snapshotView/snapshotPanel';
import { SnapshotLens } from '../snapshotView/snapshotLens';
import { openSnapshot, restoreSessionSecret, setSessionSecret } from '../snapshotView/snapshotCommands';
import { log } from '../log';

export function registerSnapshotFeatures(
  context: vscode.ExtensionContext,
  server: StoreServer,
  views: StoreViews,
): SnapshotPanels {
  const snapshots = new SnapshotPanels(
    () => server.requireApi(),
    vscode.Uri.joinPath(context.extensionUri, 'dist', 'snapshotPage.js'),
  );
  const guard = (fn: () => Promise<unknown>) =>
    server
      .ensureStarted()
      .then(fn)
      .catch((err: Error) => void vscode.window.showErrorMessage(`ProcessFork: ${err.message}`));
  server.onConnected = (api) =>
    restoreSessionSecret(api, context.secrets).catch((err) => log.warn(`operator secret: ${err}`));
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(SNAPSHOT_VIEW_TYPE, snapshots),
    vscode.languages.registerCodeLensProvider({ language: 'pfimg' }, new SnapshotLens(() => server.api())),
    vscode.commands.registerCommand('processfork.openSnapshot', (arg?: unknown) =>
      guard(() => openSnapshot(server.requireApi(), snapshots, arg)),
    ),
    vscode.commands.registerCommand('processfork.setSessionSecret', (given?: unknown) =>
      guard(async () => {
        const secret = typeof given === 'string' ? given : undefined;
        if (await setSessionSecret(server.requireApi(), context.secrets, secret)) {
          views.tree.recheckImages();
          await snapshots.refreshAll();
        }
      }),
    ),
    server.onChange((change) => {
      if (change.imagesChanged || change.changed.length > 0 || change.removed.length > 0) {
        void snapshots.refreshAll();
      }
    }),
  );
  return snapshots;
}
