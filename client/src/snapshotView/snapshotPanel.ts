// Open Snapshot: a webview panel that answers, for one snapshot, which one it is, what the agent said, what it
// did and whether that record is intact, what it ran with (secrets masked, revealed only in the raw layer on
// purpose), and its model, cache and files. Data comes from the server (processfork/snapshot and pages of
// processfork/conversation); every message from the page is checked before anything acts on it.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { blobUri } from '../../../shared/blobs/blobUri';
import type { SnapshotView } from '../../../shared/snapshots/snapshotView';
import type { HostToPage, PageToHost, SnapshotPageState } from '../../../shared/snapshots/pageMessages';
import { checkedPageMessage } from '../../../shared/snapshots/pageMessages';
import type { StoreApi } from '../connection/storeApi';
import { panelHtml } from './panelHtml';
import { pageScript } from './pageScript';
import { shortHex } from '../../../shared/blobs/digest';

export const SNAPSHOT_VIEW_TYPE = 'processfork.snapshot';
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const PAGE = 200;

export class SnapshotPanels implements vscode.WebviewPanelSerializer {
  private readonly open = new Map<string, SnapshotPanel>();

  constructor(
    private readonly api: () => StoreApi,
    private readonly scriptFile: vscode.Uri,
  ) {}

  private pageScript(): Promise<string> {
    return pageScript(this.scriptFile);
  }

  /** Opens (or brings forward) the panel of `image`: a digest, a name or a unique prefix. */
  async show(
    image: string,
    opts: { toolCall?: number; message?: number; highlight?: string; beside?: boolean } = {},
  ): Promise<SnapshotPanel> {
    // A long conversation's first page comes from its first bytes: painted at once, then replaced by the
    // checked answer when the whole trace has been read. A new panel's page loads while the server answers.
    // A deep link to a tool call asks for the entries up to it (the page lists the first 50 otherwise).
    const firstToolCalls = opts.toolCall === undefined ? undefined : Math.min(1000, Math.max(50, opts.toolCall + 1));
    const asked = this.api().snapshot(image, { preview: true, ...(firstToolCalls ? { firstToolCalls } : {}) });
    const script = await this.pageScript();
    const early = this.open.has(image)
      ? undefined
      : vscode.window.createWebviewPanel(
          SNAPSHOT_VIEW_TYPE,
          `Snapshot · ${image.slice(0, 40)}`,
          // From another view (the effects timeline): beside it, which keeps the focus and stays in view.
          opts.beside ? { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true } : vscode.ViewColumn.Active,
          {
            enableScripts: true,
            localResourceRoots: [],
          },
        );
    const page = early && new SnapshotPanel(early, script, this.api, (other) => void this.show(other));
    let snapshot: SnapshotView;
    try {
      snapshot = await asked;
    } catch (err) {
      early?.dispose();
      throw err;
    }
    let view = this.open.get(snapshot.image);
    if (view) {
      early?.dispose(); // asked by name for a snapshot already shown
      view.panel.reveal(undefined, opts.beside);
    } else {
      view = page!;
      this.track(view, snapshot.image);
    }
    view.toolCalls = firstToolCalls;
    await view.load(snapshot);
    const conv = snapshot.conversation;
    if (conv && 'preview' in conv && conv.preview) {
      await view.reload();
    }
    if (opts.toolCall !== undefined) {
      await view.focusToolCall(opts.toolCall);
    }
    if (opts.message !== undefined) {
      await view.focusMessage(opts.message, opts.highlight);
    }
    return view;
  }

  /** After a window reload: the panel comes back for the image it showed. */
  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const image = (state as { image?: unknown } | undefined)?.image;
    if (typeof image !== 'string' || !DIGEST.test(image)) {
      panel.dispose();
      return;
    }
    panel.webview.options = { enableScripts: true, localResourceRoots: [] };
    try {
      this.adopt(panel, await this.pageScript(), await this.api().snapshot(image));
    } catch (err) {
      panel.dispose();
      void vscode.window.showWarningMessage(
        `ProcessFork: the snapshot could not be shown again: ${(err as Error).message}`,
      );
    }
  }

  /** The store changed: panels read their snapshot again (a ledger checked anew, an image gone). */
  async refreshAll(): Promise<void> {
    for (const p of this.open.values()) {
      await p.reload().catch(() => undefined);
    }
  }

  /** The image of the snapshot view in front, if one is (a command from its title bar acts on it). */
  activeImage(): string | undefined {
    for (const [image, view] of this.open) {
      if (view.panel.active) {
        return image;
      }
    }
    return undefined;
  }

  /** The panel of an image, when open (tests read its rendered text through it). */
  panelOf(image: string): SnapshotPanel | undefined {
    return this.open.get(image);
  }

  private adopt(panel: vscode.WebviewPanel, script: string, snapshot: SnapshotView): SnapshotPanel {
    const view = new SnapshotPanel(panel, script, this.api, (image) => void this.show(image));
    this.track(view, snapshot.image);
    void view.load(snapshot);
    return view;
  }

  private track(view: SnapshotPanel, image: string): void {
    this.open.set(image, view);
    view.panel.onDidDispose(() => this.open.delete(image));
  }
}

export class SnapshotPanel {
  private state?: SnapshotPageState;
  /** The page has said it listens (its first `ready`): a state posted from then on reaches it. */
  pageReady = false;
  private dumpWaiters: Array<(text: string) => void> = [];
  /** How many tool calls to read with the snapshot (a deep link past the first 50), when more than the default. */
  toolCalls?: number;
  /** The tool call or message a deep link marked: sent again to a page that (re)loads. */
  private focused?: { toolCall?: number; message?: number; highlight?: string };
  /** When the page first showed a state it was sent (Date.now()): the editor bench's first paint. */
  firstPaintAt?: number;

  constructor(
    readonly panel: vscode.WebviewPanel,
    script: string,
    private readonly api: () => StoreApi,
    private readonly openOther: (image: string) => void,
  ) {
    panel.webview.html = panelHtml(randomBytes(16).toString('base64'), panel.webview.cspSource, script);
    panel.webview.onDidReceiveMessage((raw) => void this.onMessage(checkedPageMessage(raw)));
  }

  async load(snapshot: SnapshotView): Promise<void> {
    const conv = snapshot.conversation;
    this.state = { snapshot, messages: conv && 'page' in conv ? conv.page : [] };
    this.panel.title = titleOf(snapshot);
    await this.post();
  }

  async reload(): Promise<void> {
    if (this.state) {
      const firstToolCalls = this.toolCalls;
      await this.load(await this.api().snapshot(this.state.snapshot.image, firstToolCalls ? { firstToolCalls } : {}));
    }
  }

  /** Marks one tool call (its ledger entry) and brings it into view. */
  async focusToolCall(entry: number): Promise<void> {
    this.focused = { toolCall: entry };
    await this.send({ type: 'focus', ...this.focused });
  }

  /** Marks one message (its position in the trace) and brings it into view, loading the pages up to it. */
  async focusMessage(index: number, highlight?: string): Promise<void> {
    const state = this.state;
    const conv = state?.snapshot.conversation;
    const total = conv && 'messages' in conv ? conv.messages : 0;
    while (state && state.messages.length <= index && state.messages.length < total) {
      const page = await this.api().conversation(state.snapshot.image, state.messages.length, PAGE);
      if (!('page' in page) || page.page.length === 0) {
        break;
      }
      state.messages = state.messages.concat(page.page);
    }
    await this.post();
    this.focused = { message: index, ...(highlight ? { highlight } : {}) };
    await this.send({ type: 'focus', ...this.focused });
  }

  /** The page's rendered text, as a person reads it (for tests). */
  renderedText(): Promise<string> {
    return new Promise((resolve) => {
      this.dumpWaiters.push(resolve);
      void this.send({ type: 'dump' });
      setTimeout(() => resolve(''), 2000); // a page not loaded yet answers nothing
    });
  }

  private send(message: HostToPage): Thenable<boolean> {
    return this.panel.webview.postMessage(message);
  }

  private async post(): Promise<void> {
    if (this.state) {
      await this.send({ type: 'view', state: this.state });
    }
  }

  private async onMessage(m: PageToHost | undefined): Promise<void> {
    if (m?.type === 'ready') {
      // The page listens now: (again) the state it may have missed, or nothing yet if the server has not answered.
      this.pageReady = true;
      await this.post();
      if (this.focused !== undefined) {
        await this.send({ type: 'focus', ...this.focused });
      }
      return;
    }
    const state = this.state;
    if (!m || !state) {
      return;
    }
    const snap = state.snapshot;
    switch (m.type) {
      case 'painted':
        this.firstPaintAt ??= Date.now();
        return;
      case 'openBlob':
        await vscode.commands.executeCommand('processfork.openBlob', m.digest, m.title);
        return;
      case 'openSnapshot':
        this.openOther(m.image);
        return;
      case 'moreMessages': {
        const page = await this.api().conversation(snap.image, m.offset, PAGE);
        if ('page' in page) {
          state.messages = state.messages.slice(0, m.offset).concat(page.page);
          await this.post();
        }
        return;
      }
      case 'reveal': {
        // The raw layer, asked for on purpose: the one place a secret's value is shown.
        const digest = snap.layers[m.layer];
        if (digest) {
          await vscode.commands.executeCommand('vscode.open', vscode.Uri.parse(blobUri(digest.slice(7))));
        }
        return;
      }
      case 'setSessionSecret':
        // The hint names the operator secret: the button sets it (the view reads the ledgers again after).
        await vscode.commands.executeCommand('processfork.setSessionSecret');
        return;
      case 'openFiles':
        await vscode.commands.executeCommand('processfork.openImageFiles', {
          kind: 'image',
          image: { digest: snap.image, parents: snap.parents.map((p) => p.image) },
        });
        return;
      case 'dumped':
        for (const resolve of this.dumpWaiters.splice(0)) {
          resolve(m.text);
        }
        return;
    }
  }
}

function titleOf(s: SnapshotView): string {
  return `Snapshot · ${s.name ?? shortHex(s.image)}`;
}
