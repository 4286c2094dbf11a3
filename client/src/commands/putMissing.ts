// "Put Missing Blobs from Folder…" on an image: the server searches a folder for files whose content is a
// blob the image lacks, and stores those.
import * as vscode from 'vscode';
import type { PutMissingResult } from '../../../shared/protocol';
import type { KnownProblems } from '../problems/knownProblems';
import type { StoreApi } from '../connection/storeApi';
import { withServerProgress } from '../connection/serverProgress';
import { plural } from '../../../shared/common/format';

export async function putMissingFromFolder(
  api: StoreApi,
  problems: KnownProblems,
  image: string,
): Promise<PutMissingResult | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    openLabel: 'Search This Folder',
  });
  if (!picked?.[0]) {
    return undefined;
  }
  const result = await withServerProgress(api, 'Looking for missing blobs', (workDoneToken, token) =>
    api.putMissing(image, picked[0].toString(), workDoneToken, token),
  );
  problems.clear(result.stored.map((s) => s.digest));
  const still = result.stillMissing.length;
  void vscode.window.showInformationMessage(
    `Stored ${plural(result.stored.length, 'missing blob')} from ${result.filesScanned} files; ${still === 0 ? 'the image is complete' : `${still} still missing`}.`,
  );
  return result;
}
