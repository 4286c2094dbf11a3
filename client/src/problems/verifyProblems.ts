// Verify results in the Problems panel: one entry per problem. A failing blob is listed on its
// `processfork-blob:` resource (a click opens, or tries to open, the blob) unless an open manifest already
// reports it at the digest's own position: then that entry is the one, and the blob's returns when the manifest
// closes. Cleared per blob when it changes on disk, and wholly by the next store-wide verify or a store switch.
import * as vscode from 'vscode';
import { urisOfBlobs } from '../documents/blobFileSystem';
import { BLOB_SCHEME, hexOfBlobPath } from '../../../shared/blobs/blobUri';
import { integrityKindOf, usersText } from '../../../shared/checks/integrityWords';
import type { BlobProblemResult, ImageCheck, VerifyProblemInfo } from '../../../shared/protocol/index';
import { shortDigest } from '../../../shared/blobs/digest';

/** The codes of the server's document diagnostics that name a bad blob (their `data.digest` says which). */
const BLOB_CODES = new Set(['corrupt-blob', 'missing-blob']);

/** The server's diagnostics on an open manifest that say what verify's snapshot findings say. */
const MANIFEST_FINDING_CODES = new Set(['ledger-bad', 'secret-in-clear']);

/** Codes of verify's findings about a snapshot (not a blob): each has an "Open Snapshot" quick fix. */
export const SNAPSHOT_FINDING_CODES = new Set(['record-not-intact', 'secret-in-clear']);

export class VerifyProblems {
  private readonly collection = vscode.languages.createDiagnosticCollection('processfork-verify');
  private readonly failing = new Map<string, vscode.Diagnostic>();
  /** Findings about snapshots (a record not intact, secrets in clear), listed on the snapshot's manifest. */
  private readonly snapshotFindings = new Map<string, vscode.Diagnostic[]>();
  /** Digests each document's diagnostics name as bad, by document URI. */
  private readonly inDocuments = new Map<string, Set<string>>();
  /** Snapshots whose open manifest carries the server's own record and secret diagnostics (then those are the entries). */
  private readonly snapshotsInDocuments = new Map<string, string>();

  show(problems: VerifyProblemInfo[], replaceAll: boolean): void {
    if (replaceAll) {
      this.failing.clear();
    }
    for (const p of problems) {
      if (!p.digest) {
        continue;
      }
      const users = p.usedBy ? ` (${usersText(p.usedBy, p.usedByCount)})` : '';
      const d = new vscode.Diagnostic(
        new vscode.Range(0, 0, 0, 0),
        `${p.layer ? `${p.layer}: ` : ''}${p.message}${users}`,
        p.kind === 'not-found' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Error,
      );
      d.source = 'processfork verify';
      d.code = p.kind;
      this.failing.set(p.digest, d);
    }
    this.render();
  }

  /**
   * Verify's findings about each snapshot: its record of tool calls not intact, secrets in clear. Listed on the
   * snapshot's manifest (a click opens it), named by the snapshot's name, with "Open Snapshot" as the quick fix.
   */
  showSnapshots(images: ImageCheck[], replaceAll: boolean): void {
    if (replaceAll) {
      this.snapshotFindings.clear();
    }
    for (const image of images) {
      const who = image.name ?? shortDigest(image.image);
      const found: vscode.Diagnostic[] = [];
      if (image.ledger === 'bad') {
        const at = image.entry === undefined ? '' : ` at call ${image.entry}${image.tool ? ` (${image.tool})` : ''}`;
        const d = new vscode.Diagnostic(
          new vscode.Range(0, 0, 0, 0),
          `${who}: the record of what the agent did is not intact${at}: ${image.ledgerReason}`,
          vscode.DiagnosticSeverity.Error,
        );
        d.code = 'record-not-intact';
        found.push(d);
      }
      for (const s of image.secrets) {
        const d = new vscode.Diagnostic(
          new vscode.Range(0, 0, 0, 0),
          `${who}: ${s.variable} in ${s.layer} holds a secret in clear (${s.why}); its value is not shown`,
          vscode.DiagnosticSeverity.Warning,
        );
        d.code = 'secret-in-clear';
        found.push(d);
      }
      for (const d of found) {
        d.source = 'processfork verify'; // the quick fix finds the snapshot by the manifest the entry sits on
      }
      if (found.length > 0) {
        this.snapshotFindings.set(image.image, found);
      } else {
        this.snapshotFindings.delete(image.image);
      }
    }
    this.render();
  }

  /** A blob found damaged on open gets its entry at once, as a verify of it would give it. */
  showDamaged(found: BlobProblemResult): void {
    const names = found.users.map((u) => u.name ?? shortDigest(u.image));
    this.show(
      [
        {
          digest: found.digest,
          kind: found.kind ?? 'corrupt',
          message: found.problem ?? 'failed its check',
          usedBy: names,
        },
      ],
      false,
    );
  }

  /** Bad blobs the server re-asserts with a change: listed if not already (an entry that names snapshots stays). */
  keep(failed: ReadonlyArray<{ digest: string; problem: string }>): void {
    const fresh = failed.filter((f) => !this.failing.has(f.digest));
    if (fresh.length > 0) {
      this.show(
        fresh.map((f) => ({ digest: f.digest, kind: integrityKindOf(f.problem) ?? 'corrupt', message: f.problem })),
        false,
      );
    }
  }

  clear(digests: string[]): void {
    digests.forEach((digest) => this.failing.delete(digest));
    this.render();
  }

  /** Everything goes: the store changed, and none of its verdicts belong to the new one. */
  reset(): void {
    this.failing.clear();
    this.snapshotFindings.clear();
    this.render();
  }

  /** Called with each document's diagnostics as the server publishes them (client middleware). */
  documentDiagnostics(uri: vscode.Uri, diagnostics: readonly vscode.Diagnostic[]): void {
    const named = new Set<string>();
    for (const d of diagnostics) {
      const digest = (d as vscode.Diagnostic & { data?: { digest?: unknown } }).data?.digest;
      if (BLOB_CODES.has(String(d.code)) && typeof digest === 'string') {
        named.add(digest);
      }
    }
    const key = uri.toString();
    const hex = uri.scheme === BLOB_SCHEME ? hexOfBlobPath(uri.path) : undefined;
    const hadSnapshot = this.snapshotsInDocuments.has(key);
    if (hex && diagnostics.some((d) => MANIFEST_FINDING_CODES.has(String(d.code)))) {
      this.snapshotsInDocuments.set(key, `sha256:${hex}`);
    } else {
      this.snapshotsInDocuments.delete(key);
    }
    if (hadSnapshot !== this.snapshotsInDocuments.has(key)) {
      this.render();
    }
    const before = this.inDocuments.get(key);
    if (named.size === 0) {
      this.inDocuments.delete(key);
    } else {
      this.inDocuments.set(key, named);
    }
    if ((before?.size ?? 0) > 0 || named.size > 0) {
      this.render();
    }
  }

  /** A new server publishes its documents' diagnostics afresh; the old one's are gone with it. */
  forgetDocuments(): void {
    this.inDocuments.clear();
    this.snapshotsInDocuments.clear();
    this.render();
  }

  /** The digests listed on their own blob resource right now (for tests and the status tooltip). */
  listedOnBlobs(): string[] {
    return [...this.failing.keys()].filter((digest) => !this.namedInDocuments(digest));
  }

  dispose(): void {
    this.collection.dispose();
  }

  private namedInDocuments(digest: string): boolean {
    for (const named of this.inDocuments.values()) {
      if (named.has(digest)) {
        return true;
      }
    }
    return false;
  }

  /** A blob tab opened or closed under a title: its entry follows it. */
  documentsChanged(): void {
    if (this.failing.size > 0) {
      this.render();
    }
  }

  private render(): void {
    this.collection.clear();
    const entries: Array<[vscode.Uri, vscode.Diagnostic[]]> = [];
    for (const [digest, d] of this.failing) {
      if (!this.namedInDocuments(digest)) {
        for (const uri of urisOfBlobs([digest], { canonicalOnlyIfUnopened: true })) {
          entries.push([uri, [d]]);
        }
      }
    }
    const shownInDocuments = new Set(this.snapshotsInDocuments.values());
    for (const [image, found] of this.snapshotFindings) {
      if (shownInDocuments.has(image)) {
        continue; // the open manifest says the same in the server's own words: one entry, not two
      }
      for (const uri of urisOfBlobs([image], { canonicalOnlyIfUnopened: true })) {
        entries.push([uri, found]);
      }
    }
    this.collection.set(entries);
  }
}
