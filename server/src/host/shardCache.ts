// The server's view of the shard directories: each shard is read once, then kept current by the store
// watcher, so paging through 100,000 blobs and resolving prefixes never re-read the disk per request.
// Digests are kept packed, 32 bytes each (3.2 MB for 100,000 blobs instead of about 10 MB of strings).
import type { BlobPage, ListOptions } from '../store/blobStore';
import type { ShardSource } from '../store/blobListing';
import { listShards, pageOfBlobs, shardBlobs } from '../store/blobListing';
import { InvalidInputError } from '../store/errors';
import { quoteShort } from '../../../shared/format';

export interface ShardDiff {
  added: string[];
  removed: string[];
}

export class ShardCache implements ShardSource {
  private shardNames?: Promise<string[]>;
  private readonly byShard = new Map<string, Promise<Buffer>>();

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
      entry = shardBlobs(this.root, shard).then((hexes) => Buffer.from(hexes.join(''), 'hex'));
      this.byShard.set(shard, entry);
      entry.catch(() => this.byShard.delete(shard));
    }
    return entry;
  }

  page(opts: ListOptions): Promise<BlobPage> {
    return pageOfBlobs(this.root, this, opts);
  }

  async counts(): Promise<Array<{ shard: string; count: number }>> {
    const shards = await this.shards();
    const counts = await Promise.all(
      shards.map(async (shard) => ({ shard, count: (await this.packed(shard)).length / 32 })),
    );
    return counts.filter((c) => c.count > 0);
  }

  /** Digests starting with `prefix` (1 to 64 lower-case hex), at most `max` of them. */
  async withPrefix(prefix: string, max: number): Promise<{ matches: string[]; more: boolean }> {
    if (!/^[0-9a-f]{1,64}$/.test(prefix)) {
      throw new InvalidInputError(`not a hex prefix: ${quoteShort(prefix)}`);
    }
    const shards = (await this.shards()).filter((s) => s.startsWith(prefix.slice(0, 2)));
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
    this.shardNames = undefined;
    const after = await this.blobs(shard);
    const now = new Set(after);
    return { added: after.filter((h) => !before.has(h)), removed: [...before].filter((h) => !now.has(h)) };
  }

  clear(): void {
    this.shardNames = undefined;
    this.byShard.clear();
  }
}
