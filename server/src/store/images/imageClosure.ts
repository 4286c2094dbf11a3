// An image's closure as the format defines it: the eight manifest digests, then what its fs tree and cache page
// manifest name. Nested JSON is read through the store (re-hashed). A nested manifest that cannot be expanded
// (missing, bad, or over the size this reader holds in memory) is returned as `unexpanded`, so that callers
// report it: a closure that could not be walked is never a silent pass.
import type { BlobStore } from '../blobs/blobStore';
import { StoreError, TooLargeToReadError } from '../errors';
import type { ImageManifest } from './manifest';
import { manifestReferences, parseNestedReferences, unreadableNested } from './manifest';

/** Nested JSON larger than this is not expanded (it is still part of the closure as a blob, and reported). */
const NESTED_JSON_LIMIT = 64 << 20;

export interface ClosureEntry {
  /** `model.base`, or `world.fs → etc/hosts` for what a nested manifest names. */
  layer: string;
  hex: string;
}

export interface UnexpandedEntry {
  layer: string;
  hex: string;
  reason: string;
}

export interface Closure {
  entries: ClosureEntry[];
  /** Nested manifests whose entries are not in `entries`: the closure is incomplete by these. */
  unexpanded: UnexpandedEntry[];
}

export async function imageClosure(
  store: BlobStore,
  manifest: ImageManifest,
  nestedLimit = NESTED_JSON_LIMIT,
): Promise<Closure> {
  const entries: ClosureEntry[] = [];
  const unexpanded: UnexpandedEntry[] = [];
  for (const ref of manifestReferences(manifest)) {
    if (ref.kind === 'blob') {
      entries.push({ layer: ref.layer, hex: ref.hex });
    }
  }
  for (const [layer, nestedHex] of [
    ['world.fs', manifest.world?.fs],
    ['cache.manifest', manifest.cache?.manifest],
  ] as const) {
    if (!nestedHex) {
      continue;
    }
    let nested: Buffer;
    try {
      nested = await store.get(nestedHex, { maxBytes: nestedLimit });
    } catch (err) {
      if (!(err instanceof StoreError)) {
        throw err;
      }
      const reason =
        err instanceof TooLargeToReadError
          ? `it decodes to more than ${nestedLimit} bytes, more than this reader expands; what it names was not checked`
          : `it could not be read (${err.message}); what it names was not checked`;
      unexpanded.push({ layer, hex: nestedHex, reason });
      continue;
    }
    const parsed = parseNestedReferences(nested.toString('utf8'));
    for (const r of parsed.refs) {
      entries.push({ layer: `${layer} → ${r.path ?? r.layer}`, hex: r.hex });
    }
    // What it names is not known: the closure is incomplete (the reference graph reads it the same way).
    const what = unreadableNested(parsed);
    if (what) {
      unexpanded.push({
        layer,
        hex: nestedHex,
        reason: `it could not be read as one (${what}); what it names was not checked`,
      });
    }
  }
  return { entries, unexpanded };
}
