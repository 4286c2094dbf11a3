// One language per blob, by its content, whatever route opened it (a digest link, the tree, Go to Digest, Find
// All References): a manifest is a ProcessFork image, a tree or page list JSON, and so on. Only the language
// changes; the stored bytes are what the document shows.
import * as vscode from 'vscode';
import { isBadBlobReport } from '../../../shared/blobs/badBlobReport';
import { BLOB_SCHEME, hexOfBlobPath } from '../../../shared/blobs/blobUri';
import type { ContentKind } from '../../../shared/protocol/index';
import type { StoreApi } from '../connection/storeApi';

export const LANGUAGE_OF: Partial<Record<ContentKind, string>> = {
  'image-manifest': 'pfimg',
  'fs-tree': 'json',
  'cache-pages': 'json',
  json: 'json',
  jsonl: 'jsonl',
  text: 'plaintext',
};

/** Sets the language of a blob document from its content kind; returns the document as it now is. */
export async function applyBlobLanguage(api: StoreApi, doc: vscode.TextDocument): Promise<vscode.TextDocument> {
  const hex = doc.uri.scheme === BLOB_SCHEME ? hexOfBlobPath(doc.uri.path) : undefined;
  if (!hex) {
    return doc;
  }
  // A damaged blob's tab holds a report in words, whatever the blob held.
  const report = doc.lineCount > 0 && isBadBlobReport(doc.lineAt(0).text);
  const info = report ? undefined : await api.stat(`sha256:${hex}`);
  const language = info ? (LANGUAGE_OF[info.contentKind ?? 'text'] ?? 'plaintext') : 'plaintext';
  if (doc.languageId === language || !(await vscode.languages.getLanguages()).includes(language)) {
    return doc;
  }
  return vscode.languages.setTextDocumentLanguage(doc, language);
}

/** Every blob document that opens gets its language by content, however it was opened. */
export function watchBlobLanguages(api: () => StoreApi | undefined): vscode.Disposable {
  return vscode.workspace.onDidOpenTextDocument((doc) => {
    const a = api();
    if (a && doc.uri.scheme === BLOB_SCHEME) {
      void applyBlobLanguage(a, doc).catch(() => undefined);
    }
  });
}
