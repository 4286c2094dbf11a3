// How the page names things: a layer that could not be read, a snapshot, a blob's tab.
import { plural } from '../../../shared/common/format';
import type { ImageRef, UnreadableLayer } from '../../../shared/snapshots/snapshotView';
import { shortDigest } from '../../../shared/blobs/digest';

export { plural };

/** Why a layer shows no summary (missing, unreadable, not JSON, too large), or undefined when it has one. */
export function unreadable(layer: object | null): string | undefined {
  if (!layer) {
    return undefined;
  }
  if ('unreadable' in layer) {
    const u = layer as UnreadableLayer;
    return u.missing ? 'missing from the store' : `cannot be read: ${u.unreadable}`;
  }
  if ('notJson' in layer) {
    return String(layer.notJson);
  }
  return 'tooLarge' in layer ? 'too large to summarise' : undefined;
}

/** A snapshot as a person names it: its name, else its short digest; and whether the catalog has it. */
export function refLabel(ref: ImageRef): string {
  return (ref.name || shortDigest(ref.image)) + (ref.known ? '' : ' (not in the catalog)');
}
