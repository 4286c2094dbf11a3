// Things the editor would otherwise refuse or drop without a word: Restricted Mode (writes are off; said once,
// on the views, with the way to trust the folder in the status tooltip), and `processfork.remotes` entries
// that are not remotes pf speaks (ignored, and now named).
import * as vscode from 'vscode';
import { isRemoteSetting } from '../../../shared/editor/settings';
import { SECTION } from './settings';

export const RESTRICTED_MESSAGE =
  'Restricted Mode: browsing and verify work here. Put, gc, Choose Store, push, pull and registry credentials need a trusted folder (Manage Workspace Trust).';

/** Shows the Restricted Mode message on the store views until the folder is trusted. */
export function noticeRestrictedMode(views: vscode.TreeView<unknown>[]): vscode.Disposable {
  const apply = () => {
    for (const view of views) {
      view.message = vscode.workspace.isTrusted ? undefined : RESTRICTED_MESSAGE;
    }
  };
  apply();
  return vscode.workspace.onDidGrantWorkspaceTrust(apply);
}

/** The entries of processfork.remotes that cannot be used, as typed. */
export function unusableRemotes(): string[] {
  const raw = vscode.workspace.getConfiguration(SECTION).get<unknown[]>('remotes', []);
  return (Array.isArray(raw) ? raw : []).filter((r) => !isRemoteSetting(r)).map((r) => String(r));
}

/** Says which registry entries are ignored, once per distinct set (at start and after each settings change). */
export function noticeUnusableRemotes(): vscode.Disposable {
  let said = '';
  const check = () => {
    const bad = unusableRemotes();
    const key = bad.join('\n');
    if (key === said) {
      return;
    }
    said = key;
    if (bad.length > 0) {
      void vscode.window
        .showWarningMessage(
          `processfork.remotes: ${bad.map((b) => JSON.stringify(b)).join(', ')} ignored. Each entry is oci://host[:port]/repo (plain http for loopback and for explicit ports other than 443, as pf), file://PATH or s3://bucket/prefix.`,
          'Open Settings',
        )
        .then((choice) =>
          choice ? vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.remotes`) : undefined,
        );
    }
  };
  check();
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(`${SECTION}.remotes`)) {
      check();
    }
  });
}
