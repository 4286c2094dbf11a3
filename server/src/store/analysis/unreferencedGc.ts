// gc of unreferenced blobs, pf gc's meaning of the word: remove blobs that no image in `images/` reaches.
// It must never race a writer. pf writes an image's blobs before its catalog file, so:
// - a blob younger than the grace period (default one hour, as git's prune expiry) is never removed;
// - after planning, the catalog is read again, and anything a new image reaches is kept;
// - each file is checked again just before it is removed (still old, still not reached).
// Catalog files (`images/*.json`) and the manifest blobs of cataloged images are never removed.
import * as fs from 'node:fs/promises';
import { blobPath } from '../blobs/blobPaths';
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
  for (const image of graph.images) {
    keep.add(image.hex); // the manifest blob of every cataloged image
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
  for (const blob of stillUnreferenced) {
    if (opts.signal?.aborted) {
      break;
    }
    const file = blobPath(store.root, blob.hex);
    const info = await fs.lstat(file).catch(() => undefined);
    if (!info || info.mtimeMs > cutoff) {
      continue; // gone, or rewritten since the plan: not ours to remove
    }
    if (!opts.dryRun) {
      try {
        await fs.unlink(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          continue;
        }
        throw ioError('cannot remove', file, err);
      }
    }
    removed.push({ hex: blob.hex, storedBytes: info.size });
  }
  return {
    dryRun: opts.dryRun === true,
    removed,
    bytesFreed: removed.reduce((n, b) => n + b.storedBytes, 0),
    keptYoung,
    keptForNewImages,
    images: graph.images.length,
  };
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
