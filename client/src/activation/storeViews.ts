// The store's views: the tree (in the Explorer and in its own Activity Bar container), the status bar item, the
// known-bad blobs they mark, and the relevance that decides whether they show uninvited. Each follows the
// server's status; a status of another store clears everything the last one left.
import * as vscode from 'vscode';
import type { StoreServer } from './storeServer';
import { Relevance } from './relevance';
import { KnownProblems } from '../problems/knownProblems';
import type { StoreNode } from '../tree/nodes';
import { StoreStatusBar } from '../tree/statusBar';
import { StoreTree } from '../tree/storeTree';
import { BlobDecorations } from '../tree/decorations';
import { noticeRestrictedMode, noticeUnusableRemotes } from '../settings/workspaceNotices';

export interface StoreViews {
  problems: KnownProblems;
  tree: StoreTree;
  treeView: vscode.TreeView<StoreNode>;
  mainView: vscode.TreeView<StoreNode>;
  statusBar: StoreStatusBar;
  relevance: Relevance;
  /** Keyboard focus on a row, in whichever of the two views shows the tree. */
  reveal(node: StoreNode): Promise<void>;
}

export function createStoreViews(context: vscode.ExtensionContext, server: StoreServer): StoreViews {
  const problems = new KnownProblems();
  const tree = new StoreTree(() => server.api(), problems);
  const statusBar = new StoreStatusBar();
  // The server starts when something of ProcessFork is here (storeLocation.ts) or asked for.
  const relevance = new Relevance((relevant) => {
    statusBar.setVisible(relevant);
    if (relevant) {
      void server.ensureStarted().catch(() => undefined);
    }
  });
  const treeView = vscode.window.createTreeView('processfork.store', { treeDataProvider: tree, showCollapseAll: true });
  // The same tree in the ProcessFork container of the Activity Bar: room to work, one click from anywhere.
  const mainView = vscode.window.createTreeView('processfork.storeMain', {
    treeDataProvider: tree,
    showCollapseAll: true,
  });
  context.subscriptions.push(
    treeView,
    mainView,
    problems,
    tree,
    statusBar,
    relevance,
    noticeRestrictedMode([treeView, mainView]),
    noticeUnusableRemotes(),
    vscode.window.registerFileDecorationProvider(new BlobDecorations(problems)),
    problems.onDidChange(() => {
      const status = server.lastStatus();
      if (status) {
        statusBar.update(status, problems.count);
      }
    }),
    server.onStatus(({ status, moved }) => {
      tree.setStoreState(status);
      relevance.onStatus(status);
      if (moved) {
        problems.reset(); // every verdict, problem and count belonged to the previous store
        tree.switchedStore();
      }
      tree.onStatus(status); // the Blobs row's count, from the same status as the status bar
      statusBar.update(status, problems.count);
    }),
    server.onStarted(() => tree.refresh()),
    server.onChange((change) => tree.applyChange(change)),
  );
  return {
    problems,
    tree,
    treeView,
    mainView,
    statusBar,
    relevance,
    reveal: (node) => {
      const view = mainView.visible || !treeView.visible ? mainView : treeView;
      return Promise.resolve(view.reveal(node, { focus: true, select: true }));
    },
  };
}
