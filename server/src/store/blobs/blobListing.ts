// Reads the shard directories: paged listing, counts, and the full scan that verify-all walks.
import type { Dirent } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as fsSync from 'node:fs';
import * as path from 'node:path';
import { BLOB_NAME, SHARD_NAME, TEMP_NAME, blobsDir } from './blobPaths';
import type { BlobEntry, BlobPage, ListOptions } from './blobStore';
import { InvalidInputError, ioError } from '../errors';
import { quoteShort } from '../../../../shared/common/format';
import { appendAll } from '../../../../shared/common/arrays';
import { shardOf } from '../../../../shared/blobs/digest';

export const MAX_PAGE = 5000;
/**
 * Stats in flight at once for a page's stored sizes. A tree page (500) goes in one batch: 32 lanes of awaits
 * took 11-24 ms for 500 on a million-blob store, one batch 4-10 ms; 5,000 at once held thousands of requests.
 */
const STAT_BATCH = 1000;

async function readDirIfAny(dir: string, sync = false): Promise<Dirent[]> {
  try {
    return sync ? fsSync.readdirSync(dir, { withFileTypes: true }) : await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return [];
    }
    throw ioError('cannot list', dir, err);
  }
}

/** `sync`: on the calling thread, without a trip through libuv's pool (for a process that may block). */
async function readNamesIfAny(dir: string, sync = false): Promise<string[]> {
  try {
    return sync ? fsSync.readdirSync(dir) : await fs.readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return [];
    }
    throw ioError('cannot list', dir, err);
  }
}

export async function listShards(root: string): Promise<string[]> {
  const entries = await readDirIfAny(blobsDir(root));
  return entries
    .filter((e) => e.isDirectory() && SHARD_NAME.test(e.name))
    .map((e) => e.name)
    .sort();
}

/** Blob digests in one shard, sorted; files in the wrong shard are left to the scan. */
export async function shardBlobs(root: string, shard: string): Promise<string[]> {
  // Names only (no Dirent per file): this runs over every shard of a 100,000-blob store at start-up.
  let names: string[];
  try {
    names = await fs.readdir(path.join(blobsDir(root), shard));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return [];
    }
    throw ioError('cannot list', path.join(blobsDir(root), shard), err);
  }
  const hexes: string[] = [];
  for (const name of names) {
    if (name.length === 68 && name.endsWith('.zst') && name.startsWith(shard) && BLOB_NAME.test(name)) {
      hexes.push(name.slice(0, 64));
    }
  }
  return hexes.sort();
}

/** Where a page's shard names and digests come from: the disk directly, or the server's cache of it. */
export interface ShardSource {
  shards(): Promise<string[]>;
  blobs(shard: string): Promise<string[]>;
  /** Digests after `after` in one shard, at most `max`: lets a cache answer a page without unpacking a shard. */
  after?(shard: string, after: string | undefined, max: number): Promise<string[]>;
}

export function diskShardSource(root: string): ShardSource {
  return { shards: () => listShards(root), blobs: (shard) => shardBlobs(root, shard) };
}

export function listBlobs(root: string, opts: ListOptions): Promise<BlobPage> {
  return pageOfBlobs(root, diskShardSource(root), opts);
}

export async function pageOfBlobs(root: string, source: ShardSource, opts: ListOptions): Promise<BlobPage> {
  const { shard, after, limit } = opts;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new InvalidInputError(`page size must be between 1 and ${MAX_PAGE}, got ${limit}`);
  }
  if (shard !== undefined && !SHARD_NAME.test(shard)) {
    throw new InvalidInputError(`not a shard name: ${quoteShort(shard)}`);
  }
  if (after !== undefined && !/^[0-9a-f]{1,64}$/.test(after)) {
    throw new InvalidInputError(`not a cursor: ${quoteShort(after)}`);
  }
  const shards = shard ? [shard] : await source.shards();
  const picked: string[] = [];
  let more = false;
  for (const s of shards) {
    if (after && s < shardOf(after)) {
      continue;
    }
    const room = limit - picked.length;
    // One more than there is room for tells whether the shard goes on past this page.
    const hexes = source.after
      ? await source.after(s, after, room + 1)
      : (await source.blobs(s)).filter((h) => !after || h > after);
    appendAll(picked, hexes.slice(0, room));
    if (hexes.length > room) {
      more = true;
      break;
    }
    if (picked.length === limit) {
      // Full page that ended on a shard boundary: later shards may still hold blobs.
      more = s !== shards[shards.length - 1];
      break;
    }
  }
  const items: Array<BlobEntry | undefined> = [];
  for (let at = 0; at < picked.length; at += STAT_BATCH) {
    appendAll(items, await Promise.all(picked.slice(at, at + STAT_BATCH).map((hex) => entryOf(root, hex))));
  }
  const present = items.filter((i): i is BlobEntry => i !== undefined);
  return { items: present, nextCursor: more && picked.length > 0 ? picked[picked.length - 1] : undefined };
}

async function entryOf(root: string, hex: string): Promise<BlobEntry | undefined> {
  try {
    const info = await fs.stat(path.join(blobsDir(root), shardOf(hex), `${hex}.zst`));
    return { hex, storedBytes: info.size };
  } catch {
    return undefined; // deleted between readdir and stat
  }
}

export async function shardCounts(root: string): Promise<Array<{ shard: string; count: number }>> {
  const shards = await listShards(root);
  const counts = await Promise.all(
    shards.map(async (shard) => ({ shard, count: (await shardBlobs(root, shard)).length })),
  );
  return counts.filter((c) => c.count > 0);
}

export async function physicalBytes(root: string): Promise<number> {
  let total = 0;
  async function walk(dir: string): Promise<void> {
    for (const e of await readDirIfAny(dir)) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        await walk(p);
      } else if (e.isFile()) {
        total += (await fs.stat(p)).size;
      }
    }
  }
  await walk(path.join(root, 'blobs'));
  return total;
}

export type ScanItem =
  | { type: 'blob'; hex: string; path: string }
  | { type: 'misplaced'; hex: string; path: string }
  /** `origin`: the writer's (blobs/writerOrigin.ts), absent on pf's own temp names. */
  | { type: 'temp'; hex: string; path: string; pid: number; origin?: string }
  | { type: 'stray'; path: string };

/**
 * One shard folder, read. The well-placed blobs come as bare digests (a verify-all of 10,000 blobs spent a
 * third of its scan making an object, a path and a match array per blob); everything else comes as items.
 */
export interface ShardScan {
  /** The folder that was read (blob paths are `${dir}${sep}${hex}.zst`). */
  dir: string;
  /** Digests of `<64 hex>.zst` files in the shard their digest names. */
  blobs: string[];
  /** Misplaced blobs, temp files and anything else that does not belong. */
  others: ScanItem[];
}

/** Every entry under blobs/sha256, classified (gc, stats and the temp sweep walk it whole). */
export async function scanBlobs(root: string, signal?: AbortSignal): Promise<ScanItem[]> {
  const items: ScanItem[] = [];
  await scanShards(
    root,
    (shard) => {
      for (const hex of shard.blobs) {
        items.push({ type: 'blob', hex, path: `${shard.dir}${path.sep}${hex}.zst` });
      }
      appendAll(items, shard.others);
    },
    signal,
  );
  return items;
}

/**
 * Hands each shard to `onShard` as soon as its folder is read, in order, so a verify can start before the
 * scan ends; nothing is kept here. `sync`: on the calling thread, without a trip through libuv's pool (for a
 * process that may block): a plain loop, where the asynchronous path keeps several folders in flight.
 */
export async function scanShards(
  root: string,
  onShard: (shard: ShardScan) => void | Promise<void>,
  signal?: AbortSignal,
  opts: { sync?: boolean } = {},
): Promise<void> {
  const top = blobsDir(root);
  const dirents = await readDirIfAny(top, opts.sync);
  if (opts.sync) {
    for (let i = 0; i < dirents.length && !signal?.aborted; i++) {
      await onShard(await scanShard(top, dirents[i], true));
    }
    return;
  }
  // Shards are read several at a time (each readdir is a trip through libuv's pool, and 256 of them in a row
  // took longer than verifying 10,000 small blobs) and handed on in order.
  const pending = dirents.map(() => undefined as Promise<ShardScan> | undefined);
  const start = (i: number) => (pending[i] ??= scanShard(top, dirents[i], false));
  for (let i = 0; i < dirents.length && !signal?.aborted; i++) {
    for (let j = i; j < Math.min(dirents.length, i + SCAN_AHEAD); j++) {
      void start(j).catch(() => undefined); // awaited in order below
    }
    const shard = await start(i);
    pending[i] = undefined;
    await onShard(shard);
  }
}

const SCAN_AHEAD = 8;

async function scanShard(top: string, dirent: Dirent, sync: boolean): Promise<ShardScan> {
  const dir = `${top}${path.sep}${dirent.name}`;
  const scan: ShardScan = { dir, blobs: [], others: [] };
  if (!dirent.isDirectory() || !SHARD_NAME.test(dirent.name)) {
    scan.others.push({ type: 'stray', path: dir });
    return scan;
  }
  // Names only: a Dirent per file and two regular expressions per name cost more than the decode of a small
  // blob. File types are looked at only where they decide something (a temp file must be a regular file).
  // A blob name on something that is not a regular file (a FIFO, a symlink) is still that blob, a bad one:
  // verify opens it safely and reports "not a regular file" under its digest.
  const shard = dirent.name;
  const temps: Array<{ name: string; match: RegExpExecArray }> = [];
  for (const name of await readNamesIfAny(dir, sync)) {
    if (name.length === 68 && name.startsWith(shard) && name.endsWith('.zst') && BLOB_NAME.test(name)) {
      scan.blobs.push(name.slice(0, 64));
      continue;
    }
    const p = `${dir}${path.sep}${name}`;
    const blob = BLOB_NAME.exec(name);
    if (blob) {
      scan.others.push({ type: 'misplaced', hex: blob[1], path: p });
      continue;
    }
    const temp = TEMP_NAME.exec(name);
    if (temp) {
      temps.push({ name, match: temp });
    } else {
      scan.others.push({ type: 'stray', path: p });
    }
  }
  if (temps.length > 0) {
    // One listing with file types for the whole shard, not an lstat per temp file (150,000 of them, one after
    // another, took 19 s); Node lstats only the entries whose type the file system does not report.
    const types = await fileTypes(dir, sync);
    for (const { name, match } of temps) {
      const p = `${dir}${path.sep}${name}`;
      scan.others.push(
        types.get(name)?.isFile()
          ? { type: 'temp', hex: match[1], path: p, pid: Number(match[2]), origin: match[4] }
          : { type: 'stray', path: p },
      );
    }
  }
  return scan;
}

/** Each entry of `dir` by name, with its type; none when the folder went away meanwhile. */
async function fileTypes(dir: string, sync: boolean): Promise<Map<string, Dirent>> {
  let entries: Dirent[] = [];
  try {
    entries = sync ? fsSync.readdirSync(dir, { withFileTypes: true }) : await fs.readdir(dir, { withFileTypes: true });
  } catch {
    // a shard removed under the scan: its temp files are gone with it
  }
  return new Map(entries.map((e) => [e.name, e]));
}
