// Diagnostics on digest documents: malformed digests, manifest schema problems, missing blobs and blobs that
// fail their integrity check. Verdicts come from BlobFacts, keyed to each file's size and mtime, so a repaired
// blob clears its error at the next pass; the store watcher triggers that pass.
import type { Connection, Diagnostic, TextDocuments } from 'vscode-languageserver';
import { DiagnosticSeverity } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import { isBadBlobReport } from '../../../shared/blobs/badBlobReport';
import { formatDigest } from '../../../shared/blobs/digest';
import type { StoreChange, VerifyRecord } from '../../../shared/protocol';
import { MAX_JSON_DEPTH, jsonNesting } from '../store/images/jsonText';
import { parseManifest } from '../store/images/manifest';
import type { StoreHost } from '../host/storeHost';
import type { ServerSettings } from '../lsp/settings';
import { analyse } from './digestAnalysis';
import { isManifestUri, wantsDigestFeatures } from './documentKinds';
import { appendAll } from '../../../shared/common/arrays';
import { LayerDiagnostics } from './layerDiagnostics';

export const DIAGNOSTIC_SOURCE = 'processfork';
const DEBOUNCE_MS = 200;
const BACKGROUND_LANES = 2;

export class DiagnosticsPublisher {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly verifying = new Set<string>();
  private readonly layers: LayerDiagnostics;

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly host: StoreHost,
    private readonly settings: () => ServerSettings,
  ) {
    this.layers = new LayerDiagnostics(host);
  }

  schedule(doc: TextDocument): void {
    clearTimeout(this.timers.get(doc.uri));
    this.timers.set(
      doc.uri,
      setTimeout(() => {
        this.timers.delete(doc.uri);
        void this.publish(doc.uri);
      }, DEBOUNCE_MS),
    );
  }

  clear(uri: string): void {
    clearTimeout(this.timers.get(uri));
    this.timers.delete(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  /** Re-checks open documents that name a digest the change touched (all of them when images changed). */
  onStoreChange(change: StoreChange): void {
    const touched = new Set([
      ...change.added,
      ...change.removed,
      ...change.changed,
      ...(change.failedVerify ?? []).map((f) => f.digest),
    ]);
    for (const doc of this.documents.all()) {
      const names = analyse(doc).occurrences;
      if (change.imagesChanged || names.some((o) => o.hex && touched.has(formatDigest(o.hex)))) {
        this.schedule(doc);
      }
    }
  }

  refreshAll(): void {
    for (const doc of this.documents.all()) {
      this.schedule(doc);
    }
  }

  async publish(uri: string): Promise<void> {
    const doc = this.documents.get(uri);
    if (!doc || !this.host.isOpen) {
      return;
    }
    const { root } = this.host.open;
    // A damaged blob's tab holds the editor's report on it, not its bytes: its digests are the report's words.
    if (
      !wantsDigestFeatures(uri, root, this.settings().hoverAllFiles) ||
      isBadBlobReport(doc.getText({ start: { line: 0, character: 0 }, end: { line: 1, character: 0 } }))
    ) {
      await this.connection.sendDiagnostics({ uri, diagnostics: [] });
      return;
    }
    try {
      const diagnostics = await this.compute(doc);
      // The document may have changed while we awaited the store.
      if (this.documents.get(uri)?.version === doc.version) {
        await this.connection.sendDiagnostics({ uri, version: doc.version, diagnostics });
      }
    } catch (err) {
      this.connection.console.error(`diagnostics for ${uri} failed: ${(err as Error).message}`);
    }
  }

  private async compute(doc: TextDocument): Promise<Diagnostic[]> {
    const diagnostics: Diagnostic[] = [];
    const range = (start: number, end: number) => ({ start: doc.positionAt(start), end: doc.positionAt(end) });
    const { facts } = this.host.open;
    const unverified = new Set<string>();
    for (const occ of analyse(doc).occurrences) {
      if (!occ.hex) {
        diagnostics.push({
          range: range(occ.start, occ.end),
          severity: DiagnosticSeverity.Error,
          source: DIAGNOSTIC_SOURCE,
          code: 'malformed-digest',
          message: occ.error ?? 'malformed digest',
        });
        continue;
      }
      if (occ.valueHash) {
        continue; // a hash of a call's arguments or result: no blob is named, none is missing
      }
      const view = await facts.get(occ.hex).catch(() => undefined);
      const where = occ.layer ? ` (${occ.layer})` : '';
      if (!view) {
        diagnostics.push({
          range: range(occ.start, occ.end),
          severity: DiagnosticSeverity.Warning,
          source: DIAGNOSTIC_SOURCE,
          code: 'missing-blob',
          message: `${formatDigest(occ.hex)}${where} is not in the store`,
          data: { digest: formatDigest(occ.hex) },
        });
        continue;
      }
      const verdict = view.verified; // from the same read as `view`: no second stat
      if (verdict && !verdict.ok) {
        diagnostics.push({
          range: range(occ.start, occ.end),
          severity: DiagnosticSeverity.Error,
          source: DIAGNOSTIC_SOURCE,
          code: 'corrupt-blob',
          message: `${verdict.problem ?? `blob ${formatDigest(occ.hex)} failed its integrity check`}${where}`,
          data: { digest: formatDigest(occ.hex) },
        });
      } else if (!verdict && view.size <= this.settings().autoVerifyMaxBytes) {
        unverified.add(occ.hex);
      }
      if (!verdict || verdict.ok) {
        for (const d of await this.layers.about(occ.layer, occ.hex)) {
          diagnostics.push({ ...d, range: range(occ.start, occ.end) });
        }
      }
    }
    if (
      isManifestUri(doc.uri, this.host.open.root) ||
      /"(schema_version|schemaVersion)"/.test(doc.getText().slice(0, 4096))
    ) {
      appendAll(diagnostics, this.schemaDiagnostics(doc));
    }
    if (unverified.size > 0) {
      void this.verifyThenRepublish(doc.uri, [...unverified]);
    }
    return diagnostics;
  }

  private schemaDiagnostics(doc: TextDocument): Diagnostic[] {
    const text = doc.getText();
    const { tooDeepAt } = jsonNesting(text);
    if (tooDeepAt !== undefined) {
      return [
        {
          range: { start: doc.positionAt(tooDeepAt), end: doc.positionAt(tooDeepAt + 1) },
          severity: DiagnosticSeverity.Error,
          source: DIAGNOSTIC_SOURCE,
          code: 'manifest-schema',
          message: `nested more than ${MAX_JSON_DEPTH} levels deep: not a manifest, and not checked further`,
        },
      ];
    }
    const { problems } = parseManifest(text);
    const tree = parseTree(text);
    return problems
      .filter((p) => !p.message.startsWith('malformed digest')) // already flagged where they stand
      .map((p) => {
        const segments = p.path
          .split(/\.|\[(\d+)\]/)
          .filter((s) => s !== undefined && s !== '')
          .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
        const node = tree && p.path ? findNodeAtLocation(tree, segments) : undefined;
        // A syntax error stands where the parser stopped; a field problem on its field; else the start.
        const at = p.offset !== undefined ? Math.min(p.offset, text.length) : undefined;
        const start = node ? node.offset : (at ?? 0);
        const end = node ? node.offset + node.length : Math.min(text.length, start + 1);
        return {
          range: { start: doc.positionAt(start), end: doc.positionAt(end) },
          severity: p.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
          source: DIAGNOSTIC_SOURCE,
          code: 'manifest-schema',
          message: p.path ? `${p.path}: ${p.message}` : p.message,
        };
      });
  }

  /** Verifies blobs in the background (worker pool), then republishes; each blob once per file version. */
  private async verifyThenRepublish(uri: string, hexes: string[]): Promise<void> {
    const todo = hexes.filter((h) => !this.verifying.has(h));
    if (todo.length === 0) {
      return;
    }
    todo.forEach((h) => this.verifying.add(h));
    let results: Array<VerifyRecord | undefined> = [];
    try {
      const { facts } = this.host.open;
      // Background work: a few at a time, so a manifest naming thousands of blobs does not queue its replies
      // in front of the hovers and requests the user is waiting for.
      results = new Array(todo.length);
      let next = 0;
      await Promise.all(
        Array.from({ length: BACKGROUND_LANES }, async () => {
          while (next < todo.length) {
            const i = next++;
            results[i] = await facts.verifyCached(todo[i]).catch(() => undefined);
          }
        }),
      );
      const failed = todo.flatMap((hex, i) =>
        results[i] && !results[i]!.ok ? [{ hex, problem: results[i]!.problem ?? 'failed verification' }] : [],
      );
      if (failed.length > 0) {
        await this.host.noteVerified(failed);
      }
    } finally {
      todo.forEach((h) => this.verifying.delete(h));
    }
    const doc = this.documents.get(uri);
    // Republish only when a verdict landed; a verify that could not run must not loop.
    if (doc && results.some((r) => r !== undefined)) {
      this.schedule(doc);
    }
  }
}
