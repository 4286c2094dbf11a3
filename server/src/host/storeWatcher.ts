// Watches the store with one inotify watch per directory (the root, images/, blobs/sha256/ and each shard),
// never watching 100,000 files one by one. Events are debounced and handed over as the set of shards and blob
// names that moved, so the server re-reads only those. A folder removed and made again (a user deleting a
// damaged shard, a sync tool, a restore) is a new inode that the old watch never hears: each watch remembers
// its folder's inode, a parent's event re-attaches a child whose inode changed, and a cheap periodic look (one
// stat per watched folder) catches what no event announced.
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
  private readonly watchers = new Map<string, { watcher: fs.FSWatcher; ino: number }>();
  private rescanTimer?: NodeJS.Timeout;
  private pending: WatchBatch = emptyBatch();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly root: string,
    private readonly onBatch: (batch: WatchBatch) => void,
    private readonly debounceMs = 150,
    private readonly rescanMs = 30_000,
  ) {}

  start(): void {
    this.watch(this.root, this.onRootEvent);
    this.attachAll();
    this.rescanTimer = setInterval(() => this.rescan(), this.rescanMs);
    this.rescanTimer.unref();
  }

  dispose(): void {
    clearTimeout(this.timer);
    clearInterval(this.rescanTimer);
    for (const w of this.watchers.values()) {
      w.watcher.close();
    }
    this.watchers.clear();
  }

  private readonly onRootEvent = (name: string | null): void => {
    // blobs/ or images/ created (or made again) after we started: pick them up, and count what was written into
    // them before our watch was in place as changed.
    if (name === 'images') {
      this.pending.imagesChanged = true;
    }
    if (name === 'blobs' || name === 'images') {
      this.attachAll(true);
      this.schedule();
    }
  };

  /** The backup for lost events: every watched folder that vanished or is another inode now is watched anew. */
  rescan(): void {
    let changed = false;
    for (const [dir, w] of [...this.watchers]) {
      if (inodeOf(dir) !== w.ino) {
        w.watcher.close();
        this.watchers.delete(dir);
        changed = true;
      }
    }
    if (this.watchers.size === 0 || changed) {
      this.watch(this.root, this.onRootEvent);
      this.pending.imagesChanged = true;
      this.attachAll(true);
      this.schedule();
    } else {
      this.attachAll(true); // a shard made while its parent's watch was being replaced
    }
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
    const ino = inodeOf(dir);
    const old = this.watchers.get(dir);
    if (old && old.ino === ino) {
      return;
    }
    if (old) {
      // The folder was removed (and perhaps made again): that watch hears nothing any more.
      old.watcher.close();
      this.watchers.delete(dir);
    }
    if (ino === undefined) {
      return; // The directory does not exist (yet); its parent's watcher attaches it when it appears.
    }
    try {
      const w = fs.watch(dir, { persistent: false }, (_event, name) => onName(name ? name.toString() : null));
      w.on('error', () => {
        w.close();
        if (this.watchers.get(dir)?.watcher === w) {
          this.watchers.delete(dir);
        }
      });
      this.watchers.set(dir, { watcher: w, ino });
    } catch {
      // Gone between the stat and the watch: the parent's event or the next rescan attaches it.
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

function inodeOf(dir: string): number | undefined {
  try {
    const info = fs.statSync(dir);
    return info.isDirectory() ? info.ino : undefined;
  } catch {
    return undefined;
  }
}

function emptyBatch(): WatchBatch {
  return { shards: new Set(), touched: new Set(), imagesChanged: false };
}
