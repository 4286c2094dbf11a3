// Many files written unsynced under temp names, made durable together and only then given their names, the way
// git's batch fsync mode does it: first every temp file is made durable (one sync of the file system for a
// large batch, else an fsync each with many in flight, which a journaling file system commits together), then
// each is renamed, then the names are made durable (the same sync again, or each folder that gained a name once,
// deepest first). A power cut at any point leaves each name either absent or holding its whole file. Used by a
// push into a folder registry and by a pull of small blobs into the store.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { forEachInFlight } from '../../../../shared/common/inFlight';
import { throwIfAborted } from '../errors';
import { renameOver, syncFolder } from './durableWrite';
import { syncFileSystems } from './fileSystemSync';

/** fsyncs in flight at once: enough for the journal to take them in one commit, few enough for open files. */
export const SYNCS_IN_FLIGHT = 64;

export interface StagedFile {
  /** The unsynced copy, in the same folder as `file`. */
  temp: string;
  /** Its final name. */
  file: string;
}

/** A batch this large is made durable by one sync of its file system where there is one (fileSystemSync.ts). */
export const SYNC_FILE_SYSTEM_FROM = 128;

/**
 * Makes every temp file durable, renames each to its name, then makes the names durable: each folder that
 * gained one, and those above it up to `root` (a new shard folder's own name must be durable too). Each file's
 * writer has checked its size. On a failure the caller removes the temp files that are left (`removeStaged`).
 */
export async function commitStaged(staged: readonly StagedFile[], root: string, signal?: AbortSignal): Promise<void> {
  if (staged.length === 0) {
    return;
  }
  const folders = new Set<string>();
  for (const s of staged) {
    for (let dir = path.dirname(s.file); ; dir = path.dirname(dir)) {
      folders.add(dir);
      if (dir === root || !dir.startsWith(root + path.sep)) {
        break;
      }
    }
  }
  // A shard folder may be a mount of its own: one folder of each file system is synced.
  const fileSystems = staged.length >= SYNC_FILE_SYSTEM_FROM ? await oneFolderPerDevice([...folders]) : [];
  const whole = fileSystems.length > 0 && (await syncFileSystems(fileSystems, signal));
  if (!whole) {
    await forEachInFlight(staged, SYNCS_IN_FLIGHT, (s) => syncFile(s.temp), signal);
  }
  throwIfAborted(signal);
  await forEachInFlight(staged, SYNCS_IN_FLIGHT, (s) => renameOver(s.temp, s.file), signal);
  if (whole && (await syncFileSystems(fileSystems, signal))) {
    return;
  }
  // Deepest first: a new folder's own entries are durable before its name in its parent.
  const order = [...folders].sort((a, b) => b.length - a.length);
  await forEachInFlight(order, SYNCS_IN_FLIGHT, syncFolder);
}

async function syncFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** One folder of each device among `folders`. */
async function oneFolderPerDevice(folders: string[]): Promise<string[]> {
  const byDevice = new Map<number, string>();
  await forEachInFlight(folders, SYNCS_IN_FLIGHT, async (dir) => {
    const { dev } = await fs.stat(dir);
    if (!byDevice.has(dev)) {
      byDevice.set(dev, dir);
    }
  });
  return [...byDevice.values()];
}

/** Removes the temp files of a batch that failed (those already renamed are not there any more). */
export async function removeStaged(staged: readonly { temp: string }[]): Promise<void> {
  await forEachInFlight(staged, SYNCS_IN_FLIGHT, (s) => fs.rm(s.temp, { force: true }));
}
