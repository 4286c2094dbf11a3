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

/**
 * Writes a setting where it already lives: a workspace value outranks the user's, so writing the user's would
 * change nothing the user sees. Answers where it went.
 */
async function writeWhereItLives(key: string, value: unknown): Promise<'workspace' | 'user'> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const inWorkspace = config.inspect(key)?.workspaceValue !== undefined;
  await config.update(
    key,
    value,
    inWorkspace ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global,
  );
  return inWorkspace ? 'workspace' : 'user';
}

/** Choose Store…: the store path, saved where the setting lives. */
export function saveStorePath(folder: string): Promise<'workspace' | 'user'> {
  return writeWhereItLives('store.path', folder);
}

/** Add to Registries: the registry appended to the list, where the list lives; nothing else changes. */
export function addRegistry(registry: string): Promise<'workspace' | 'user'> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const remotes = config.get<string[]>('remotes', D.remotes);
  return writeWhereItLives('remotes', [...remotes, registry]);
}
