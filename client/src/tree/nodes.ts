// The tree's node kinds. Nodes are plain data; storeTree.ts turns them into TreeItems and children.
import type { BlobEntryInfo, ImageCheck, ImageReference, ImageSummary, RemoteImage } from '../../../shared/protocol';
import { LAYER_TITLES } from '../../../shared/snapshots/layerTitles';

export type StoreNode =
  | { kind: 'root'; section: 'images' | 'blobs' | 'remotes' }
  | { kind: 'remote'; remote: string }
  | { kind: 'remoteImage'; remote: string; entry: RemoteImage }
  /** `via` makes a lineage row unique in the tree: `parent of <digest>`, `child of <digest>`. */
  | { kind: 'image'; image: ImageSummary; via?: string; check?: ImageCheck }
  /** `about`: what the layer holds in words ("7 messages"), when the snapshot was read. */
  | { kind: 'reference'; image: string; ref: ImageReference; about?: string; imageName?: string }
  /** `count` is absent while the server is still counting a large store. */
  | { kind: 'shard'; shard: string; count?: number }
  | { kind: 'blob'; blob: BlobEntryInfo }
  | { kind: 'more'; shard: string; loaded: number; total?: number }
  /** Under a blob: an image that reaches it, and where ("Referenced By"). */
  | { kind: 'use'; digest: string; image: string; places: string[] }
  | { kind: 'message'; text: string; detail?: string; error?: boolean };

/** The digest a node stands for, if any: what copy, open and verify act on. */
export function digestOf(node: StoreNode | undefined): string | undefined {
  if (!node) {
    return undefined;
  }
  if (node.kind === 'blob') {
    return node.blob.digest;
  }
  if (node.kind === 'reference') {
    return node.ref.digest;
  }
  if (node.kind === 'image') {
    return node.image.digest.startsWith('sha256:') ? node.image.digest : undefined;
  }
  if (node.kind === 'remoteImage') {
    return node.entry.image;
  }
  return undefined;
}

/** What a node's blob is, for its tab ("Conversation · before-refactor"); undefined where the tree cannot say. */
export function tabTitleOf(node: StoreNode | undefined): string | undefined {
  if (node?.kind === 'reference') {
    const what = LAYER_TITLES[node.ref.layer] ?? node.ref.layer.replace(/^world\.fs entry /, '');
    return node.imageName ? `${what} · ${node.imageName}` : what;
  }
  if (node?.kind === 'image' && node.image.name) {
    return `Manifest · ${node.image.name}`;
  }
  return undefined;
}
