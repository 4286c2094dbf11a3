// One sync of a whole file system (Linux's syncfs(2), through coreutils' `sync -f`), for a batch of many files:
// 1,000 small files synced this way took 21-52 ms here, against 119-149 ms for one fsync each with 64 in
// flight on libuv's four threads (docs/decisions.md). Where there is no `sync -f` (macOS, Windows, busybox) the
// caller falls back to an fsync per file. syncfs also waits for other writers' dirty data on that file system:
// the price of one call instead of thousands, paid only by batches large enough to gain from it.
import { execFile } from 'node:child_process';

/** Whether `sync -f` worked here before: a system without it is not asked again. */
let available: boolean | undefined = process.platform === 'linux' ? undefined : false;

/**
 * Makes everything written on the file systems holding `dirs` (one folder for each) durable; false when it could not (no `sync -f`
 * here, or it failed): nothing is promised then, and the caller syncs file by file, where a real I/O error is
 * reported by the fsync of the file it hit. After a failure this process does not try `sync -f` again.
 */
export async function syncFileSystems(dirs: readonly string[], signal?: AbortSignal): Promise<boolean> {
  if (available === false) {
    return false;
  }
  const ok = await new Promise<boolean>((resolve) =>
    // PATH alone: the store's environment may hold credentials, and `sync` needs none of it.
    execFile(
      'sync',
      ['-f', '--', ...dirs],
      { signal, windowsHide: true, env: { PATH: process.env.PATH ?? '' } },
      (err) => resolve(!err),
    ),
  );
  if (!ok && !signal?.aborted) {
    available = false;
  }
  return ok;
}

/** For tests: forget what was learned about this system's `sync`, or pretend it has none. */
export function resetFileSystemSync(to: boolean | undefined = undefined): void {
  available = to;
}
