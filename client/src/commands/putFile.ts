// Puts a file into the store: the Explorer's selection, the active editor's file, or one picked in a dialog.
// Level-19 compression takes seconds per MiB, so it runs with a cancellable progress notification.
import * as vscode from 'vscode';
import type { PutResult } from '../../../shared/protocol';
import type { StoreApi } from '../connection/storeApi';

async function pickTarget(arg: unknown): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) {
    return arg;
  }
  const active = vscode.window.activeTextEditor?.document;
  if (active && active.uri.scheme === 'file') {
    return active.uri;
  }
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Put into Store' });
  return picked?.[0];
}

export async function putFile(api: StoreApi, arg?: unknown): Promise<PutResult | undefined> {
  const active = vscode.window.activeTextEditor?.document;
  // An unsaved editor has no file: store what it shows.
  if (!(arg instanceof vscode.Uri) && active && active.uri.scheme === 'untitled') {
    return putBytes(api, Buffer.from(active.getText()), active.fileName);
  }
  const uri = await pickTarget(arg);
  if (!uri) {
    return undefined;
  }
  if (uri.scheme !== 'file') {
    return putBytes(api, await vscode.workspace.fs.readFile(uri), uri.toString());
  }
  if (active?.uri.toString() === uri.toString() && active.isDirty) {
    await active.save();
  }
  return withPutProgress(uri.path.split('/').pop() ?? uri.fsPath, (token) => api.put({ uri: uri.toString() }, token));
}

async function putBytes(api: StoreApi, data: Uint8Array, label: string): Promise<PutResult | undefined> {
  return withPutProgress(label, (token) => api.put({ data: Buffer.from(data).toString('base64') }, token));
}

async function withPutProgress(
  label: string,
  run: (token: vscode.CancellationToken) => Promise<PutResult>,
): Promise<PutResult | undefined> {
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Putting ${label} into the store`, cancellable: true },
    (_p, token) => run(token),
  );
  const verb = result.created ? 'Stored' : 'Already in the store:';
  void vscode.window
    .showInformationMessage(`${verb} ${label} as ${result.digest}`, 'Copy Digest', 'Open')
    .then(async (choice) => {
      if (choice === 'Copy Digest') {
        await vscode.env.clipboard.writeText(result.digest);
      }
      if (choice === 'Open') {
        await vscode.commands.executeCommand('processfork.openBlob', result.digest);
      }
    });
  return result;
}
