// "Put Missing Blobs from Folder…" on an image: the server searches a folder for files whose content is a
// blob the image lacks, and stores those.
import * as vscode from 'vscode';
import { WorkDoneProgress } from 'vscode-languageclient/node';
import type { PutMissingResult } from '../../../shared/protocol';
import type { KnownProblems } from '../problems';
import type { StoreApi } from '../storeApi';

let counter = 0;

export async function putMissingFromFolder(api: StoreApi, problems: KnownProblems, image: string): Promise<PutMissingResult | undefined> {
  const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Search This Folder' });
  if (!picked?.[0]) return undefined;
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Looking for missing blobs', cancellable: true }, async (progress, token) => {
    const workDoneToken = `processfork-put-missing-${process.pid}-${++counter}`;
    const sub = api.client.onProgress(WorkDoneProgress.type, workDoneToken, (v) => {
      if (v.kind === 'report') progress.report({ message: v.message });
    });
    try {
      return await api.putMissing(image, picked[0].toString(), workDoneToken, token);
    } finally {
      sub.dispose();
    }
  });
  problems.clear(result.stored.map((s) => s.digest));
  const still = result.stillMissing.length;
  void vscode.window.showInformationMessage(`Stored ${result.stored.length} missing blob${result.stored.length === 1 ? '' : 's'} from ${result.filesScanned} files; ${still === 0 ? 'the image is complete' : `${still} still missing`}.`);
  return result;
}
