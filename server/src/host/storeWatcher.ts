// Watches the store with one inotify watch per directory (the root, images/, blobs/sha256/ and each shard),
// never polling and never watching 100,000 files one by one. Events are debounced and handed over as the
// set of shards and blob names that moved, so the server re-reads only those.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BLOB_NAME, SHARD_NAME, blobsDir, imagesDir } from '../store/blobs/blobPaths';

export interface WatchBatch {
  shards: Set<string>;
  /** Blob digests whose `.zst` file saw an event (created, replaced, removed or rewritten). */
  touched: Set<string>;
  imagesChanged: boolean;
}

export class StoreWatcher {
  private readonly watchers = new Map<string, fs.FSWatcher>();
  private pending: WatchBatch = emptyBatch();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly root: string,
    private readonly onBatch: (batch: WatchBatch) => void,
    private readonly debounceMs = 150,
  ) {}

  start(): void {
    this.watch(this.root, (name) => {
      // blobs/ or images/ created after we started: pick them up, and count what was written into them
      // before our watch was in place as changed.
      if (name === 'images') {
        this.pending.imagesChanged = true;
      }
      if (name === 'blobs' || name === 'images') {
        this.attachAll(true);
        this.schedule();
      }
    });
    this.attachAll();
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const w of this.watchers.values()) {
      w.close();
    }
    this.watchers.clear();
  }

  private attachAll(markShards = false): void {
    this.watch(path.join(this.root, 'blobs'), (name) => {
      if (name === 'sha256') {
        this.attachAll(true);
        this.schedule();
      }
    });
    this.watch(imagesDir(this.root), () => {
      this.pending.imagesChanged = true;
      this.schedule();
    });
    const top = blobsDir(this.root);
    this.watch(top, (name) => {
      if (name && SHARD_NAME.test(name)) {
        this.watchShard(name);
        this.pending.shards.add(name);
        this.schedule();
      }
    });
    let shards: string[] = [];
    try {
      shards = fs.readdirSync(top).filter((n) => SHARD_NAME.test(n));
    } catch {
      // no blobs yet
    }
    for (const s of shards) {
      if (markShards && !this.watchers.has(path.join(top, s))) {
        this.pending.shards.add(s);
      }
      this.watchShard(s);
    }
  }

  private watchShard(shard: string): void {
    this.watch(path.join(blobsDir(this.root), shard), (name) => {
      const m = name ? BLOB_NAME.exec(name) : null;
      if (!m) {
        return;
      } // temp files come and go; only final names matter
      this.pending.shards.add(shard);
      this.pending.touched.add(m[1]);
      this.schedule();
    });
  }

  private watch(dir: string, onName: (name: string | null) => void): void {
    if (this.watchers.has(dir)) {
      return;
    }
    try {
      const w = fs.watch(dir, { persistent: false }, (_event, name) => onName(name ? name.toString() : null));
      w.on('error', () => {
        w.close();
        this.watchers.delete(dir);
      });
      this.watchers.set(dir, w);
    } catch {
      // The directory does not exist yet; its parent's watcher attaches it when it appears.
    }
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const batch = this.pending;
      this.pending = emptyBatch();
      this.onBatch(batch);
    }, this.debounceMs);
  }
}

function emptyBatch(): WatchBatch {
  return { shards: new Set(), touched: new Set(), imagesChanged: false };
}
