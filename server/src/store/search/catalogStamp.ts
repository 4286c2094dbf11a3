// The catalog as the index last saw it: the images folder's identity and modification time when it was listed,
// the facts files that then knew every snapshot in it, and which snapshots those files know that had left it.
// A snapshot added or removed renames or unlinks a file in the images folder, which moves the folder's mtime; so
// while the folder's stat is the stamp's and the facts files are the stamp's, listing 10,000 names again (12 ms)
// and asking whether each is known would find nothing new. As git does for its index, a listing taken less than
// RACY_MS after the folder last changed makes no stamp: a change within the same clock tick would not move the
// mtime. Derived data like the index: a stamp that does not parse, or does not match, only means a listing.
import { randomBytes } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { imagesDir } from '../blobs/blobPaths';
import { readRegularFile } from '../io/safeOpen';

export const STAMP_FILE = 'catalog-stamp.json';
const STAMP_VERSION = 1;
/** A listing this soon after the folder changed makes no stamp (coarse clocks: FAT's is 2 s). */
export const RACY_MS = 3000n;
const MAX_STAMP_BYTES = 1 << 26;

export interface CatalogStamp {
  /** The images folder's device, inode, mtime and ctime (ns), as decimal strings. */
  folder: string[];
  /** The facts files (full paths, sorted) that then knew every snapshot of the catalog. */
  files: string[];
  /** Snapshots those files know that were no longer in the catalog (hex). */
  gone: string[];
}

/** The images folder's stat, or undefined when it is not a plain folder (then no stamp is made or trusted). */
export async function imagesFolderStat(root: string): Promise<BigIntStats | undefined> {
  const info = await fs.lstat(imagesDir(root), { bigint: true }).catch(() => undefined);
  return info?.isDirectory() ? info : undefined;
}

/**
 * Whether the folder had last changed at least RACY_MS before `listedAt` (a listing's start): a folder's
 * entries added or removed set its mtime and ctime to the same clock reading, so the mtime tells.
 */
export function settled(folder: BigIntStats | undefined, listedAt: bigint): folder is BigIntStats {
  return !!folder && folder.mtimeNs + RACY_MS * 1_000_000n <= listedAt;
}

function folderKey(info: BigIntStats): string[] {
  return [info.dev, info.ino, info.mtimeNs, info.ctimeNs].map(String);
}

/** The stamp in `dir` if it still describes the catalog and these loaded facts files; else undefined. */
export async function readStamp(
  dir: string,
  folder: BigIntStats | undefined,
  loaded: Iterable<string>,
): Promise<CatalogStamp | undefined> {
  if (!folder) {
    return undefined;
  }
  let stamp: unknown;
  try {
    // The one open path: never a FIFO (a read that would wait for ever), a link, or a file past the limit.
    stamp = JSON.parse((await readRegularFile(path.join(dir, STAMP_FILE), MAX_STAMP_BYTES)).toString('utf8'));
  } catch {
    return undefined;
  }
  const s = stamp as Partial<CatalogStamp> & { v?: unknown };
  const files = [...loaded].sort();
  if (
    s?.v !== STAMP_VERSION ||
    !Array.isArray(s.folder) ||
    s.folder.join(' ') !== folderKey(folder).join(' ') ||
    !Array.isArray(s.files) ||
    s.files.join('\n') !== files.join('\n') ||
    !Array.isArray(s.gone) ||
    !s.gone.every((g) => typeof g === 'string')
  ) {
    return undefined;
  }
  return { folder: s.folder, files: s.files, gone: s.gone };
}

/**
 * A stamp for a listing taken at `listedAt` (ns, before the listing) of a folder whose stat was `folder` (taken
 * before the listing too): none when the folder had changed within RACY_MS before it. Written by rename, so a
 * reader sees a whole stamp or the one before.
 */
export async function writeStamp(
  dir: string,
  folder: BigIntStats | undefined,
  listedAt: bigint,
  stamp: Omit<CatalogStamp, 'folder'>,
): Promise<boolean> {
  if (!settled(folder, listedAt)) {
    return false;
  }
  const file = path.join(dir, STAMP_FILE);
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const body = JSON.stringify({
    v: STAMP_VERSION,
    folder: folderKey(folder),
    files: [...stamp.files].sort(),
    gone: stamp.gone,
  });
  try {
    await fs.writeFile(temp, body, { flag: 'wx', mode: 0o600 });
    await fs.rename(temp, file);
    return true;
  } catch {
    await fs.rm(temp, { force: true }).catch(() => undefined); // a stamp not written costs a listing, nothing more
    return false;
  }
}
