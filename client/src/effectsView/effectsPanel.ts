// Show Effects of Lineage: a webview panel with a lineage drawn as a graph beside its tool calls in time order
// (client/pages/effects). Data comes from processfork/effects; every message from the page is checked
// (shared/effects/pageMessages.ts) before anything acts on it. Choosing a call opens the snapshot that first
// recorded it at that ledger entry.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { EffectsPageState, EffectsPageToHost, HostToEffectsPage } from '../../../shared/effects/pageMessages';
import { checkedEffectsMessage } from '../../../shared/effects/pageMessages';
import { shortHex } from '../../../shared/blobs/digest';
import type { StoreApi } from '../connection/storeApi';
import { pageHtml } from '../snapshotView/panelHtml';
import { pageScript } from '../snapshotView/pageScript';

export const EFFECTS_VIEW_TYPE = 'processfork.effects';

const STYLE = `
.layout { display: flex; flex-wrap: wrap; gap: 16px 24px; align-items: flex-start; }
.graph { display: flex; flex: 0 1 auto; max-width: 100%; overflow-x: auto; }
.graph svg { flex: 0 0 auto; }
.graph .names .row { height: 26px; line-height: 26px; white-space: nowrap; }
.graph .edge { fill: none; stroke: var(--vscode-descriptionForeground); stroke-width: 1.5; }
.graph .node { fill: var(--vscode-editor-background); stroke: var(--vscode-foreground); stroke-width: 1.5; }
.graph .node.bad { stroke: var(--vscode-errorForeground); stroke-width: 2.5; }
.graph .node.first { fill: var(--vscode-focusBorder); stroke: var(--vscode-focusBorder); }
.graph .node.carried { stroke: var(--vscode-focusBorder); stroke-width: 3; }
.graph .name.first, .graph .name.carried { font-weight: 600; }
.tag { color: var(--vscode-descriptionForeground); }
.bad-text { color: var(--vscode-errorForeground); font-weight: 600; }
.timeline { flex: 1 1 520px; overflow-x: auto; }
table.calls td.when { white-space: nowrap; }
table.calls tr { cursor: pointer; }
table.calls tr.selected { outline: 2px solid var(--vscode-focusBorder); background: var(--vscode-editor-selectionBackground); }
`;

export class EffectsPanels {
  private readonly open = new Map<string, EffectsPanel>();

  constructor(
    private readonly api: () => StoreApi,
    private readonly scriptFile: vscode.Uri,
    /** Opens a snapshot's view, at a ledger entry when given. */
    private readonly openSnapshot: (image: string, entry?: number) => Promise<unknown>,
  ) {}

  /** Opens (or brings forward) the effects of the lineage that starts at `image` (a digest or a name). */
  async show(image: string): Promise<EffectsPanel> {
    const asked = this.api().effects(image);
    const script = await pageScript(this.scriptFile);
    const result = await asked;
    let view = this.open.get(result.root);
    if (view) {
      view.panel.reveal();
    } else {
      const panel = vscode.window.createWebviewPanel(EFFECTS_VIEW_TYPE, 'Effects', vscode.ViewColumn.Active, {
        enableScripts: true,
        localResourceRoots: [],
      });
      view = new EffectsPanel(panel, script, this.api, this.openSnapshot);
      const root = result.root;
      this.open.set(root, view);
      panel.onDidDispose(() => this.open.delete(root));
    }
    await view.load({ result });
    return view;
  }

  /** The panel of a lineage's root, when open (tests read it). */
  panelOf(root: string): EffectsPanel | undefined {
    return this.open.get(root);
  }

  /** The store changed (or the operator secret): every open panel reads its lineage again. */
  async refreshAll(): Promise<void> {
    for (const p of this.open.values()) {
      await p.reload().catch(() => undefined);
    }
  }
}

export class EffectsPanel {
  private state?: EffectsPageState;
  private dumpWaiters: Array<(text: string) => void> = [];
  pageReady = false;
  /** When the page first showed a timeline (Date.now()): the editor bench's first screen. */
  firstPaintAt?: number;
  /** The call last chosen in the page (tests read it). */
  selected?: string;

  constructor(
    readonly panel: vscode.WebviewPanel,
    script: string,
    private readonly api: () => StoreApi,
    private readonly openSnapshot: (image: string, entry?: number) => Promise<unknown>,
  ) {
    const nonce = randomBytes(16).toString('base64');
    panel.webview.html = pageHtml({
      nonce,
      cspSource: panel.webview.cspSource,
      script,
      title: 'Effects',
      loading: 'Reading the lineage…',
      style: STYLE,
    });
    panel.webview.onDidReceiveMessage((raw) => void this.onMessage(checkedEffectsMessage(raw)));
  }

  async load(state: EffectsPageState): Promise<void> {
    this.state = state;
    const root = state.result.lineage.find((s) => s.image === state.result.root);
    this.panel.title = `Effects · ${root?.name ?? shortHex(state.result.root)}`;
    await this.post();
  }

  async reload(): Promise<void> {
    if (this.state) {
      await this.load({ ...this.state, result: await this.api().effects(this.state.result.root) });
    }
  }

  /** Chooses a call as a person would in the page (tests): marks it and opens its first snapshot. */
  select(key: string): Thenable<boolean> {
    return this.send({ type: 'select', key });
  }

  /** The page's rendered text, as a person reads it (for tests). */
  renderedText(): Promise<string> {
    return new Promise((resolve) => {
      this.dumpWaiters.push(resolve);
      void this.send({ type: 'dump' });
      setTimeout(() => resolve(''), 2000); // a page not loaded yet answers nothing
    });
  }

  private send(message: HostToEffectsPage): Thenable<boolean> {
    return this.panel.webview.postMessage(message);
  }

  private async post(): Promise<void> {
    if (this.state) {
      await this.send({ type: 'timeline', state: this.state });
    }
  }

  private async onMessage(m: EffectsPageToHost | undefined): Promise<void> {
    if (m?.type === 'ready') {
      this.pageReady = true;
      await this.post();
      return;
    }
    const state = this.state;
    if (!m || !state) {
      return;
    }
    switch (m.type) {
      case 'painted':
        this.firstPaintAt ??= Date.now();
        return;
      case 'selected':
        this.selected = m.key;
        this.state = { ...state, selected: m.key };
        return;
      case 'openSnapshot':
        await this.openSnapshot(m.image, m.entry);
        return;
      case 'moreCalls': {
        const more = await this.api().effects(state.result.root, m.offset);
        this.state = {
          ...state,
          result: { ...more, calls: state.result.calls.slice(0, m.offset).concat(more.calls), offset: 0 },
        };
        await this.post();
        return;
      }
      case 'dumped':
        for (const resolve of this.dumpWaiters.splice(0)) {
          resolve(m.text);
        }
        return;
    }
  }
}
