// The status bar entry: the store's blob count and health; a click focuses the view.
import * as vscode from 'vscode';
import { plural } from '../../../shared/common/format';
import { markdownCode, markdownText } from '../../../shared/common/markdownText';
import type { StoreStatus } from '../../../shared/protocol/index';

export class StoreStatusBar {
  private readonly item = vscode.window.createStatusBarItem('processfork.status', vscode.StatusBarAlignment.Left, 10);

  constructor() {
    this.item.name = 'ProcessFork Store';
    // The Activity Bar's view: it is there even where the Explorer's is hidden (see relevance.ts).
    this.item.command = 'processfork.storeMain.focus';
    this.item.text = '$(sync~spin) ProcessFork';
  }

  /** Shown only where a store or manifests exist (relevance.ts decides). */
  private visible = false;

  setVisible(visible: boolean): void {
    this.visible = visible;
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
        ? plural(status.blobCount, 'blob')
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
    const restricted = vscode.workspace.isTrusted
      ? ''
      : '\n\nRestricted Mode: put, gc, push and pull are off. [Manage Workspace Trust](command:workbench.trust.manage)';
    const md = new vscode.MarkdownString(
      `**ProcessFork Store**\n\n${markdownCode(status.storePath)}\n\n${markdownText(status.message)}${status.imageCount !== undefined ? `\n\n${plural(status.imageCount, 'image')}` : ''}${problems > 0 ? `\n\n${plural(problems, 'blob')} failed verification` : ''}${status.writable ? '' : '\n\nRead-only here'}\n\nzstd: ${status.zstdEngine}${restricted}`,
    );
    md.isTrusted = { enabledCommands: ['workbench.trust.manage'] };
    this.item.tooltip = md;
  }

  shown(): { text: string; tooltip: string; visible: boolean } {
    const tip = this.item.tooltip;
    return {
      text: this.item.text,
      tooltip: tip instanceof vscode.MarkdownString ? tip.value : String(tip ?? ''),
      visible: this.visible,
    };
  }

  dispose(): void {
    this.item.dispose();
  }
}
