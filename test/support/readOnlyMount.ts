// A read-only file system for tests: tests run as root, whom folder permissions do not stop, so a store that
// must be read-only is put on a tmpfs mounted read-only.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A fresh tmpfs mounted read-only at a new folder, with `prepare` run on it first; undefined when mount is refused. */
export function readOnlyMount(
  prepare: (dir: string) => void,
  size = '1m',
): { dir: string; unmount: () => void } | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-readonly-'));
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status !== 0) {
    fs.rmdirSync(dir);
    return undefined;
  }
  const unmount = () => {
    spawnSync('umount', [dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  prepare(dir);
  if (spawnSync('mount', ['-o', 'remount,ro', dir]).status !== 0) {
    unmount();
    return undefined;
  }
  return { dir, unmount };
}
