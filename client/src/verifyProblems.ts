// Verify results in the Problems panel: one entry per failing blob, on its `processfork-blob:` resource, so a
// click opens (or tries to open) the blob. Cleared per blob when it changes on disk, and wholly by the next
// store-wide verify.
import * as vscode from 'vscode';
import { blobUri } from '../../shared/blobUri';
import type { VerifyProblemInfo } from '../../shared/protocol';

export class VerifyProblems {
  private readonly collection = vscode.languages.createDiagnosticCollection('processfork-verify');

  show(problems: VerifyProblemInfo[], replaceAll: boolean): void {
    if (replaceAll) {
      this.collection.clear();
    }
    for (const p of problems) {
      if (!p.digest) {
        continue;
      }
      const d = new vscode.Diagnostic(
        new vscode.Range(0, 0, 0, 0),
        `${p.layer ? `${p.layer}: ` : ''}${p.message}`,
        p.kind === 'not-found' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Error,
      );
      d.source = 'processfork verify';
      d.code = p.kind;
      this.collection.set(vscode.Uri.parse(blobUri(p.digest.slice(7))), [d]);
    }
  }

  clear(digests: string[]): void {
    for (const digest of digests) {
      this.collection.delete(vscode.Uri.parse(blobUri(digest.slice(7))));
    }
  }

  dispose(): void {
    this.collection.dispose();
  }
}
