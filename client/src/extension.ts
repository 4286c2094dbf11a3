// The ProcessFork Store extension: UI only. The store server owns the store; this side shows its tree, blob
// documents, decorations and status, and sends the commands.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { BLOB_SCHEME } from '../../shared/blobUri';
import type { StoreStatus } from '../../shared/protocol';
import { StatusNotification, StoreChangedNotification } from '../../shared/protocol';
import { BlobFileSystem } from './blobFileSystem';
import { registerCommands } from './commands/register';
import { createClient, needsRestart, startClient, stopClient } from './languageClient';
import { initLog, log } from './log';
import { KnownProblems } from './problems';
import { Relevance } from './relevance';
import { noticeRestrictedMode, noticeUnusableRemotes } from './workspaceNotices';
import { StoreStatusBar } from './statusBar';
import { IMAGE_SCHEME, ImageFileSystem } from './imageFileSystem';
import { watchBlobLanguages } from './blobLanguage';
import { registerReports } from './reports';
import { StoreApi } from './storeApi';
import { VerifyProblems } from './verifyProblems';
import { BlobDecorations } from './tree/decorations';
import { StoreTree } from './tree/storeTree';
import { SNAPSHOT_VIEW_TYPE, SnapshotPanels } from './snapshot/snapshotPanel';
import { SnapshotLens } from './snapshot/snapshotLens';
import { openSnapshot, restoreSessionSecret, setSessionSecret } from './snapshot/snapshotCommands';
import type { StoreNode } from './tree/nodes';

/** What tests and other extensions can reach: the live API and the last status. */
export interface ExtensionApi {
  api(): StoreApi | undefined;
  status(): StoreStatus | undefined;
  ready: Promise<void>;
  /** Milliseconds from activate() to the server answering its first status request. */
  activationMs(): number | undefined;
  /** Milliseconds from activate() to the view's first content (shards, or an empty store's welcome). */
  firstPageMs(): number | undefined;
  tree: StoreTree;
  treeView: vscode.TreeView<StoreNode>;
  mainView: vscode.TreeView<StoreNode>;
  problems: KnownProblems;
  /** The open snapshot views (tests read their rendered text). */
  snapshots: SnapshotPanels;
  /** What the status bar item shows now (text and tooltip), as a user reads it. */
  statusBarItem(): { text: string; tooltip: string; visible: boolean };
}

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<ExtensionApi> {
  const activatedAt = Date.now();
  let activationMs: number | undefined;
  const channel = initLog();
  context.subscriptions.push(channel);
  try {
    let storeApi: StoreApi | undefined;
    let lastStatus: StoreStatus | undefined;
    const problems = new KnownProblems();
    const tree = new StoreTree(() => storeApi, problems);
    const statusBar = new StoreStatusBar();
    const relevance = new Relevance((relevant) => statusBar.setVisible(relevant));
    const blobs = new BlobFileSystem(
      () => storeApi,
      (digest, problem) => problems.setBad(digest, problem),
    );
    const verifyPanel = new VerifyProblems();
    const treeView = vscode.window.createTreeView('processfork.store', {
      treeDataProvider: tree,
      showCollapseAll: true,
    });
    // The same tree in the ProcessFork container of the Activity Bar: room to work, one click from anywhere.
    const mainView = vscode.window.createTreeView('processfork.storeMain', {
      treeDataProvider: tree,
      showCollapseAll: true,
    });
    context.subscriptions.push(
      treeView,
      mainView,
      problems,
      verifyPanel,
      tree,
      statusBar,
      relevance,
      noticeRestrictedMode([treeView, mainView]),
      noticeUnusableRemotes(),
      vscode.window.registerFileDecorationProvider(new BlobDecorations(problems)),
      vscode.workspace.registerFileSystemProvider(BLOB_SCHEME, blobs, { isReadonly: true, isCaseSensitive: true }),
      registerReports(),
      watchBlobLanguages(() => storeApi),
      vscode.workspace.registerFileSystemProvider(IMAGE_SCHEME, new ImageFileSystem(() => storeApi, blobs), {
        isReadonly: true,
        isCaseSensitive: true,
      }),
      vscode.Disposable.from(
        ...registerCommands({
          reveal: (node) => {
            // Keyboard focus on the row, in whichever of the two views shows the tree.
            const view = mainView.visible || !treeView.visible ? mainView : treeView;
            return Promise.resolve(view.reveal(node, { focus: true, select: true }));
          },
          api: () => storeApi,
          tree,
          problems,
          verifyPanel,
          storePath: () => lastStatus?.storePath,
          secrets: context.secrets,
          restartServer: () => restart(),
        }),
      ),
    );
    problems.onDidChange(() => lastStatus && statusBar.update(lastStatus, problems.count));
    const requireApi = () => {
      if (!storeApi) {
        throw new Error('the store server is not running yet');
      }
      return storeApi;
    };
    const snapshots = new SnapshotPanels(requireApi);
    const guard = (fn: () => Promise<unknown>) =>
      fn().catch((err: Error) => void vscode.window.showErrorMessage(`ProcessFork: ${err.message}`));
    context.subscriptions.push(
      vscode.window.registerWebviewPanelSerializer(SNAPSHOT_VIEW_TYPE, snapshots),
      vscode.languages.registerCodeLensProvider({ language: 'pfimg' }, new SnapshotLens(() => storeApi)),
      vscode.commands.registerCommand('processfork.openSnapshot', (arg?: unknown) =>
        guard(() => openSnapshot(requireApi(), snapshots, arg)),
      ),
      vscode.commands.registerCommand('processfork.setSessionSecret', (given?: unknown) =>
        guard(async () => {
          if (await setSessionSecret(requireApi(), context.secrets, typeof given === 'string' ? given : undefined)) {
            tree.recheckImages();
            await snapshots.refreshAll();
          }
        }),
      ),
    );

    const start = async () => {
      verifyPanel.forgetDocuments();
      client = await createClient(context, channel, (uri, diagnostics) =>
        verifyPanel.documentDiagnostics(uri, diagnostics),
      );
      const c = client;
      c.onNotification(StatusNotification.type, (status) => {
        const moved = lastStatus !== undefined && lastStatus.storePath !== status.storePath;
        lastStatus = status;
        tree.setStoreState(status);
        relevance.onStatus(status);
        if (moved) {
          // Every verdict, problem, count and cached page belonged to the previous store.
          problems.reset();
          verifyPanel.reset();
          tree.switchedStore();
        }
        tree.onStatus(status);
        statusBar.update(status, problems.count);
      });
      c.onNotification(StoreChangedNotification.type, (change) => {
        tree.applyChange(change);
        if (change.imagesChanged || change.changed.length > 0 || change.removed.length > 0) {
          void snapshots.refreshAll();
        }
        blobs.fireChanged([...change.changed, ...change.added]);
        verifyPanel.clear([...change.changed, ...change.added, ...change.removed]);
      });
      await startClient(c);
      storeApi = new StoreApi(c);
      await restoreSessionSecret(storeApi, context.secrets).catch((err) => log.warn(`operator secret: ${err}`));
      lastStatus = await storeApi.status();
      activationMs ??= Date.now() - activatedAt;
      statusBar.update(lastStatus, problems.count);
      relevance.onStatus(lastStatus);
      tree.onStatus(lastStatus); // the Blobs row's count, from the same status as the status bar
      tree.refresh();
    };
    const restart = async () => {
      storeApi = undefined;
      await stopClient(client);
      await start();
    };
    context.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (needsRestart(e)) {
          void restart();
        } else if (e.affectsConfiguration('processfork.remotes')) {
          tree.refresh();
        }
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void restart()),
    );
    const ready = start().then(() => showStoreOnce(context, treeView, tree, lastStatus));
    ready.catch((err) => log.error('the store server did not start', err));
    await ready;
    return {
      api: () => storeApi,
      status: () => lastStatus,
      ready,
      activationMs: () => activationMs,
      firstPageMs: () => (tree.firstPageAt ? tree.firstPageAt - activatedAt : undefined),
      tree,
      treeView,
      mainView,
      problems,
      snapshots,
      statusBarItem: () => statusBar.shown(),
    };
  } catch (err) {
    log.error('activation failed', err);
    void vscode.window.showErrorMessage(`ProcessFork Store failed to start: ${(err as Error).message}`);
    throw err;
  }
}

/**
 * The first time the extension runs with a store that has blobs, open its view (the Explorer keeps new views
 * collapsed at the bottom, where a newcomer would not find it). Once per installation, never again.
 */
async function showStoreOnce(
  context: vscode.ExtensionContext,
  view: vscode.TreeView<StoreNode>,
  tree: StoreTree,
  status: StoreStatus | undefined,
): Promise<void> {
  const key = 'processfork.storeShownOnce';
  // The count may still be on its way (large stores are counted in the background).
  if (context.globalState.get(key) || status?.state !== 'ok' || (!status.blobCount && !status.counting)) {
    return;
  }
  await context.globalState.update(key, true);
  const [images] = await tree.getChildren();
  await Promise.resolve(view.reveal(images, { expand: true, select: false, focus: false })).catch(() => undefined);
}

export async function deactivate(): Promise<void> {
  await stopClient(client);
}
