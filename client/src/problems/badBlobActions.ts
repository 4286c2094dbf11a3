// A damaged blob's next steps wherever it is met: Quick Fixes on its Problems entries (a verify's, or an open
// manifest's `corrupt-blob`) and links at the top of its report tab. Fetch, put again, remove, show the bytes.
import * as vscode from 'vscode';
import { isBadBlobReport } from '../../../shared/blobs/badBlobReport';
import { BLOB_SCHEME, hexOfBlobPath } from '../../../shared/blobs/blobUri';
import { INTEGRITY_KINDS } from '../../../shared/checks/integrityWords';
import { settings } from '../settings/settings';
import { SNAPSHOT_FINDING_CODES } from './verifyProblems';

export const PUT_AGAIN_COMMAND = 'processfork.putBlobAgain';
export const REMOVE_BAD_COMMAND = 'processfork.removeBadBlob';
export const STORED_BYTES_COMMAND = 'processfork.showStoredBytes';
const FETCH_COMMAND = 'processfork.fetchFromRemote';
const VERIFY_SOURCE = 'processfork verify';

/** The commands for one damaged blob, in the order a person would try them. */
export function badBlobCommands(digest: string): vscode.Command[] {
  return [
    ...settings().remotes.map((remote) => ({
      title: `Fetch from ${remote}`,
      command: FETCH_COMMAND,
      arguments: [digest, remote],
    })),
    { title: 'Put Again from File…', command: PUT_AGAIN_COMMAND, arguments: [digest] },
    { title: 'Remove Damaged Blob…', command: REMOVE_BAD_COMMAND, arguments: [digest] },
    { title: 'Show Stored Bytes as Hex', command: STORED_BYTES_COMMAND, arguments: [digest] },
  ];
}

/** The damaged blob a diagnostic names: the server's `data.digest`, or the blob document a verify entry sits on. */
function damagedDigest(d: vscode.Diagnostic, uri: vscode.Uri): string | undefined {
  const code = String(typeof d.code === 'object' ? d.code.value : d.code);
  if (code === 'corrupt-blob') {
    const digest = (d as vscode.Diagnostic & { data?: { digest?: unknown } }).data?.digest;
    return typeof digest === 'string' ? digest : undefined;
  }
  if (d.source === VERIFY_SOURCE && INTEGRITY_KINDS.has(code) && uri.scheme === BLOB_SCHEME) {
    const hex = hexOfBlobPath(uri.path);
    return hex ? `sha256:${hex}` : undefined;
  }
  return undefined;
}

/** The snapshot a verify finding is about (a record not intact, a secret in clear): the manifest it sits on. */
function snapshotOf(d: vscode.Diagnostic, uri: vscode.Uri): string | undefined {
  const code = String(typeof d.code === 'object' ? d.code.value : d.code);
  const hex = uri.scheme === BLOB_SCHEME ? hexOfBlobPath(uri.path) : undefined;
  // Verify's entries, and the server's own record and secret diagnostics on an open manifest (which stand in for
  // them while it is open): both lead to the snapshot.
  const finding =
    (d.source === VERIFY_SOURCE && SNAPSHOT_FINDING_CODES.has(code)) ||
    (d.source === 'processfork' && (code === 'ledger-bad' || code === 'secret-in-clear'));
  return finding && hex ? `sha256:${hex}` : undefined;
}

export class BadBlobQuickFixes implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  provideCodeActions(
    document: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const d of context.diagnostics) {
      const image = snapshotOf(d, document.uri);
      if (image) {
        const action = new vscode.CodeAction('Open Snapshot', vscode.CodeActionKind.QuickFix);
        action.command = { title: 'Open Snapshot', command: 'processfork.openSnapshot', arguments: [image] };
        action.diagnostics = [d];
        action.isPreferred = true;
        actions.push(action);
        continue;
      }
      const digest = damagedDigest(d, document.uri);
      for (const command of digest ? badBlobCommands(digest) : []) {
        const action = new vscode.CodeAction(command.title, vscode.CodeActionKind.QuickFix);
        action.command = command;
        action.diagnostics = [d];
        actions.push(action);
      }
    }
    return actions;
  }
}

/** Links on the first line of a damaged blob's report tab. */
export class BadBlobLenses implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const hex = hexOfBlobPath(document.uri.path);
    if (!hex || !isBadBlobReport(document.lineAt(0).text)) {
      return [];
    }
    const top = new vscode.Range(0, 0, 0, 0);
    return badBlobCommands(`sha256:${hex}`).map((c) => new vscode.CodeLens(top, c));
  }
}
