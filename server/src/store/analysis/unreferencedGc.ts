// gc of unreferenced blobs, pf gc's meaning of the word: remove blobs that no image in `images/` reaches.
// It must never race a writer. pf writes an image's blobs before its catalog file, so:
// - a blob younger than the grace period (default one hour, as git's prune expiry) is never removed;
// - after planning, the catalog is read again, and anything a new image reaches is kept;
// - each file is moved aside, then its time is checked again, and it goes back if a writer refreshed it (the gc
//   protocol, removeIfStillOld and docs/architecture.md).
// Catalog files (`images/*.json`), the manifest blobs of cataloged images and of their parents are never removed.
import * as fs from 'node:fs/promises';
import { blobPath, tempBlobPath } from '../blobs/blobPaths';
import { scanBlobs } from '../blobs/blobListing';
import { StoreError, ioError } from '../errors';
import type { FsBlobStore } from '../blobs/fsBlobStore';
import { listImages, type CatalogEntry } from '../images/imageCatalog';
import { ReferenceGraph } from './referenceGraph';

export const DEFAULT_GRACE_MS = 60 * 60 * 1000;

export interface UnreferencedOptions {
  /** Blobs modified more recently than this are kept, whatever the graph says. */
  graceMs?: number;
  /** Keep only the closures of the N newest images (others' exclusive blobs become unreferenced). */
  retainRecent?: number;
  dryRun?: boolean;
  signal?: AbortSignal;
  /** Called once the plan is made, before the catalog is read again (a test seam for the writer race). */
  onPlanned?: () => Promise<void> | void;
  /** Called with a blob moved aside, before its time is looked at again (a test seam for the writer race). */
  onAside?: (hex: string) => Promise<void> | void;
}

export interface UnreferencedBlob {
  hex: string;
  storedBytes: number;
}

export interface UnreferencedResult {
  dryRun: boolean;
  /** Removed (or, on a dry run, that would be). */
  removed: UnreferencedBlob[];
  bytesFreed: number;
  /** Unreferenced, but younger than the grace period. */
  keptYoung: number;
  /** Planned, then found reachable from an image that appeared meanwhile. */
  keptForNewImages: number;
  /** Planned, then written again by a writer while gc ran (its time refreshed): put back. */
  keptFreshened: number;
  images: number;
}

export async function removeUnreferenced(
  store: FsBlobStore,
  opts: UnreferencedOptions = {},
): Promise<UnreferencedResult> {
  const graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
  refuseUnreadableCatalog(await listImages(store.root));
  const graph = await ReferenceGraph.build(store, store.root, { signal: opts.signal });
  refuseUnexpanded(graph);
  const retained =
    opts.retainRecent === undefined ? undefined : graph.newestFirst().slice(0, Math.max(0, opts.retainRecent));
  const keep = graph.reachable(retained);
  for (const image of graph.liveImages()) {
    keep.add(image.hex); // the manifest blob of every cataloged image
    for (const parent of image.parents) {
      keep.add(parent); // and its parents' manifests: lineage and compare read them
    }
  }

  const cutoff = Date.now() - graceMs;
  const planned: UnreferencedBlob[] = [];
  let keptYoung = 0;
  for (const item of await scanBlobs(store.root)) {
    if (item.type !== 'blob' || keep.has(item.hex)) {
      continue;
    }
    const info = await fs.lstat(item.path).catch(() => undefined);
    if (!info) {
      continue;
    }
    if (info.mtimeMs > cutoff) {
      keptYoung++;
      continue;
    }
    planned.push({ hex: item.hex, storedBytes: info.size });
  }

  await opts.onPlanned?.();
  // A writer may have cataloged an image since the graph was built: whatever it reaches stays.
  const known = new Set(graph.images.map((i) => i.hex));
  const catalogNow = await listImages(store.root);
  refuseUnreadableCatalog(catalogNow);
  for (const entry of catalogNow) {
    if (entry.manifest && !known.has(entry.hex)) {
      await graph.addImage(store, entry);
      keep.add(entry.hex);
      for (const hex of graph.closureOf(entry.hex)) {
        keep.add(hex);
      }
    }
  }
  refuseUnexpanded(graph); // a new image's tree that cannot be read names blobs we cannot know
  const stillUnreferenced = planned.filter((b) => !keep.has(b.hex));
  const keptForNewImages = planned.length - stillUnreferenced.length;

  const removed: UnreferencedBlob[] = [];
  let keptFreshened = 0;
  for (const blob of stillUnreferenced) {
    if (opts.signal?.aborted) {
      break;
    }
    const outcome = await removeIfStillOld(store.root, blob.hex, cutoff, opts);
    if (outcome === 'freshened') {
      keptFreshened++;
    } else if (outcome !== undefined) {
      removed.push({ hex: blob.hex, storedBytes: outcome });
    }
  }
  return {
    dryRun: opts.dryRun === true,
    removed,
    bytesFreed: removed.reduce((n, b) => n + b.storedBytes, 0),
    keptYoung,
    keptForNewImages,
    keptFreshened,
    images: graph.images.length,
  };
}

/**
 * Removes one planned blob by the gc protocol (docs/architecture.md): move it aside under a writer's temp name
 * (readers and pf ignore those), then look at its time again. A writer that refreshed it before the move has made
 * it young: it goes back. A writer that refreshes it after the move finds no file and writes the blob again. So
 * no interleaving loses a blob a writer has reported stored. Returns the bytes freed, 'freshened', or undefined
 * when the blob was already gone or young.
 */
async function removeIfStillOld(
  root: string,
  hex: string,
  cutoff: number,
  opts: UnreferencedOptions,
): Promise<number | 'freshened' | undefined> {
  const file = blobPath(root, hex);
  const info = await fs.lstat(file).catch(() => undefined);
  if (!info || info.mtimeMs > cutoff) {
    return undefined; // gone, or rewritten since the plan: not ours to remove
  }
  if (opts.dryRun) {
    return info.size;
  }
  const aside = tempBlobPath(root, hex);
  try {
    await fs.rename(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw ioError('cannot remove', file, err);
  }
  await opts.onAside?.(hex);
  try {
    const moved = await fs.lstat(aside);
    if (moved.mtimeMs > cutoff) {
      await fs.rename(aside, file); // a writer's copy of the same bytes may be there by now: either will do
      return 'freshened';
    }
    await fs.unlink(aside);
    return moved.size;
  } catch (err) {
    throw ioError('cannot remove', file, err);
  }
}

/** A catalog file pf may still list but we cannot read: its closure is unknown, so nothing may be removed. */
function refuseUnreadableCatalog(entries: CatalogEntry[]): void {
  const bad = entries.find((e) => /^[0-9a-f]{64}$/.test(e.hex) && !e.manifest);
  if (bad) {
    throw new StoreError(
      'invalid-input',
      `refusing to gc: images/${bad.fileName} cannot be read as an image (${bad.problems[0]?.message ?? 'unknown problem'}); fix or remove it first`,
    );
  }
}

function refuseUnexpanded(graph: ReferenceGraph): void {
  const unexpanded = graph.unexpanded();
  if (unexpanded.length > 0) {
    throw new StoreError(
      'invalid-input',
      `refusing to gc: nested manifest sha256:${unexpanded[0].hex} could not be read (${unexpanded[0].reason}), so what it names is unknown`,
    );
  }
}
