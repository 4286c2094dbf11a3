// Blobs known to be bad (from verify runs and the server's listings), shared by the tree's icons and the
// file decorations. Cleared per blob when the server reports that blob changed on disk.
import * as vscode from 'vscode';

export class KnownProblems {
  private readonly bad = new Map<string, string>();
  private readonly missing = new Set<string>();
  private readonly emitter = new vscode.EventEmitter<string[]>();
  readonly onDidChange = this.emitter.event;

  problemOf(digest: string): string | undefined {
    return this.bad.get(digest);
  }

  isMissing(digest: string): boolean {
    return this.missing.has(digest);
  }

  setBad(digest: string, problem: string): void {
    if (this.bad.get(digest) === problem) {
      return;
    }
    this.bad.set(digest, problem);
    this.emitter.fire([digest]);
  }

  setMissing(digest: string): void {
    if (this.missing.has(digest)) {
      return;
    }
    this.missing.add(digest);
    this.emitter.fire([digest]);
  }

  clear(digests: string[]): void {
    const cleared = digests.filter((d) => this.bad.delete(d) || this.missing.delete(d));
    if (cleared.length > 0) {
      this.emitter.fire(cleared);
    }
  }

  /** Another store: no verdict of the old one applies. */
  reset(): void {
    const all = [...this.bad.keys(), ...this.missing];
    this.bad.clear();
    this.missing.clear();
    if (all.length > 0) {
      this.emitter.fire(all);
    }
  }

  get count(): number {
    return this.bad.size;
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
