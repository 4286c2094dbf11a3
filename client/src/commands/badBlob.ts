// What a person can do about a damaged blob, besides fetching it again (registry.ts): put back the original
// file (the server refuses any other content), remove it, or look at its stored bytes.
import * as vscode from 'vscode';
import { hexDump } from '../../../shared/blobs/hexDump';
import { usersText } from '../../../shared/checks/integrityWords';
import type { StoreApi } from '../connection/storeApi';
import { showReport } from '../documents/reports';
import { shortDigest, shortHex } from '../../../shared/blobs/digest';

const short = (digest: string) => shortDigest(digest);
const STORED_BYTES_SHOWN = 1 << 20;

export async function putBlobAgain(api: StoreApi, digest: string, given?: vscode.Uri): Promise<boolean> {
  const file =
    given ??
    (
      await vscode.window.showOpenDialog({
        title: `The original file of ${short(digest)} (it must hash to this digest)`,
        openLabel: 'Put Again',
        canSelectMany: false,
      })
    )?.[0];
  if (!file) {
    return false;
  }
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Putting ${short(digest)} again…`, cancellable: true },
    (_p, token) => api.put({ uri: file.toString(), expect: digest }, token),
  );
  if (result.digest !== digest) {
    throw new Error(`${file.fsPath} was stored as ${short(result.digest)}, not ${short(digest)}: it changed meanwhile`);
  }
  void vscode.window.setStatusBarMessage(
    `${short(digest)} ${result.created ? 'put again from' : 'was already good; nothing taken from'} ${file.fsPath}`,
    5000,
  );
  return true;
}

export async function removeBadBlob(api: StoreApi, digest: string, confirmed = false): Promise<boolean> {
  if (!confirmed) {
    const found = await api.blobProblem(digest, 0);
    if (found.ok) {
      void vscode.window.showInformationMessage(`${short(digest)} passes its check now: nothing to remove.`);
      return false;
    }
    const names = found.users.map((u) => u.name ?? short(u.image));
    const choice = await vscode.window.showWarningMessage(
      `Remove the damaged blob ${short(digest)}?`,
      {
        modal: true,
        detail:
          found.users.length > 0
            ? `It is ${usersText(names)}${found.usersComplete ? '' : ' (at least)'}; they will report it missing until it is fetched or put again.`
            : found.usersComplete && found.unknownUsers === 0
              ? 'No snapshot uses it.'
              : 'No snapshot is known to use it, but the list is incomplete (the store is still being indexed).',
      },
      'Remove',
    );
    if (choice !== 'Remove') {
      return false;
    }
  }
  const { removed } = await api.removeBadBlob(digest);
  void vscode.window.setStatusBarMessage(
    removed ? `Removed ${short(digest)}` : `${short(digest)} was already gone`,
    5000,
  );
  return removed;
}

/** The file as it is on disk (compressed, unverified), first MiB, as `hexdump -C` prints it. */
export async function showStoredBytes(api: StoreApi, digest: string): Promise<vscode.TextDocument> {
  const found = await api.blobProblem(digest, STORED_BYTES_SHOWN);
  const bytes = Buffer.from(found.rawHead ?? '', 'base64');
  const heading = found.rawHead
    ? `${found.digest} as stored on disk: ${found.storedBytes.toLocaleString('en-US')} bytes of zstd data, not decoded and not verified.\n\n`
    : `${found.digest} is not a regular file on disk: it was not opened, and there are no bytes to show.\n`;
  const doc = await showReport(`${shortHex(digest)}.stored.hex`, heading + hexDump(bytes, found.storedBytes, ''));
  await vscode.languages.setTextDocumentLanguage(doc, 'plaintext');
  return doc;
}
