// Creating the folders a write needs (a new store, a new shard, images/). A recursive mkdir on a read-only file
// system, or under a folder this user may not write, reports ENOENT for the first level it could not make (Node
// and libuv give up on the first error while walking down), which reads as "not found". The real cause is
// found by making that one level alone.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

export async function makeFolders(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw err;
    }
    const cause = await realCause(dir, err);
    if (cause !== undefined) {
      throw cause;
    }
  }
}

/**
 * The error of making the shallowest missing folder on its own (EROFS, EACCES…), else the original one;
 * undefined when that and the rest now succeed (another writer's folder appeared meanwhile).
 */
async function realCause(dir: string, original: unknown): Promise<unknown> {
  let missing = path.resolve(dir);
  for (let parent = path.dirname(missing); parent !== missing; parent = path.dirname(missing)) {
    if (
      await fs.stat(parent).then(
        () => true,
        () => false,
      )
    ) {
      break;
    }
    missing = parent;
  }
  try {
    await fs.mkdir(missing);
    await fs.mkdir(dir, { recursive: true }); // it was a race with another writer after all: finish the job
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EEXIST' ? original : err;
  }
}
