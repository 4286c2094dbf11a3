// The ProcessFork Store extension: UI only. The store server owns the store; this side shows its tree, blob
// documents, snapshot views, decorations and status, and sends the commands. activate() wires the rooms in
// order (docs/architecture.md): the server, the views, the documents, the snapshot view, the commands, and
// when to start.
import * as vscode from 'vscode';
import type { StoreStatus } from '../../shared/protocol';
import { registerDocumentFeatures } from './activation/documentFeatures';
import { registerSnapshotFeatures } from './activation/snapshotFeatures';
import { registerEffectsFeatures } from './activation/effectsFeatures';
import { registerSearchFeatures } from './activation/searchFeatures';
import type { SearchView } from './searchView/searchView';
import type { EffectsPanels } from './effectsView/effectsPanel';
import { restartOnSettings, startWhenNeeded } from './activation/startWhenNeeded';
import { StoreServer } from './activation/storeServer';
import { createStoreViews } from './activation/storeViews';
import { registerCommands } from './commands/register';
import type { StoreApi } from './connection/storeApi';
import type { KnownProblems } from './problems/knownProblems';
import { initLog, log } from './log';
import type { SnapshotPanels } from './snapshotView/snapshotPanel';
import type { StoreNode } from './tree/nodes';
import type { StoreTree } from './tree/storeTree';

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
  /** The open effects panels (tests read and drive them). */
  effects: EffectsPanels;
  /** The search view in the side bar (tests read and drive it). */
  search: SearchView;
  /** What the status bar item shows now (text and tooltip), as a user reads it. */
  statusBarItem(): { text: string; tooltip: string; visible: boolean };
}

let server: StoreServer | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<ExtensionApi> {
  const activatedAt = Date.now();
  const channel = initLog();
  context.subscriptions.push(channel);
  try {
    server = new StoreServer(context, channel, activatedAt);
    const s = server;
    context.subscriptions.push(s);
    const views = createStoreViews(context, s);
    const documents = registerDocumentFeatures(context, s, views);
    const snapshots = registerSnapshotFeatures(context, s, views);
    const effects = registerEffectsFeatures(context, s, snapshots);
    const search = registerSearchFeatures(context, s, snapshots);
    context.subscriptions.push(
      vscode.Disposable.from(
        ...registerCommands({
          reveal: views.reveal,
          api: () => s.api(),
          tree: views.tree,
          problems: views.problems,
          verifyPanel: documents.verifyPanel,
          storePath: () => s.lastStatus()?.storePath,
          secrets: context.secrets,
          restartServer: () => s.restart(),
          ensureStarted: () => s.ensureStarted(),
          snapshotInFront: () => snapshots.activeImage(),
        }),
      ),
    );
    restartOnSettings(context, s, views);
    await startWhenNeeded(context, s, views);
    return {
      api: () => s.api(),
      status: () => s.lastStatus(),
      ready: s.ready,
      activationMs: () => s.activationMs,
      firstPageMs: () => (views.tree.firstPageAt ? views.tree.firstPageAt - activatedAt : undefined),
      tree: views.tree,
      treeView: views.treeView,
      mainView: views.mainView,
      problems: views.problems,
      snapshots,
      effects,
      search,
      statusBarItem: () => views.statusBar.shown(),
    };
  } catch (err) {
    log.error('activation failed', err);
    void vscode.window.showErrorMessage(`ProcessFork Store failed to start: ${(err as Error).message}`);
    throw err;
  }
}

export async function deactivate(): Promise<void> {
  await server?.stop();
}
