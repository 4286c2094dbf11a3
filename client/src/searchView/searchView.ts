// The Search view in the store's side bar: a webview view (client/pages/search) whose queries go to
// processfork/search. A new query cancels the one running; indexing progress is shown in the view while the
// first query reads the store; a hit opens its snapshot at the message or tool call, or the file at its line.
// Every message from the page is checked (shared/search/pageMessages.ts) before anything acts on it.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { WorkDoneProgress } from 'vscode-languageclient/node';
import { StoreErrorCode } from '../../../shared/protocol';
import type { HitTarget, HostToSearchPage, SearchPageState } from '../../../shared/search/pageMessages';
import { checkedSearchMessage } from '../../../shared/search/pageMessages';
import type { StoreApi } from '../connection/storeApi';
import { pageHtml } from '../snapshotView/panelHtml';
import { pageScript } from '../snapshotView/pageScript';

export const SEARCH_VIEW_ID = 'processfork.search';
const PAGE = 50;

const STYLE = `
body { padding: 0 8px 16px; }
input.query { width: 100%; box-sizing: border-box; margin: 8px 0 4px; padding: 4px 6px; color: var(--vscode-input-foreground); background: var(--vscode-input-background); border: 1px solid var(--vscode-input-border, var(--vscode-dropdown-border, #8886)); font: inherit; }
input.query:focus { outline: 1px solid var(--vscode-focusBorder); }
input.query.invalid { border-color: var(--vscode-inputValidation-errorBorder); }
.help { font-size: 0.9em; margin: 0 0 4px; }
.help summary { cursor: pointer; color: var(--vscode-descriptionForeground); }
.facts { font-size: 0.92em; margin: 1px 0 2px; }
.facts .badge { margin: 0 4px 0 0; }
.error { color: var(--vscode-errorForeground); margin: 4px 0; }
pre.caret { margin: 0; padding: 4px; font-family: var(--vscode-editor-font-family); }
.group { margin: 10px 0; }
.group .head { line-height: 1.6; }
.group .name { font-weight: 600; }
ul.hits { list-style: none; margin: 2px 0; padding: 0 0 0 10px; }
li.hit { cursor: pointer; padding: 2px 4px; border-radius: 2px; overflow-wrap: anywhere; }
li.hit:hover, li.hit:focus { background: var(--vscode-list-hoverBackground); outline: 1px solid var(--vscode-focusBorder); }
li.hit .where { color: var(--vscode-descriptionForeground); }
mark { background: var(--vscode-editor-findMatchHighlightBackground, #ea5c0055); color: inherit; border-radius: 2px; }
`;

export interface HitOpener {
  /** Opens a snapshot's view at a message (marking `highlight`) or a tool call. */
  snapshot(image: string, at: { message?: number; toolCall?: number; highlight?: string }): Promise<unknown>;
}

export class SearchView implements vscode.WebviewViewProvider {
  private view?: vscode.WebviewView;
  private state: SearchPageState = { query: '', busy: false };
  private running?: vscode.CancellationTokenSource;
  private counter = 0;
  private dumpWaiters: Array<(text: string) => void> = [];
  /** Resolved each time a query's answer (or error) is shown: tests wait on it. */
  private answered: Array<(state: SearchPageState) => void> = [];
  pageReady = false;

  constructor(
    private readonly api: () => StoreApi,
    private readonly scriptFile: vscode.Uri,
    private readonly opener: HitOpener,
    private readonly ensureStarted: () => Promise<unknown>,
  ) {}

  async resolveWebviewView(view: vscode.WebviewView): Promise<void> {
    this.view = view;
    view.webview.options = { enableScripts: true, localResourceRoots: [] };
    view.webview.html = pageHtml({
      nonce: randomBytes(16).toString('base64'),
      cspSource: view.webview.cspSource,
      script: await pageScript(this.scriptFile),
      title: 'Search',
      loading: 'Loading search…',
      style: STYLE,
    });
    view.webview.onDidReceiveMessage((raw) => void this.onMessage(checkedSearchMessage(raw)));
    view.onDidDispose(() => {
      this.view = undefined;
      this.pageReady = false;
    });
  }

  /** Shows the view and runs `query` in it as if typed (the palette's Search Snapshots, tests). */
  async search(query?: string): Promise<SearchPageState> {
    await vscode.commands.executeCommand(`${SEARCH_VIEW_ID}.focus`);
    if (query === undefined) {
      return this.state;
    }
    const done = new Promise<SearchPageState>((resolve) => this.answered.push(resolve));
    await this.run(query, 0);
    return done;
  }

  /** The state as shown now (tests). */
  current(): SearchPageState {
    return this.state;
  }

  /** The view's rendered text, as a person reads it (tests). */
  renderedText(): Promise<string> {
    return new Promise((resolve) => {
      this.dumpWaiters.push(resolve);
      void this.send({ type: 'dump' });
      setTimeout(() => resolve(''), 2000);
    });
  }

  /** The store changed: a query on screen is asked again (a new snapshot may match). */
  refresh(): void {
    if (this.state.query.trim() && !this.state.error) {
      void this.run(this.state.query, 0);
    }
  }

  /** Opens a hit as a click in the view would (tests). */
  openHit(target: HitTarget): Promise<void> {
    return this.open(target);
  }

  private send(message: HostToSearchPage): Thenable<boolean> {
    return this.view?.webview.postMessage(message) ?? Promise.resolve(false);
  }

  private async show(state: SearchPageState, final: boolean): Promise<void> {
    this.state = state;
    await this.send({ type: 'state', state });
    if (final) {
      for (const resolve of this.answered.splice(0)) {
        resolve(state);
      }
    }
  }

  private async run(query: string, offset: number): Promise<void> {
    this.running?.cancel();
    if (!query.trim()) {
      await this.show({ query, busy: false }, true);
      return;
    }
    const source = new vscode.CancellationTokenSource();
    this.running = source;
    // What is on screen stays until the answer replaces it (a store change asks again: no flicker to empty).
    const previous = this.state.error ? undefined : this.state.result;
    await this.show({ query, busy: true, result: previous }, false);
    const workDoneToken = `processfork-search-${process.pid}-${++this.counter}`;
    let sub: vscode.Disposable | undefined;
    try {
      await this.ensureStarted();
      const api = this.api();
      sub = api.client.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
        if (value.kind === 'report' && value.message && this.running === source) {
          void this.show({ ...this.state, progress: value.message }, false);
        }
      });
      const result = await api.search(query, { offset, limit: PAGE }, workDoneToken, source.token);
      if (this.running !== source) {
        return; // a newer query has the view
      }
      const snapshots = offset > 0 && previous ? previous.snapshots.concat(result.snapshots) : result.snapshots;
      await this.show({ query, busy: false, result: { ...result, offset: 0, snapshots } }, true);
    } catch (err) {
      if (this.running !== source || source.token.isCancellationRequested) {
        return;
      }
      const e = err as { code?: number; message?: string; data?: { column?: unknown } };
      const column = typeof e.data?.column === 'number' ? e.data.column : undefined;
      const message =
        e.code === StoreErrorCode.InvalidInput ? (e.message ?? 'bad query') : `Search failed: ${e.message}`;
      await this.show({ query, busy: false, error: { message, ...(column ? { column } : {}) } }, true);
    } finally {
      sub?.dispose();
      if (this.running === source) {
        this.running = undefined;
      }
      source.dispose();
    }
  }

  private async open(t: HitTarget): Promise<void> {
    try {
      if (t.layer === 'fs' && t.path !== undefined) {
        // The file itself, from the snapshot's read-only folder, at the line that matched.
        const uri = vscode.Uri.from({ scheme: 'processfork-image', path: `/${t.image.slice(7)}/${t.path}` });
        const line = Math.max(0, (t.line ?? 1) - 1);
        const doc = await vscode.workspace.openTextDocument(uri);
        const text = doc.lineAt(Math.min(line, doc.lineCount - 1)).text;
        const at = t.highlight ? text.toLowerCase().indexOf(t.highlight.toLowerCase()) : -1;
        const range =
          at >= 0 ? new vscode.Range(line, at, line, at + t.highlight!.length) : new vscode.Range(line, 0, line, 0);
        await vscode.window.showTextDocument(doc, { selection: range, preview: true });
        return;
      }
      await this.opener.snapshot(t.image, {
        ...(t.layer === 'trace' && t.index !== undefined ? { message: t.index, highlight: t.highlight } : {}),
        ...(t.layer === 'ledger' && t.index !== undefined ? { toolCall: t.index } : {}),
      });
    } catch (err) {
      void vscode.window.showErrorMessage(`ProcessFork: ${(err as Error).message}`);
    }
  }

  private async onMessage(m: ReturnType<typeof checkedSearchMessage>): Promise<void> {
    switch (m?.type) {
      case 'ready':
        this.pageReady = true;
        await this.send({ type: 'state', state: this.state });
        return;
      case 'query':
        await this.run(m.query, 0);
        return;
      case 'more':
        if (this.state.result && !this.state.busy) {
          await this.run(this.state.query, m.offset);
        }
        return;
      case 'open':
        await this.open(m.target);
        return;
      case 'dumped':
        for (const resolve of this.dumpWaiters.splice(0)) {
          resolve(m.text);
        }
        return;
    }
  }
}
