// Search Snapshots: the search view in the store's side bar and its command (given a query it runs it; when
// none is given). A query on screen is asked again when the store changes; a hit opens the snapshot view.
import * as vscode from 'vscode';
import type { StoreServer } from './storeServer';
import type { SnapshotPanels } from '../snapshotView/snapshotPanel';
import { SEARCH_VIEW_ID, SearchView } from '../searchView/searchView';

export function registerSearchFeatures(
  context: vscode.ExtensionContext,
  server: StoreServer,
  snapshots: SnapshotPanels,
): SearchView {
  const view = new SearchView(
    () => server.requireApi(),
    vscode.Uri.joinPath(context.extensionUri, 'dist', 'searchPage.js'),
    { snapshot: (image, at) => snapshots.show(image, at) },
    () => server.ensureStarted(),
  );
  context.subscriptions.push(
    vscode.window.registerWebviewViewProvider(SEARCH_VIEW_ID, view, {
      webviewOptions: { retainContextWhenHidden: true },
    }),
    vscode.commands.registerCommand('processfork.searchSnapshots', async (query?: unknown) => {
      try {
        const state = await view.search(typeof query === 'string' ? query : undefined);
        return state.error ? undefined : state.result?.total;
      } catch (err) {
        void vscode.window.showErrorMessage(`ProcessFork: ${(err as Error).message}`);
        return undefined;
      }
    }),
    server.onChange((change) => {
      if (change.imagesChanged) {
        view.refresh();
      }
    }),
  );
  return view;
}
