// Show Effects of Lineage: from a snapshot view's title bar, an image row's context menu or the palette (which
// asks for a snapshot). The panels read their lineage again when the store or the operator secret changes.
import * as vscode from 'vscode';
import type { StoreServer } from './storeServer';
import { EffectsPanels } from '../effectsView/effectsPanel';
import { imageToOpen } from '../snapshotView/snapshotCommands';
import type { SnapshotPanels } from '../snapshotView/snapshotPanel';

export function registerEffectsFeatures(
  context: vscode.ExtensionContext,
  server: StoreServer,
  snapshots: SnapshotPanels,
): EffectsPanels {
  const panels = new EffectsPanels(
    () => server.requireApi(),
    vscode.Uri.joinPath(context.extensionUri, 'dist', 'effectsPage.js'),
    // Beside the timeline, which stays in view: the next call chosen opens there too.
    (image, entry) => snapshots.show(image, { beside: true, ...(entry === undefined ? {} : { toolCall: entry }) }),
  );
  context.subscriptions.push(
    vscode.commands.registerCommand('processfork.showEffects', async (arg?: unknown) => {
      try {
        await server.ensureStarted();
        // From a snapshot view's title bar the command comes with no snapshot: the view in front is the one.
        const image = arg === undefined ? snapshots.activeImage() : undefined;
        const chosen = image ?? (await imageToOpen(server.requireApi(), arg));
        if (!chosen) {
          return undefined;
        }
        return (await panels.show(chosen)).panel.title;
      } catch (err) {
        void vscode.window.showErrorMessage(`ProcessFork: ${(err as Error).message}`);
        return undefined;
      }
    }),
    server.onChange((change) => {
      if (change.imagesChanged || change.changed.length > 0 || change.removed.length > 0) {
        void panels.refreshAll();
      }
    }),
  );
  return panels;
}
