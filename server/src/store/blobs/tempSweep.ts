// gc for temp files: a writer that died (SIGKILL, power loss) leaves `<hex>.tmp.<pid>.<n>[.<origin>]`; readers
// never see it, but it takes space. Remove those whose writer is gone, or that are older than a writer could be.
// "Gone" is proven only for our own origin (this boot, this pid namespace): a pid from a container or another
// host names some unrelated process here, so such a file, and any of pf's (no origin), goes by age alone.
import * as fs from 'node:fs/promises';
import type { SweepResult } from './blobStore';
import { scanBlobs } from './blobListing';
import { ioError } from '../errors';
import { writerOrigin } from './writerOrigin';

const DEFAULT_MAX_AGE_MS = 24 * 60 * 60 * 1000;

function processIsAlive(pid: number): boolean {
  if (pid === process.pid) {
    return true;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function sweepTempFiles(
  root: string,
  opts: { olderThanMs?: number; dryRun?: boolean } = {},
): Promise<SweepResult> {
  const maxAge = opts.olderThanMs ?? DEFAULT_MAX_AGE_MS;
  const result: SweepResult = { removed: [], kept: [] };
  const now = Date.now();
  const alive = new Map<number, boolean>(); // one probe per writer, not per file it left
  for (const item of await scanBlobs(root)) {
    if (item.type !== 'temp') {
      continue;
    }
    let isAlive = item.origin === writerOrigin() ? alive.get(item.pid) : true;
    if (isAlive === undefined) {
      isAlive = processIsAlive(item.pid);
      alive.set(item.pid, isAlive);
    }
    let stale = !isAlive;
    if (!stale) {
      const info = await fs.stat(item.path).catch(() => undefined);
      stale = info !== undefined && now - info.mtimeMs > maxAge;
    }
    if (!stale) {
      result.kept.push(item.path);
      continue;
    }
    if (!opts.dryRun) {
      await fs.rm(item.path, { force: true }).catch((err) => {
        throw ioError('cannot remove', item.path, err);
      });
    }
    result.removed.push(item.path);
  }
  return result;
}
