// The ProcessFork Store extension: UI only. The store server owns the store; this side shows its tree, blob
// documents, decorations and status, and sends the commands.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { BLOB_SCHEME } from '../../shared/blobs/blobUri';
import type { StoreStatus } from '../../shared/protocol';
import { StatusNotification, StoreChangedNotification } from '../../shared/protocol';
import { BlobFileSystem } from './blobFileSystem';
import { BadBlobLenses, BadBlobQuickFixes } from './badBlobActions';
import { registerCommands } from './commands/register';
import { createClient, needsRestart, startClient, stopClient } from './languageClient';
import { initLog, log } from './log';
import { KnownProblems } from './problems';
import { Relevance } from './relevance';
import { storeFolderExists } from './storeLocation';
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
    // The server starts when something of ProcessFork is here (storeLocation.ts) or asked for; see ensureStarted.
    let wake: () => void = () => undefined;
    const relevance = new Relevance((relevant) => {
      statusBar.setVisible(relevant);
      if (relevant) {
        wake();
      }
    });
    const verifyPanel = new VerifyProblems();
    const blobs = new BlobFileSystem(
      () => storeApi,
      (found) => {
        problems.setBad(found.digest, `${found.kind ?? 'damaged'}: ${found.problem ?? 'failed its check'}`);
        verifyPanel.showDamaged(found);
      },
    );
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
      vscode.workspace.onDidOpenTextDocument((d) => d.uri.scheme === BLOB_SCHEME && verifyPanel.documentsChanged()),
      vscode.workspace.onDidCloseTextDocument((d) => d.uri.scheme === BLOB_SCHEME && verifyPanel.documentsChanged()),
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
          ensureStarted: () => ensureStarted(),
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
    const snapshots = new SnapshotPanels(
      requireApi,
      vscode.Uri.joinPath(context.extensionUri, 'dist', 'snapshotPage.js'),
    );
    const guard = (fn: () => Promise<unknown>) =>
      ensureStarted()
        .then(fn)
        .catch((err: Error) => void vscode.window.showErrorMessage(`ProcessFork: ${err.message}`));
    context.subscriptions.push(
      vscode.window.registerWebviewPanelSerializer(SNAPSHOT_VIEW_TYPE, snapshots),
      vscode.languages.registerCodeLensProvider({ language: 'pfimg' }, new SnapshotLens(() => storeApi)),
      vscode.languages.registerCodeLensProvider({ scheme: BLOB_SCHEME }, new BadBlobLenses()),
      vscode.languages.registerCodeActionsProvider(
        [{ scheme: BLOB_SCHEME }, { scheme: 'file' }, { scheme: IMAGE_SCHEME }, { language: 'pfimg' }],
        new BadBlobQuickFixes(),
        { providedCodeActionKinds: BadBlobQuickFixes.kinds },
      ),
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
        // A blob still bad as it is now keeps its entry (and the snapshots it names); the others go.
        const stillBad = new Set((change.failedVerify ?? []).map((f) => f.digest));
        verifyPanel.clear([...change.changed, ...change.added, ...change.removed].filter((d) => !stillBad.has(d)));
        verifyPanel.keep(change.failedVerify ?? []);
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
    // Started once, on the first need; `ready` settles with that start, whenever it comes.
    let started: Promise<void> | undefined;
    let settleReady: (start: Promise<void>) => void = () => undefined;
    const ready = new Promise<void>((resolve, reject) => {
      settleReady = (start) => void start.then(resolve, reject);
    });
    const ensureStarted = (): Promise<void> => {
      if (!started) {
        const attempt = start();
        started = attempt;
        settleReady(attempt);
        attempt.then(
          () => void showStoreOnce(context, treeView, mainView, tree, lastStatus).catch(() => undefined),
          (err: Error) => {
            // Not cached: the next need (a command, Choose Store…, a restart) tries again.
            if (started === attempt) {
              started = undefined;
            }
            log.error('the store server did not start', err);
            void vscode.window.showErrorMessage(`ProcessFork: the store server did not start: ${err.message}`);
          },
        );
      }
      return started;
    };
    wake = () => void ensureStarted().catch(() => undefined);
    const restart = async () => {
      if (!started) {
        return ensureStarted();
      }
      storeApi = undefined;
      await stopClient(client);
      const attempt = start();
      started = attempt;
      await attempt.catch((err: Error) => {
        if (started === attempt) {
          started = undefined; // the next need tries again
        }
        void vscode.window.showErrorMessage(`ProcessFork: the store server did not restart: ${err.message}`);
      });
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
    // A folder at the store path shows the view and status item at once, before the server is up (it activates
    // when the editor has started). With no store, no manifests and no view open, the server waits for a need.
    relevance.onStoreFolder(await storeFolderExists());
    const ours = (d: vscode.TextDocument) =>
      d.languageId === 'pfimg' || d.uri.scheme === BLOB_SCHEME || d.uri.scheme === IMAGE_SCHEME;
    if (relevance.relevant || treeView.visible || mainView.visible || vscode.workspace.textDocuments.some(ours)) {
      await ensureStarted();
    } else {
      const onShown = (e: vscode.TreeViewVisibilityChangeEvent) => e.visible && wake();
      context.subscriptions.push(
        treeView.onDidChangeVisibility(onShown),
        mainView.onDidChangeVisibility(onShown),
        vscode.workspace.onDidOpenTextDocument((d) => ours(d) && wake()),
      );
    }
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
  explorerView: vscode.TreeView<StoreNode>,
  mainView: vscode.TreeView<StoreNode>,
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
  // Revealing opens the view's container: never pull a user who just opened the ProcessFork container (the click
  // that started the extension) back to the Explorer.
  const view = mainView.visible ? mainView : explorerView;
  await Promise.resolve(view.reveal(images, { expand: true, select: false, focus: false })).catch(() => undefined);
}

export async function deactivate(): Promise<void> {
  await stopClient(client);
}
