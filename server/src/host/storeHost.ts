// Owns the open store and everything cached about it. Reopening (a new path from settings) swaps all of it
// at once; the worker pool outlives stores so a reopen costs no thread start-up.
import type { Connection } from 'vscode-languageserver';
import { MessageType, ShowMessageNotification } from 'vscode-languageserver';
import type { FailedVerify, StoreChange, StoreStatus } from '../../../shared/protocol';
import { StatusNotification, StoreChangedNotification } from '../../../shared/protocol';
import { formatDigest, shardOf } from '../../../shared/blobs/digest';
import { BlobFacts } from './blobFacts';
import { SearchHost } from './searchHost';
import { CatalogHost } from './catalogHost';
import { GraphHost, type GraphProgress } from './graphHost';
import { ReferenceIndex } from './referenceIndex';
import { ShardCache } from './shardCache';
import { FsBlobStore } from '../store/blobs/fsBlobStore';
import type { WorkerPool } from '../store/workers/workerPool';
import { probeStore } from './storeProbe';
import type { WatchBatch } from './storeWatcher';
import { StoreWatcher } from './storeWatcher';
import { zstdEngine } from '../store/io/zstdEngine';
import { appendAll } from '../../../shared/common/arrays';

/** `native 1.5.7` or `wasm 1.5.7`: which zstd this server decodes and compresses with. */
function engineLabel(): string {
  const engine = zstdEngine();
  return `${engine.name} ${engine.version}`;
}

export interface OpenStore {
  root: string;
  store: FsBlobStore;
  shards: ShardCache;
  facts: BlobFacts;
  refs: ReferenceIndex;
  graph: GraphHost;
  /** The catalog, read one way for every handler, and the image checks the tree's marks keep. */
  images: CatalogHost;
  /** The search index, warm between queries. */
  search: SearchHost;
}

export type ChangeListener = (change: StoreChange) => void;

export class StoreHost {
  private current?: OpenStore;
  private watcher?: StoreWatcher;
  private readonly listeners: ChangeListener[] = [];
  trusted = true;
  maxBlobBytes: number;
  /** The operator's session secret from the editor's SecretStorage (processfork/sessionSecret): memory only. */
  sessionSecretHex?: string;
  /** Nothing is sent to the client before it has said `initialized`. */
  private announcing = false;
  /** The last state told to the user, so a problem is shown once, not at every status refresh. */
  private lastShownState?: string;

  constructor(
    private readonly connection: Connection,
    private readonly pool: WorkerPool,
    maxBlobBytes: number,
  ) {
    this.maxBlobBytes = maxBlobBytes;
  }

  get open(): OpenStore {
    if (!this.current) {
      throw new Error('no store is open yet');
    }
    return this.current;
  }

  get isOpen(): boolean {
    return this.current !== undefined;
  }

  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  /** Opens `root` (no-op when it is already open) and tells the client the new status. */
  /** The open store whose blobs are being counted now, if any. */
  private counting?: OpenStore;

  /** The store the log last named as open (a provisional open at start-up is not named). */
  private announcedRoot?: string;

  /**
   * `provisional`: opened before the settings arrive, so early requests have a store; the log names a store only
   * once the settings confirm it (it used to say "store opened at ~/.processfork" before the user's store).
   */
  async openStore(root: string, opts: { provisional?: boolean } = {}): Promise<void> {
    if (this.current?.root === root) {
      if (!opts.provisional && this.announcedRoot !== root) {
        this.announce(root);
      }
      return;
    }
    this.watcher?.dispose();
    const store = new FsBlobStore(root, { pool: this.pool, maxBlobBytes: this.maxBlobBytes });
    const images = new CatalogHost(store, () => this.sessionSecretHex);
    this.current = {
      root,
      store,
      shards: new ShardCache(root),
      facts: new BlobFacts(store),
      refs: new ReferenceIndex(() => images.entries()),
      graph: new GraphHost(
        store,
        () => images.entries(),
        () => this.graphProgress(),
      ),
      images,
      search: new SearchHost(
        store,
        () => this.sessionSecretHex,
        () => this.trusted,
      ),
    };
    this.watcher = new StoreWatcher(root, (batch) => void this.applyBatch(batch));
    this.watcher.start();
    if (!opts.provisional) {
      this.announce(root);
    }
    await this.publishStatus();
    if (this.announcing) {
      void this.current.graph
        .get()
        .catch((err) => this.connection.console.warn(`reference graph: ${(err as Error).message}`));
    }
    this.emit({ added: [], removed: [], changed: [], imagesChanged: true });
  }

  private announce(root: string): void {
    this.announcedRoot = root;
    this.connection.console.info(`store opened at ${root} (zstd engine: ${engineLabel()})`);
  }

  async status(): Promise<StoreStatus> {
    const { root, shards, refs, facts } = this.open;
    const probe = await probeStore(root);
    const status: StoreStatus = {
      storePath: root,
      state: probe.state,
      message: probe.message,
      writable: probe.writable && this.trusted,
      problemCount: facts.knownBad().length,
      zstdEngine: engineLabel(),
    };
    if (probe.state === 'ok' || probe.state === 'read-only') {
      const known = await shards.knownCounts();
      if (known.complete) {
        status.blobCount = known.shards.reduce((n, c) => n + (c.count ?? 0), 0);
      } else {
        // Never make the status (and the first tree page) wait for a full count of a large store.
        status.counting = true;
        this.countInBackground();
      }
      status.imageCount = (await refs.images()).length;
    }
    return status;
  }

  /** Counts every shard of the open store once, then announces the status with its blob count. */
  private countInBackground(): void {
    const open = this.current;
    if (!open || this.counting === open) {
      return;
    }
    this.counting = open;
    void open.shards
      .counts()
      .then(() => (this.current === open ? this.publishStatus() : undefined))
      .catch((err) => this.connection.console.warn(`cannot count the blobs: ${(err as Error).message}`))
      .finally(() => {
        if (this.counting === open) {
          this.counting = undefined;
        }
      });
  }

  /** Starts talking to the client and tells it the current status; the reference graph builds meanwhile. */
  async startAnnouncing(): Promise<void> {
    this.announcing = true;
    await this.publishStatus();
    void this.open.graph
      .get()
      .catch((err) => this.connection.console.warn(`reference graph: ${(err as Error).message}`));
  }

  /** Work-done progress the server starts itself (the editor shows it), or nothing before the client listens. */
  private async graphProgress(): Promise<GraphProgress> {
    const silent: GraphProgress = { begin: () => undefined, report: () => undefined, done: () => undefined };
    if (!this.announcing) {
      return silent;
    }
    try {
      const p = await this.connection.window.createWorkDoneProgress();
      return { begin: (t) => p.begin(t, 0), report: (pct, m) => p.report(pct, m), done: () => p.done() };
    } catch {
      return silent;
    }
  }

  async publishStatus(): Promise<void> {
    if (!this.announcing) {
      return;
    }
    try {
      const status = await this.status();
      if (status.state !== 'ok') {
        this.connection.console.warn(status.message);
      }
      const key = `${status.storePath}:${status.state}`;
      if (
        key !== this.lastShownState &&
        (status.state === 'unreadable' || status.state === 'not-a-directory' || status.state === 'read-only')
      ) {
        // A notification (no buttons, no answer awaited): window/showMessage.
        void this.connection.sendNotification(ShowMessageNotification.type, {
          type: MessageType.Warning,
          message: `ProcessFork: ${status.message}`,
        });
      }
      this.lastShownState = key;
      await this.connection.sendNotification(StatusNotification.type, status);
    } catch (err) {
      this.connection.console.error(`cannot read the store status: ${(err as Error).message}`);
    }
  }

  /** Called after the server itself wrote or removed blobs, so the client hears of it without waiting. */
  async noteWritten(hexes: string[]): Promise<void> {
    // The first put into a store that did not exist creates its directories: watch them from now on.
    this.watcher?.start();
    await this.applyBatch({
      shards: new Set(hexes.map((h) => shardOf(h))),
      touched: new Set(hexes),
      imagesChanged: false,
    });
  }

  /** After a verify: the client marks the blobs that failed, and diagnostics naming them refresh. */
  async noteVerified(failed: Array<{ hex: string; problem: string }>): Promise<void> {
    if (failed.length > 0) {
      this.emit({
        added: [],
        removed: [],
        changed: [],
        imagesChanged: false,
        failedVerify: failed.map((f) => ({ digest: formatDigest(f.hex), problem: f.problem })),
      });
    }
    await this.publishStatus();
  }

  dispose(): void {
    this.watcher?.dispose();
  }

  private async applyBatch(batch: WatchBatch): Promise<void> {
    const open = this.current;
    if (!open) {
      return;
    }
    const change: StoreChange = { added: [], removed: [], changed: [], imagesChanged: batch.imagesChanged };
    open.images.storeChanged(); // a timeline read from blobs or a catalog that moved is read again
    if (batch.imagesChanged) {
      open.refs.invalidate();
      open.graph.catalogChanged();
    }
    for (const shard of batch.shards) {
      const diff = await open.shards.refreshShard(shard).catch(() => ({ added: [], removed: [] }));
      appendAll(change.added, diff.added.map(formatDigest));
      appendAll(change.removed, diff.removed.map(formatDigest));
    }
    const moved = new Set([...change.added, ...change.removed]);
    const stillBad: FailedVerify[] = [];
    for (const hex of batch.touched) {
      await open.facts.forgetIfChanged(hex);
      if (!moved.has(formatDigest(hex))) {
        change.changed.push(formatDigest(hex));
      }
      // A verdict already taken on the file as it is now (the event is debounced, a read may have come first):
      // the client clears what it knew of a changed blob, so the verdict travels with the change.
      const verdict = await open.facts.verdict(hex).catch(() => undefined);
      if (verdict && !verdict.ok) {
        stillBad.push({ digest: formatDigest(hex), problem: verdict.problem ?? 'failed its check' });
      }
    }
    if (stillBad.length > 0) {
      change.failedVerify = stillBad;
    }
    if (this.current !== open) {
      return;
    } // reopened meanwhile
    this.emit(change);
    await this.publishStatus();
  }

  private emit(change: StoreChange): void {
    if (!this.announcing) {
      return;
    }
    void this.connection.sendNotification(StoreChangedNotification.type, change);
    for (const l of this.listeners) {
      l(change);
    }
  }
}
