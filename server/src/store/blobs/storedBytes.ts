// A blob file's bytes as they are on disk, undecoded and unverified: only to show a damaged blob as hex, so a
// user can see what is there (a zero-filled tail, an HTML error page saved by a proxy, a text file copied over
// it). Never through a symlink, a non-file or a shard folder that leads out of the store.
import * as path from 'node:path';
import { blobPath } from './blobPaths';
import { NotRegularFileError, ioError } from '../errors';
import { insideRoot, openRegular } from '../io/safeOpen';

export interface StoredHead {
  /** At most the bytes asked for, from offset 0. */
  head: Buffer;
  /** The whole file's size. */
  size: number;
}

export async function readStoredHead(root: string, hex: string, bytes: number): Promise<StoredHead> {
  const file = blobPath(root, hex);
  if (!(await insideRoot(root, path.dirname(file)).catch(() => false))) {
    throw new NotRegularFileError(path.dirname(file), 'a folder outside the store');
  }
  const { handle, info } = await openRegular(file);
  try {
    const head = Buffer.alloc(Math.min(bytes, info.size));
    let at = 0;
    while (at < head.length) {
      const { bytesRead } = await handle.read(head, at, head.length - at, at);
      if (bytesRead === 0) {
        break; // shrank while being read: show what there was
      }
      at += bytesRead;
    }
    return { head: head.subarray(0, at), size: info.size };
  } catch (err) {
    throw ioError('cannot read', file, err);
  } finally {
    await handle.close();
  }
}
