// The server's view of the shard directories: each shard is read once, then kept current by the store
// watcher, so paging through 100,000 blobs and resolving prefixes never re-read the disk per request.
// Digests are kept packed, 32 bytes each (3.2 MB for 100,000 blobs instead of about 10 MB of strings).
import type { BlobPage, ListOptions } from '../store/blobs/blobStore';
import type { ShardSource } from '../store/blobs/blobListing';
import { listShards, pageOfBlobs, shardBlobs } from '../store/blobs/blobListing';
import { InvalidInputError } from '../store/errors';
import { quoteShort } from '../../../shared/common/format';
import { shardOf } from '../../../shared/blobs/digest';

export interface ShardDiff {
  added: string[];
  removed: string[];
}

/**
 * Shards read at once while counting in the background: one, so that a request arriving meanwhile (expanding a
 * shard: 17-44 ms during the count of 1,000,000 blobs, against 60-90 ms with two lanes) waits for little.
 */
const COUNT_LANES = 1;
/** How long the count stays back after the last page asked for (the tree asks for pages in bursts). */
const QUIET_MS = 150;

export class ShardCache implements ShardSource {
  private shardNames?: Promise<string[]>;
  private readonly byShard = new Map<string, Promise<Buffer>>();
  /** Counts of the shards read so far (what knownCounts answers without touching the disk). */
  private readonly loadedCounts = new Map<string, number>();
  /** Pages being answered now; the background count waits while there are any. */
  private foreground = 0;
  /** When the last page was asked for: an expand comes in bursts (more pages, other shards), so the count waits on. */
  private lastAskedAt = 0;

  constructor(readonly root: string) {}

  shards(): Promise<string[]> {
    this.shardNames ??= listShards(this.root);
    return this.shardNames;
  }

  async blobs(shard: string): Promise<string[]> {
    const packed = await this.packed(shard);
    const hexes = new Array<string>(packed.length / 32);
    for (let i = 0; i < hexes.length; i++) {
      hexes[i] = packed.toString('hex', i * 32, i * 32 + 32);
    }
    return hexes;
  }

  private packed(shard: string): Promise<Buffer> {
    let entry = this.byShard.get(shard);
    if (!entry) {
      entry = shardBlobs(this.root, shard).then((hexes) => {
        const packed = Buffer.allocUnsafe(hexes.length * 32);
        hexes.forEach((hex, i) => packed.write(hex, i * 32, 32, 'hex'));
        if (this.byShard.get(shard) === entry) {
          this.loadedCounts.set(shard, hexes.length);
        }
        return packed;
      });
      this.byShard.set(shard, entry);
      entry.catch(() => this.byShard.delete(shard));
    }
    return entry;
  }

  /** Digests of `shard` after `after` (a full or partial hex), at most `max`, without unpacking the rest. */
  async after(shard: string, after: string | undefined, max: number): Promise<string[]> {
    if (after !== undefined && shard < shardOf(after)) {
      return [];
    }
    const packed = await this.packed(shard);
    const n = packed.length / 32;
    let lo = 0;
    if (after !== undefined) {
      // Binary search on the packed records: first digest > after.
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (packed.toString('hex', mid * 32, mid * 32 + 32) > after) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
    }
    const out: string[] = [];
    for (let i = lo; i < n && out.length < max; i++) {
      out.push(packed.toString('hex', i * 32, i * 32 + 32));
    }
    return out;
  }

  /**
   * Someone waits for a page: call as the request arrives, before any await, so that the count yields from then
   * on (not only once the page has started); the returned function ends the hold.
   */
  hold(): () => void {
    this.foreground++;
    this.noteLooking();
    let held = true;
    return () => {
      if (held) {
        held = false;
        this.foreground--;
        this.lastAskedAt = Date.now();
      }
    };
  }

  async page(opts: ListOptions): Promise<BlobPage> {
    const release = this.hold();
    try {
      return await pageOfBlobs(this.root, this, opts);
    } finally {
      release();
    }
  }

  /**
   * Someone is looking at the tree (its first page, the shard list, was asked for): expands follow within
   * moments, so the count stays back for QUIET_MS as after a page.
   */
  noteLooking(): void {
    this.lastAskedAt = Date.now();
  }

  /** True while a page is being answered or was asked for in the last QUIET_MS. */
  private busy(): boolean {
    return this.foreground > 0 || Date.now() - this.lastAskedAt < QUIET_MS;
  }

  /** Every shard's count; reads the shards not read yet, a few at a time (their names are transient garbage). */
  async counts(): Promise<Array<{ shard: string; count: number }>> {
    const shards = await this.shards();
    const counts: Array<{ shard: string; count: number }> = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: COUNT_LANES }, async () => {
        while (next < shards.length) {
          // A page someone is waiting for goes first: packing a shard's names holds the thread for a few ms,
          // and a page's stat callbacks would queue behind every one of them.
          while (this.busy()) {
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          const shard = shards[next++];
          counts.push({ shard, count: (await this.packed(shard)).length / 32 });
        }
      }),
    );
    return counts.filter((c) => c.count > 0).sort((a, b) => (a.shard < b.shard ? -1 : 1));
  }

  /**
   * The shards with what is known of them now, without reading any: a count for each shard already read,
   * none for the others. A million-blob store answers its first tree page at once; counts follow.
   */
  async knownCounts(): Promise<{ shards: Array<{ shard: string; count?: number }>; complete: boolean }> {
    const shards = await this.shards();
    const out: Array<{ shard: string; count?: number }> = [];
    let complete = true;
    for (const shard of shards) {
      const count = this.loadedCounts.get(shard);
      if (count === undefined) {
        complete = false;
        out.push({ shard });
      } else if (count > 0) {
        out.push({ shard, count });
      }
    }
    return { shards: out, complete };
  }

  /** Digests starting with `prefix` (1 to 64 lower-case hex), at most `max` of them. */
  async withPrefix(prefix: string, max: number): Promise<{ matches: string[]; more: boolean }> {
    if (!/^[0-9a-f]{1,64}$/.test(prefix)) {
      throw new InvalidInputError(`not a hex prefix: ${quoteShort(prefix)}`);
    }
    const shards = (await this.shards()).filter((s) => s.startsWith(shardOf(prefix)));
    const matches: string[] = [];
    for (const s of shards) {
      for (const hex of await this.blobs(s)) {
        if (!hex.startsWith(prefix)) {
          continue;
        }
        if (matches.length === max) {
          return { matches, more: true };
        }
        matches.push(hex);
      }
    }
    return { matches, more: false };
  }

  /** Re-reads one shard after the watcher saw it change; returns what appeared and disappeared. */
  async refreshShard(shard: string): Promise<ShardDiff> {
    // A shard never read before counts as empty: everything in it is news to whoever listens.
    const before = new Set(this.byShard.has(shard) ? await this.blobs(shard).catch(() => []) : []);
    this.byShard.delete(shard);
    this.loadedCounts.delete(shard);
    this.shardNames = undefined;
    const after = await this.blobs(shard);
    const now = new Set(after);
    return { added: after.filter((h) => !before.has(h)), removed: [...before].filter((h) => !now.has(h)) };
  }

  clear(): void {
    this.shardNames = undefined;
    this.byShard.clear();
    this.loadedCounts.clear();
  }
}
