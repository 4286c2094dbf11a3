// The "ProcessFork Store" view: Images (manifest → layers → blobs) and Blobs (256 shard folders → pages of
// blobs with "Show more…"). Everything loads lazily, one request per expanded node or page, so a store of
// 100,000 blobs opens as fast as an empty one.
import * as vscode from 'vscode';
import { plural } from '../../../shared/common/format';
import { markdownText } from '../../../shared/common/markdownText';
import type { BlobEntryInfo, ImageCheck, StoreChange, StoreStatsResult, StoreStatus } from '../../../shared/protocol';
import { log } from '../log';
import type { KnownProblems } from '../problems/knownProblems';
import { settings } from '../settings/settings';
import type { StoreApi } from '../connection/storeApi';
import { formatBytes } from './format';
import { treeItemFor } from './treeItems';
import type { StoreNode } from './nodes';
import { appendAll } from '../../../shared/common/arrays';
import { layerAbout } from './layerLabels';
import { shardOf } from '../../../shared/blobs/digest';

interface ShardPages {
  items: BlobEntryInfo[];
  nextCursor?: string;
  done: boolean;
}

export class StoreTree implements vscode.TreeDataProvider<StoreNode> {
  private readonly emitter = new vscode.EventEmitter<StoreNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  /** Loaded pages per shard, kept across refreshes of the shard list so "Show more" progress survives. */
  private readonly pages = new Map<string, ShardPages>();
  private readonly shardNodes = new Map<string, StoreNode & { kind: 'shard' }>();
  private readonly roots: Record<'images' | 'blobs' | 'remotes', StoreNode> = {
    images: { kind: 'root', section: 'images' },
    blobs: { kind: 'root', section: 'blobs' },
    remotes: { kind: 'root', section: 'remotes' },
  };
  private blobTotal?: number;
  /** When the view first showed content: the Blobs root's shards, or the welcome of an empty store (measured). */
  firstPageAt?: number;

  constructor(
    private readonly api: () => StoreApi | undefined,
    private readonly problems: KnownProblems,
  ) {
    problems.onDidChange(() => this.emitter.fire(undefined));
  }

  refresh(): void {
    this.pages.clear();
    this.stats = undefined;
    this.emitter.fire(undefined);
  }

  /** Another store: nothing listed, counted or cached belongs to it (the count says "counting…" until known). */
  switchedStore(): void {
    this.blobTotal = undefined;
    this.shardNodes.clear();
    this.refresh();
  }

  /**
   * What the welcome content says when the tree is empty: `missing`, `unusable` (a file, unreadable) or
   * `empty` stores show a message with the next step instead of rows; `ok` shows the tree.
   */
  private storeState: 'ok' | 'missing' | 'unusable' | 'empty' = 'ok';

  setStoreState(status: StoreStatus): void {
    const state =
      status.state === 'missing'
        ? 'missing'
        : status.state !== 'ok' && status.state !== 'read-only'
          ? 'unusable'
          : status.blobCount === 0 && status.imageCount === 0
            ? 'empty'
            : 'ok';
    void vscode.commands.executeCommand('setContext', 'processfork:storeState', state);
    if (state !== this.storeState) {
      this.storeState = state;
      this.emitter.fire(undefined);
    }
  }

  /** Every status from the server (after a put, a pull, a gc, a count finished in the background). */
  onStatus(status: StoreStatus): void {
    // The status is the source of every count: the Blobs row is current even while collapsed (it is listed
    // only when expanded), and says "counting…" while the server counts.
    if (status.blobCount !== this.blobTotal) {
      this.blobTotal = status.blobCount;
      this.emitter.fire(this.roots.blobs);
    }
  }

  /** Each image's ledger verdict and secrets in clear, by digest: they mark the image rows once known. */
  private readonly checks = new Map<string, ImageCheck>();
  private checksLoading = false;
  private checksStale = true;

  /** Asks for the images' checks in the background (the listing never waits), then redraws the images. */
  private loadChecks(api: StoreApi): void {
    if (this.checksLoading || !this.checksStale) {
      return;
    }
    this.checksLoading = true;
    this.checksStale = false;
    api
      .imageChecks()
      .then(({ images }) => {
        this.checks.clear();
        for (const c of images) {
          this.checks.set(c.image, c);
        }
        this.emitter.fire(this.roots.images);
      })
      .catch((err: Error) => {
        this.checksStale = true;
        log.warn(`image checks: ${err.message}`);
      })
      .finally(() => {
        this.checksLoading = false;
      });
  }

  /** After the operator secret changed: ledgers read again. */
  recheckImages(): void {
    this.checksStale = true;
    this.emitter.fire(this.roots.images);
  }

  /** The store's statistics, computed once per state of the store, for image and root tooltips. */
  private stats?: Promise<StoreStatsResult>;

  /** Re-reads only the shards whose blobs came or went, and the images when the catalog changed. */
  applyChange(change: StoreChange): void {
    this.stats = undefined;
    const shards = new Set([...change.added, ...change.removed].map((d) => shardOf(d)));
    this.problems.clear(change.changed.concat(change.added));
    for (const f of change.failedVerify ?? []) {
      this.problems.setBad(f.digest, f.problem);
    }
    for (const s of shards) {
      this.pages.delete(s);
      const node = this.shardNodes.get(s);
      if (node) {
        this.emitter.fire(node);
      }
    }
    if (shards.size > 0) {
      this.emitter.fire(this.roots.blobs);
    }
    // A verdict changes which images reach a bad blob: their rows are marked.
    if (change.imagesChanged) {
      this.checksStale = true;
    }
    if (change.imagesChanged || (change.failedVerify?.length ?? 0) > 0) {
      this.emitter.fire(this.roots.images);
    }
  }

  /** Loads the shard's next page; returns the first new row, for the keyboard focus to land on. */
  async loadMore(shard: string): Promise<StoreNode | undefined> {
    const state = this.pages.get(shard);
    const api = this.api();
    if (!state || state.done || !api) {
      return undefined;
    }
    const page = await api.blobs({ shard, cursor: state.nextCursor, limit: settings().pageSize });
    const first = page.items[0];
    appendAll(state.items, page.items);
    state.nextCursor = page.nextCursor;
    state.done = !page.nextCursor;
    const node = this.shardNodes.get(shard);
    if (node) {
      this.emitter.fire(node);
    }
    return first ? { kind: 'blob', blob: first } : undefined;
  }

  /**
   * What an image costs (closure, exclusive and shared bytes) and what the store holds (raw, stored, ratios),
   * added to the tooltip on hover. The statistics are computed once until the store changes: on a large store
   * of pf-core frames that first hover waits for a full decode pass (it shows progress in the Output log).
   */
  private async withCost(api: StoreApi, item: vscode.TreeItem, node: StoreNode): Promise<vscode.TreeItem> {
    try {
      this.stats ??= api.stats(undefined);
      const stats = await this.stats;
      const base = item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : String(item.tooltip ?? '');
      if (node.kind === 'image') {
        const cost = stats.images.find((i) => i.image === node.image.digest);
        if (cost) {
          item.tooltip = new vscode.MarkdownString(
            `${base}\n\nclosure ${formatBytes(cost.closureBytes)} · only here ${formatBytes(cost.exclusiveBytes)} · shared ${formatBytes(cost.sharedBytes)}`,
          );
        }
      } else {
        item.tooltip = new vscode.MarkdownString(
          `${stats.blobs.toLocaleString('en-US')} blobs · raw ${formatBytes(stats.rawBytes)} · stored ${formatBytes(stats.storedBytes)} (${stats.compressionRatio.toFixed(2)}×) · dedup ${stats.dedupRatio.toFixed(2)}×`,
        );
      }
    } catch (err) {
      this.stats = undefined;
      log.warn(`store statistics for a tooltip: ${(err as Error).message}`);
    }
    return item;
  }

  getTreeItem(node: StoreNode): vscode.TreeItem {
    return treeItemFor(node, this.problems, this.blobTotal);
  }

  /**
   * On hover, a blob's tooltip gains its decoded size, compression ratio, content kind and last verify: one
   * stat for the blob pointed at, rather than one per row of a 500-row page.
   */
  async resolveTreeItem(
    item: vscode.TreeItem,
    node: StoreNode,
    token: vscode.CancellationToken,
  ): Promise<vscode.TreeItem> {
    const api = this.api();
    if (api && (node.kind === 'image' || (node.kind === 'root' && node.section === 'images'))) {
      return this.withCost(api, item, node);
    }
    const digest =
      node.kind === 'blob'
        ? node.blob.digest
        : node.kind === 'reference' && node.ref.state !== 'missing'
          ? node.ref.digest
          : undefined;
    if (!api || !digest) {
      return item;
    }
    try {
      const info = await api.stat(digest, token);
      const lines = [
        `**${markdownText(digest)}**`,
        `stored ${formatBytes(info.storedBytes)}${info.decodedBytes !== undefined ? ` · decoded ${formatBytes(info.decodedBytes)}` : ''}${info.ratio !== undefined ? ` · ratio ${info.ratio.toFixed(2)}×` : ''}`,
      ];
      if (info.contentKind) {
        lines.push(`content: ${markdownText(info.contentKind)}`);
      }
      if (info.referencedBy.length > 0) {
        lines.push(`referenced by ${plural(new Set(info.referencedBy.map((r) => r.image)).size, 'image')}`);
      }
      const problem = this.problems.problemOf(digest);
      if (problem) {
        lines.push(`**failed verification**: ${markdownText(problem)}`);
      } else if (info.lastVerified) {
        lines.push(
          `verified ${new Date(info.lastVerified.atMs).toLocaleString()}: ${info.lastVerified.ok ? 'OK' : markdownText(info.lastVerified.problem ?? '')}`,
        );
      }
      item.tooltip = new vscode.MarkdownString(lines.join('\n\n'));
    } catch {
      // keep the plain tooltip: the blob may have gone meanwhile
    }
    return item;
  }

  /** Parents, so that TreeView.reveal can open the path to a node. */
  getParent(node: StoreNode): StoreNode | undefined {
    if (node.kind === 'image') {
      return this.roots.images;
    }
    if (node.kind === 'shard') {
      return this.roots.blobs;
    }
    if (node.kind === 'blob') {
      return this.shardNodes.get(shardOf(node.blob.digest));
    }
    if (node.kind === 'more') {
      return this.shardNodes.get(node.shard);
    }
    // Registries: a remote image under its registry (rows carry ids, so a fresh node of the same id will do).
    if (node.kind === 'remote') {
      return this.roots.remotes;
    }
    if (node.kind === 'remoteImage') {
      return { kind: 'remote', remote: node.remote };
    }
    return undefined;
  }

  async getChildren(node?: StoreNode): Promise<StoreNode[]> {
    const api = this.api();
    if (!api) {
      return [{ kind: 'message', text: 'Starting the store server…' }];
    }
    try {
      return await this.children(api, node);
    } catch (err) {
      log.error(`the store view could not list ${describeNode(node)}`, err);
      return [{ kind: 'message', text: `Could not load: ${(err as Error).message}`, error: true }];
    }
  }

  private async children(api: StoreApi, node?: StoreNode): Promise<StoreNode[]> {
    if (!node) {
      if (this.storeState !== 'ok') {
        // The view's welcome content says what to do: for an empty store that is its first page.
        this.firstPageAt ??= Date.now();
        return [];
      }
      // Registries before Blobs: under 256 expanded shard rows they were out of reach.
      return settings().remotes.length > 0
        ? [this.roots.images, this.roots.remotes, this.roots.blobs]
        : [this.roots.images, this.roots.blobs];
    }
    switch (node.kind) {
      case 'remote': {
        const { images } = await api.remoteImages(node.remote);
        return images.length > 0
          ? images.map((entry) => ({ kind: 'remoteImage', remote: node.remote, entry }))
          : [{ kind: 'message', text: 'No ProcessFork images here' }];
      }
      case 'root':
        if (node.section === 'remotes') {
          return settings().remotes.map((remote) => ({ kind: 'remote', remote }));
        }
        if (node.section === 'images') {
          const { images } = await api.images();
          this.loadChecks(api);
          return images.length > 0
            ? images.map((image) => ({ kind: 'image', image, check: this.checks.get(image.digest) }))
            : [{ kind: 'message', text: 'No snapshot images' }];
        } else {
          // The row's count comes from the server's statuses alone (onStatus): a listing answered while a change
          // was still reaching the server's cache once put the old count back after gc's status had the new one.
          const { shards } = await api.shards();
          const nodes = shards.map((s) => {
            const n = { kind: 'shard' as const, shard: s.shard, count: s.count };
            this.shardNodes.set(s.shard, n);
            return n;
          });
          this.firstPageAt ??= Date.now();
          return nodes.length > 0 ? nodes : [{ kind: 'message', text: 'No blobs yet: put a file to start' }];
        }
      case 'image': {
        if (!node.image.digest.startsWith('sha256:')) {
          return node.image.problems.map((p) => ({ kind: 'message', text: p.message, error: true }));
        }
        // Lineage first, one click away: the parents this image came from and the images forked from it.
        const { images: all } = await api.images();
        const lineage: StoreNode[] = [
          ...node.image.parents.flatMap((p) => {
            const parent = all.find((i) => i.digest === p);
            return parent ? [{ kind: 'image' as const, image: parent, via: `parent of ${node.image.digest}` }] : [];
          }),
          ...all
            .filter((i) => i.parents.includes(node.image.digest))
            .map((child) => ({ kind: 'image' as const, image: child, via: `child of ${node.image.digest}` })),
        ];
        const [details, view] = await Promise.all([
          api.imageDetails(node.image.digest),
          api.snapshot(node.image.digest).catch(() => undefined), // the rows still list without words
        ]);
        for (const r of details.references) {
          if (r.state === 'missing') {
            this.problems.setMissing(r.digest);
          }
        }
        return [
          ...lineage,
          ...details.references.map((ref): StoreNode => ({
            kind: 'reference',
            image: node.image.digest,
            imageName: node.image.name,
            ref,
            about: view ? layerAbout(ref.layer, view) : undefined,
          })),
        ];
      }
      case 'shard': {
        let state = this.pages.get(node.shard);
        if (!state) {
          const page = await api.blobs({ shard: node.shard, limit: settings().pageSize });
          state = { items: page.items, nextCursor: page.nextCursor, done: !page.nextCursor };
          this.pages.set(node.shard, state);
          for (const b of page.items) {
            if (b.problem && !this.problems.problemOf(b.digest)) {
              this.problems.setBad(b.digest, b.problem);
            }
          }
        }
        const children: StoreNode[] = state.items.map((blob) => ({ kind: 'blob', blob }));
        if (!state.done) {
          children.push({ kind: 'more', shard: node.shard, loaded: state.items.length, total: node.count });
        }
        return children;
      }
      case 'blob': {
        const { images } = await api.references(node.blob.digest);
        return images.length > 0
          ? images.map((u) => ({ kind: 'use', digest: node.blob.digest, image: u.image, places: u.places }))
          : [{ kind: 'message', text: 'No image reaches this blob (unreferenced)' }];
      }
      default:
        return [];
    }
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

/** What a row is, for the log: "the registry oci://…", "shard 3f", "the store's images". */
function describeNode(node: StoreNode | undefined): string {
  switch (node?.kind) {
    case undefined:
      return 'its roots';
    case 'remote':
      return `the registry ${node.remote}`;
    case 'root':
      return `the ${node.section}`;
    case 'shard':
      return `shard ${node.shard}`;
    case 'image':
      return `image ${node.image.digest}`;
    case 'blob':
      return `the images that use ${node.blob.digest}`;
    default:
      return node?.kind ?? 'a row';
  }
}
