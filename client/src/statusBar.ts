// The status bar entry: the store's blob count and health; a click focuses the view.
import * as vscode from 'vscode';
import type { StoreStatus } from '../../shared/protocol';

export class StoreStatusBar {
  private readonly item = vscode.window.createStatusBarItem('processfork.status', vscode.StatusBarAlignment.Left, 10);

  constructor() {
    this.item.name = 'ProcessFork Store';
    // The Activity Bar's view: it is there even where the Explorer's is hidden (see relevance.ts).
    this.item.command = 'processfork.storeMain.focus';
    this.item.text = '$(sync~spin) ProcessFork';
  }

  /** Shown only where a store or manifests exist (relevance.ts decides). */
  setVisible(visible: boolean): void {
    if (visible) {
      this.item.show();
    } else {
      this.item.hide();
    }
  }

  update(status: StoreStatus, knownBad: number): void {
    const problems = Math.max(status.problemCount, knownBad);
    const count =
      status.blobCount !== undefined
        ? `${status.blobCount.toLocaleString('en-US')} blobs`
        : status.counting
          ? 'counting blobs…'
          : 'no store';
    if (status.state !== 'ok' && status.state !== 'read-only') {
      this.item.text = `$(warning) ${count}`;
      this.item.backgroundColor =
        status.state === 'missing' ? undefined : new vscode.ThemeColor('statusBarItem.warningBackground');
    } else if (problems > 0) {
      this.item.text = `$(error) ${count}, ${problems} bad`;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    } else {
      this.item.text = `$(database) ${count}`;
      this.item.backgroundColor = undefined;
    }
    const md = new vscode.MarkdownString(
      `**ProcessFork Store**\n\n\`${status.storePath}\`\n\n${status.message}${status.imageCount !== undefined ? `\n\n${status.imageCount} images` : ''}${problems > 0 ? `\n\n${problems} blob(s) failed verification` : ''}${status.writable ? '' : '\n\nRead-only here'}\n\nzstd: ${status.zstdEngine}`,
    );
    this.item.tooltip = md;
  }

  dispose(): void {
    this.item.dispose();
  }
}
