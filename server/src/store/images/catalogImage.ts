// The last step of every pull: the manifest stored as a blob and written to images/ (temp, fsync, rename), only
// after the caller has the whole closure. An image appears in the catalog only once everything it names is here.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { imagesDir } from '../blobs/blobPaths';
import type { FsBlobStore } from '../blobs/fsBlobStore';
import { IntegrityError, ioError } from '../errors';
import { syncFolder, writeFileDurably } from '../io/durableWrite';
import { makeFolders } from '../io/makeFolders';
import { insideRoot } from '../io/safeOpen';

export async function catalogImage(store: FsBlobStore, imageHex: string, manifest: Uint8Array): Promise<void> {
  if (createHash('sha256').update(manifest).digest('hex') !== imageHex) {
    throw new IntegrityError(imageHex, 'hash-mismatch', 'the manifest does not hash to its digest');
  }
  await store.put(manifest);
  const file = path.join(imagesDir(store.root), `${imageHex}.json`);
  await makeFolders(path.dirname(file)).catch((err) => {
    throw ioError('cannot create', path.dirname(file), err);
  });
  if (!(await insideRoot(store.root, path.dirname(file)))) {
    throw ioError('refusing to write', file, new Error('images/ leads outside the store (a symbolic link)'));
  }
  await writeFileDurably(`${file}.tmp.${process.pid}`, file, manifest).catch((err) => {
    throw ioError('cannot write', file, err);
  });
  await syncFolder(path.dirname(file)); // the catalog's new name survives a power cut too
}
