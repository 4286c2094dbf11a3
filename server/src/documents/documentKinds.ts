// Which open documents get digest features: manifests (`.pfimg`, the store's images/*.json), blob documents,
// and, when the user asks for it, every file.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BLOB_SCHEME } from '../../../shared/blobs/blobUri';
import { samePath } from '../store/portablePaths';

export function isManifestUri(uri: string, storeRoot: string | undefined): boolean {
  if (uri.endsWith('.pfimg')) {
    return true;
  }
  if (!storeRoot || !uri.startsWith('file:') || !uri.endsWith('.json')) {
    return false;
  }
  try {
    return samePath(path.dirname(fileURLToPath(uri)), path.join(storeRoot, 'images'));
  } catch {
    return false;
  }
}

export function isBlobUri(uri: string): boolean {
  return uri.startsWith(`${BLOB_SCHEME}:`);
}

export function wantsDigestFeatures(uri: string, storeRoot: string | undefined, allFiles: boolean): boolean {
  return allFiles || isBlobUri(uri) || isManifestUri(uri, storeRoot);
}
