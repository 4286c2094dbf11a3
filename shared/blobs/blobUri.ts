// The URI of a blob's content as the editor opens it: `processfork-blob:/sha256/<64 hex>`. The server puts it
// in document links; the client's read-only file system provider answers it. Where the editor knows what a blob
// is (a snapshot's layer), it opens `/sha256/<hex>/<title>`: the tab reads "Conversation · before-refactor" and
// the digest stays in the path (breadcrumbs, tooltip). Both name the same bytes.
export const BLOB_SCHEME = 'processfork-blob';

/** Longest title kept in a URI: a tab's worth. */
const TITLE_MAX = 80;

export function blobUri(hex: string, title?: string): string {
  const clean = title === undefined ? '' : titleSegment(title);
  return `${BLOB_SCHEME}:/sha256/${hex}${clean ? `/${encodeURIComponent(clean)}` : ''}`;
}

/** A title as one path segment: no separators, control or bidi characters, at most TITLE_MAX characters. */
function titleSegment(title: string): string {
  // Control and bidi-format characters too: a snapshot's name in a tab must not reorder what is shown.
  const flat = title.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069/\\]+/g, ' ').trim();
  return flat.length > TITLE_MAX ? `${flat.slice(0, TITLE_MAX - 1)}…` : flat;
}

/**
 * The hex of a blob URI's path (`/sha256/<hex>`, an extension allowed, or a title segment after it), or
 * undefined for any other path.
 */
export function hexOfBlobPath(path: string): string | undefined {
  const m = /^\/sha256\/([0-9a-f]{64})(\.[A-Za-z0-9]+|\/[^/]+)?$/.exec(path);
  return m ? m[1] : undefined;
}
