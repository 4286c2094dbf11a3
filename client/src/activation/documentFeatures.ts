// Blobs and images as documents: the read-only file systems, blob languages, report documents, the Problems
// entries of damaged blobs and of verify's findings, and the lenses and quick fixes on them. The server's
// diagnostics and store changes keep these current.
import * as vscode from 'vscode';
import { BLOB_SCHEME } from '../../../shared/blobs/blobUri';
import type { StoreServer } from './storeServer';
import type { StoreViews } from './storeViews';
import { BlobFileSystem } from '../documents/blobFileSystem';
import { watchBlobLanguages } from '../documents/blobLanguage';
import { IMAGE_SCHEME, ImageFileSystem } from '../documents/imageFileSystem';
import { registerReports } from '../documents/reports';
import { BadBlobLenses, BadBlobQuickFixes } from '../problems/badBlobActions';
import { VerifyProblems } from '../problems/verifyProblems';

export interface DocumentFeatures {
  blobs: BlobFileSystem;
  verifyPanel: VerifyProblems;
}

export function registerDocumentFeatures(
  context: vscode.ExtensionContext,
  server: StoreServer,
  views: StoreViews,
): DocumentFeatures {
  const verifyPanel = new VerifyProblems();
  const blobs = new BlobFileSystem(
    () => server.api(),
    (found) => {
      views.problems.setBad(found.digest, `${found.kind ?? 'damaged'}: ${found.problem ?? 'failed its check'}`);
      verifyPanel.showDamaged(found);
    },
  );
  const readonly = { isReadonly: true, isCaseSensitive: true };
  server.onDiagnostics = (uri, diagnostics) => verifyPanel.documentDiagnostics(uri, diagnostics);
  context.subscriptions.push(
    verifyPanel,
    vscode.workspace.onDidOpenTextDocument((d) => d.uri.scheme === BLOB_SCHEME && verifyPanel.documentsChanged()),
    vscode.workspace.onDidCloseTextDocument((d) => d.uri.scheme === BLOB_SCHEME && verifyPanel.documentsChanged()),
    vscode.workspace.registerFileSystemProvider(BLOB_SCHEME, blobs, readonly),
    vscode.workspace.registerFileSystemProvider(IMAGE_SCHEME, new ImageFileSystem(() => server.api(), blobs), readonly),
    registerReports(),
    watchBlobLanguages(() => server.api()),
    vscode.languages.registerCodeLensProvider({ scheme: BLOB_SCHEME }, new BadBlobLenses()),
    vscode.languages.registerCodeActionsProvider(
      [{ scheme: BLOB_SCHEME }, { scheme: 'file' }, { scheme: IMAGE_SCHEME }, { language: 'pfimg' }],
      new BadBlobQuickFixes(),
      { providedCodeActionKinds: BadBlobQuickFixes.kinds },
    ),
    server.onWillStart(() => verifyPanel.forgetDocuments()),
    server.onStatus(({ moved }) => moved && verifyPanel.reset()),
    server.onChange((change) => {
      blobs.fireChanged([...change.changed, ...change.added]);
      // A blob still bad as it is now keeps its entry (and the snapshots it names); the others go.
      const stillBad = new Set((change.failedVerify ?? []).map((f) => f.digest));
      verifyPanel.clear([...change.changed, ...change.added, ...change.removed].filter((d) => !stillBad.has(d)));
      verifyPanel.keep(change.failedVerify ?? []);
    }),
  );
  return { blobs, verifyPanel };
}

/** Whether a document is ProcessFork's (a manifest, a blob, an image's file): opening one starts the server. */
export function isOurDocument(d: vscode.TextDocument): boolean {
  return d.languageId === 'pfimg' || d.uri.scheme === BLOB_SCHEME || d.uri.scheme === IMAGE_SCHEME;
}
