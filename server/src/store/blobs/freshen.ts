// The gc protocol's half on the writer's side (docs/architecture.md): a blob found already stored counts as
// stored only once its time is refreshed, as git does, so a gc that planned to remove it as old sees it young.
import * as fs from 'node:fs/promises';

/**
 * Refreshes a blob's mtime; false when the file is gone (a gc moved it aside: write it again). A store that
 * refuses the change (read-only, another owner's files) cannot be gc'd by us either, so the blob stands.
 */
export async function freshen(file: string): Promise<boolean> {
  const now = new Date();
  try {
    await fs.utimes(file, now, now);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code !== 'ENOENT' && code !== 'ENOTDIR';
  }
}
