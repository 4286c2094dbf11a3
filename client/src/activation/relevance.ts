// Where the extension shows itself uninvited: the Explorer view and the status bar item appear only when a store
// exists at the configured path or the workspace holds .pfimg manifests. The ProcessFork container in the
// Activity Bar is always there (its welcome content offers Choose Store… and Put File…).
import * as vscode from 'vscode';
import type { StoreStatus } from '../../../shared/protocol/index';

export const RELEVANT_CONTEXT = 'processfork:relevant';

export class Relevance implements vscode.Disposable {
  private hasManifests = false;
  private storeExists = false;
  private shown: boolean | undefined;
  private readonly watcher = vscode.workspace.createFileSystemWatcher('**/*.pfimg', false, true, true);

  constructor(private readonly onChange: (relevant: boolean) => void) {
    this.watcher.onDidCreate(() => {
      this.hasManifests = true;
      this.apply();
    });
    void vscode.workspace.findFiles('**/*.pfimg', '**/node_modules/**', 1).then((found) => {
      this.hasManifests ||= found.length > 0;
      this.apply();
    });
  }

  onStatus(status: StoreStatus): void {
    this.storeExists = status.state !== 'missing';
    this.apply();
  }

  /** Before the server answers: a folder at the store path (storeLocation.ts) is enough to show the store. */
  onStoreFolder(exists: boolean): void {
    this.storeExists = exists;
    this.apply();
  }

  get relevant(): boolean {
    return this.storeExists || this.hasManifests;
  }

  dispose(): void {
    this.watcher.dispose();
  }

  private apply(): void {
    const relevant = this.storeExists || this.hasManifests;
    if (relevant !== this.shown) {
      this.shown = relevant;
      void vscode.commands.executeCommand('setContext', RELEVANT_CONTEXT, relevant);
      this.onChange(relevant);
    }
  }
}
