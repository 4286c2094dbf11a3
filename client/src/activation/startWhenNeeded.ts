// When the server starts and restarts. A folder at the store path shows the view and status item at once,
// before the server is up; with no store, no manifests and no view open, the server waits for a need (a view
// shown, one of our documents opened, a command). A setting the server reads restarts it.
import * as vscode from 'vscode';
import type { StoreServer } from './storeServer';
import type { StoreViews } from './storeViews';
import { isOurDocument } from './documentFeatures';
import { needsRestart } from '../connection/languageClient';
import { storeFolderExists } from '../settings/storeLocation';
import type { StoreNode } from '../tree/nodes';

export function restartOnSettings(context: vscode.ExtensionContext, server: StoreServer, views: StoreViews): void {
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (needsRestart(e)) {
        void server.restart();
      } else if (e.affectsConfiguration('processfork.remotes')) {
        views.tree.refresh();
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void server.restart()),
  );
}

export async function startWhenNeeded(
  context: vscode.ExtensionContext,
  server: StoreServer,
  views: StoreViews,
): Promise<void> {
  const { relevance, treeView, mainView } = views;
  context.subscriptions.push(server.onStarted(() => void showStoreOnce(context, server, views).catch(() => undefined)));
  relevance.onStoreFolder(await storeFolderExists());
  if (
    relevance.relevant ||
    treeView.visible ||
    mainView.visible ||
    vscode.workspace.textDocuments.some(isOurDocument)
  ) {
    await server.ensureStarted();
    return;
  }
  const wake = () => void server.ensureStarted().catch(() => undefined);
  const onShown = (e: vscode.TreeViewVisibilityChangeEvent) => e.visible && wake();
  context.subscriptions.push(
    treeView.onDidChangeVisibility(onShown),
    mainView.onDidChangeVisibility(onShown),
    vscode.workspace.onDidOpenTextDocument((d) => isOurDocument(d) && wake()),
  );
}

/**
 * The first time the extension runs with a store that has blobs, open its view (the Explorer keeps new views
 * collapsed at the bottom, where a newcomer would not find it). Once per installation, never again.
 */
async function showStoreOnce(context: vscode.ExtensionContext, server: StoreServer, views: StoreViews): Promise<void> {
  const key = 'processfork.storeShownOnce';
  const status = server.lastStatus();
  // The count may still be on its way (large stores are counted in the background).
  if (context.globalState.get(key) || status?.state !== 'ok' || (!status.blobCount && !status.counting)) {
    return;
  }
  await context.globalState.update(key, true);
  const [images] = (await views.tree.getChildren()) as StoreNode[];
  // Revealing opens the view's container: never pull a user who just opened the ProcessFork container (the click
  // that started the extension) back to the Explorer.
  const view = views.mainView.visible ? views.mainView : views.treeView;
  await Promise.resolve(view.reveal(images, { expand: true, select: false, focus: false })).catch(() => undefined);
}
