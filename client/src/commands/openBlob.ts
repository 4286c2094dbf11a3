// Opens a blob as an editor tab: text in a text editor with a fitting language, binary in the hex editor when
// it is installed (otherwise a clear message instead of a tab of garbage).
import * as vscode from 'vscode';
import { blobUri } from '../../../shared/blobs/blobUri';
import { hexDump } from '../../../shared/blobs/hexDump';
import { applyBlobLanguage } from '../documents/blobLanguage';
import { showReport } from '../documents/reports';
import type { StoreApi } from '../connection/storeApi';
import { shortDigest, shortHex } from '../../../shared/blobs/digest';

const HEX_EDITOR = 'ms-vscode.hexeditor';
const HEX_DUMP_BYTES = 1 << 20;

async function showHexDump(api: StoreApi, digest: string): Promise<vscode.TextEditor> {
  const head = await api.read(digest, 0, HEX_DUMP_BYTES);
  const doc = await showReport(`${shortHex(digest)}.hex`, hexDump(Buffer.from(head.data, 'base64'), head.totalBytes));
  await vscode.languages.setTextDocumentLanguage(doc, 'plaintext');
  return vscode.window.showTextDocument(doc, { preview: true });
}

/** Streams the whole verified blob, any size, to a file the user picks. */
export async function saveBlobAs(api: StoreApi, digest: string, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const uri =
    target ?? (await vscode.window.showSaveDialog({ title: `Save ${shortDigest(digest)} as`, saveLabel: 'Save Blob' }));
  if (!uri) {
    return undefined;
  }
  const { bytes } = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Saving ${shortDigest(digest)}`, cancellable: true },
    (_p, token) => api.saveBlob(digest, uri.toString(), token),
  );
  vscode.window.setStatusBarMessage(`Saved ${bytes} bytes to ${uri.fsPath}`, 5000);
  return uri;
}

/** `title`: what the blob is where that is known ("Conversation · before-refactor"), for its tab. */
export async function openBlob(api: StoreApi, digest: string, title?: string): Promise<vscode.TextEditor | undefined> {
  const info = await api.stat(digest);
  const uri = vscode.Uri.parse(blobUri(digest.slice(7), title));
  // A blob known to be damaged opens as its report (text) whatever it held.
  if (info.contentKind === 'binary' && info.lastVerified?.ok !== false) {
    if (vscode.extensions.getExtension(HEX_EDITOR)) {
      await vscode.commands.executeCommand('vscode.openWith', uri, 'hexEditor.hexedit');
      return undefined;
    }
    // Without the Hex Editor: a read-only hex dump of the first MiB, and the way to the whole blob.
    const editor = await showHexDump(api, digest);
    void vscode.window
      .showInformationMessage(
        `${shortDigest(digest)} holds binary data: showing a hex dump of its first MiB.`,
        'Save Blob As…',
        'Install Hex Editor',
      )
      .then(async (choice) => {
        if (choice === 'Save Blob As…') {
          await saveBlobAs(api, digest);
        } else if (choice === 'Install Hex Editor') {
          await vscode.commands.executeCommand('workbench.extensions.installExtension', HEX_EDITOR);
        }
      });
    return editor;
  }
  const doc = await applyBlobLanguage(api, await vscode.workspace.openTextDocument(uri));
  return vscode.window.showTextDocument(doc, { preview: true });
}
