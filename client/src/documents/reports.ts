// Read-only report documents (store statistics, unreferenced blobs) on their own scheme: they open as Markdown,
// never ask to be saved, and show the latest content when reopened.
import * as vscode from 'vscode';

export const REPORT_SCHEME = 'processfork-report';

class Reports implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.path) ?? '';
  }

  set(uri: vscode.Uri, content: string): void {
    this.contents.set(uri.path, content);
    this.changed.fire(uri);
  }
}

const reports = new Reports();

export function registerReports(): vscode.Disposable {
  return vscode.workspace.registerTextDocumentContentProvider(REPORT_SCHEME, reports);
}

/** A read-only document `name` holding `content`, not shown (for a diff of two reports). */
export function reportUri(name: string, content: string): vscode.Uri {
  const uri = vscode.Uri.from({ scheme: REPORT_SCHEME, path: `/${name}` });
  reports.set(uri, content);
  return uri;
}

/** Shows `content` as the read-only Markdown document `name` (e.g. `Store statistics.md`). */
export async function showReport(
  name: string,
  content: string,
  opts: { rendered?: boolean } = {},
): Promise<vscode.TextDocument> {
  const uri = vscode.Uri.from({ scheme: REPORT_SCHEME, path: `/${name}` });
  reports.set(uri, content);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
  if (opts.rendered) {
    // Tables read as tables: the built-in Markdown preview, the source a click away (Open Source).
    await vscode.commands.executeCommand('markdown.showPreview', uri);
  } else {
    await vscode.window.showTextDocument(doc, { preview: true });
  }
  return doc;
}
