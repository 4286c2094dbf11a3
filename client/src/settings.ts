// The extension's settings, read in one place. A store path set in an untrusted workspace is ignored
// (it is also listed in restrictedConfigurations, so VS Code itself does not apply the workspace value).
import * as vscode from 'vscode';

export const SECTION = 'processfork';

export function settings() {
  const c = vscode.workspace.getConfiguration(SECTION);
  return {
    storePath: vscode.workspace.isTrusted ? c.get<string>('store.path', '') : '',
    hoverAllFiles: c.get<boolean>('hover.allFiles', false),
    pageSize: Math.min(5000, Math.max(50, c.get<number>('tree.pageSize', 500))),
    maxOpenBytes: c.get<number>('blob.maxOpenBytes', 50 * 1024 * 1024),
    remotes: c.get<string[]>('remotes', []).filter((r) => typeof r === 'string' && r.startsWith('oci://')),
    caFile: vscode.workspace.isTrusted ? c.get<string>('remote.caFile', '') : '',
  };
}
