// The URI of a blob's content as the editor opens it: `processfork-blob:/sha256/<64 hex>`. The server puts it
// in document links; the client's read-only file system provider answers it.
export const BLOB_SCHEME = 'processfork-blob';

export function blobUri(hex: string): string {
  return `${BLOB_SCHEME}:/sha256/${hex}`;
}

/** The hex of a blob URI's path (`/sha256/<hex>`, an extension allowed), or undefined for any other path. */
export function hexOfBlobPath(path: string): string | undefined {
  const m = /^\/sha256\/([0-9a-f]{64})(\.[A-Za-z0-9]+)?$/.exec(path);
  return m ? m[1] : undefined;
}
