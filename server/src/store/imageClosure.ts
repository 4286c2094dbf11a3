// An image's closure as the format defines it: the eight manifest digests, then what its fs tree and cache page
// manifest name. Nested JSON is read through the store (re-hashed); a nested blob that is missing or bad just
// contributes nothing beyond itself (verify reports it).
import type { BlobStore } from './blobStore';
import type { ImageManifest } from './manifest';
import { manifestReferences, parseNestedReferences } from './manifest';

/** Nested JSON larger than this is not expanded (it is still part of the closure as a blob). */
const NESTED_JSON_LIMIT = 64 << 20;

export interface ClosureEntry {
  /** `model.base`, or `world.fs → etc/hosts` for what a nested manifest names. */
  layer: string;
  hex: string;
}

export async function imageClosure(store: BlobStore, manifest: ImageManifest): Promise<ClosureEntry[]> {
  const entries: ClosureEntry[] = [];
  for (const ref of manifestReferences(manifest)) {
    if (ref.kind === 'blob') entries.push({ layer: ref.layer, hex: ref.hex });
  }
  for (const [layer, nestedHex] of [
    ['world.fs', manifest.world?.fs],
    ['cache.manifest', manifest.cache?.manifest],
  ] as const) {
    if (!nestedHex) continue;
    const nested = await store.get(nestedHex, { maxBytes: NESTED_JSON_LIMIT }).catch(() => undefined);
    if (!nested) continue;
    for (const r of parseNestedReferences(nested.toString('utf8')).refs) {
      entries.push({ layer: `${layer} → ${r.path ?? r.layer}`, hex: r.hex });
    }
  }
  return entries;
}
