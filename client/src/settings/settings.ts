// The extension's settings, read in one place. A store path set in an untrusted workspace is ignored
// (it is also listed in restrictedConfigurations, so VS Code itself does not apply the workspace value).
import * as vscode from 'vscode';
import {
  MIB,
  PAGE_SIZE_RANGE,
  SETTING_DEFAULTS as D,
  SETTINGS_SECTION,
  isRemoteSetting,
} from '../../../shared/editor/settings';

export const SECTION = SETTINGS_SECTION;

export function settings() {
  const c = vscode.workspace.getConfiguration(SECTION);
  return {
    storePath: vscode.workspace.isTrusted ? c.get<string>('store.path', D['store.path']) : '',
    hoverAllFiles: c.get<boolean>('hover.allFiles', D['hover.allFiles']),
    pageSize: Math.min(
      PAGE_SIZE_RANGE.max,
      Math.max(PAGE_SIZE_RANGE.min, c.get<number>('tree.pageSize', D['tree.pageSize'])),
    ),
    maxOpenBytes: c.get<number>('blob.maxOpenMiB', D['blob.maxOpenMiB']) * MIB,
    remotes: c.get<string[]>('remotes', D.remotes).filter(isRemoteSetting),
    caFile: vscode.workspace.isTrusted ? c.get<string>('remote.caFile', D['remote.caFile']) : '',
  };
}
