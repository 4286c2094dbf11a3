// Marks corrupt and missing blobs wherever a `processfork-blob:` resource shows (tree items, tabs).
import * as vscode from 'vscode';
import { BLOB_SCHEME, hexOfBlobPath } from '../../../shared/blobs/blobUri';
import { urisOfBlobs } from '../documents/blobFileSystem';
import type { KnownProblems } from '../problems/knownProblems';

export class BlobDecorations implements vscode.FileDecorationProvider {
  private readonly emitter = new vscode.EventEmitter<vscode.Uri[]>();
  readonly onDidChangeFileDecorations = this.emitter.event;

  constructor(private readonly problems: KnownProblems) {
    // Tabs opened under a title too (their URI carries the title after the digest).
    problems.onDidChange((digests) => this.emitter.fire(urisOfBlobs(digests)));
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== BLOB_SCHEME) {
      return undefined;
    }
    const hex = hexOfBlobPath(uri.path);
    if (!hex) {
      return undefined;
    }
    const problem = this.problems.problemOf(`sha256:${hex}`);
    if (problem) {
      return {
        badge: '!',
        tooltip: `Failed verification: ${problem}`,
        color: new vscode.ThemeColor('list.errorForeground'),
      };
    }
    if (this.problems.isMissing(`sha256:${hex}`)) {
      return { badge: '?', tooltip: 'Not in the store', color: new vscode.ThemeColor('list.warningForeground') };
    }
    return undefined;
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
