// What changed between two images: which of the eight layers, which filesystem entries (added, removed,
// changed by digest, with sizes), which cache pages (shared, added, dropped), and how the two are related
// through their parents. Reads both manifests from the catalog and their nested manifests through the store
// (re-hashed), so a diff never trusts a corrupt tree.
import { formatDigest } from '../../../shared/digest';
import type { DiffImagesResult } from '../../../shared/protocol';
import type { BlobStore } from './blobStore';
import { StoreError } from './errors';
import type { CatalogEntry } from './imageCatalog';
import { LAYER_FIELDS, unsafeEntryPath, type ImageManifest } from './manifest';
import { parseJsonText } from './jsonText';
import { NESTED_LIMIT } from './referenceGraph';
import { relationOf, type Relation } from './lineage';

export interface FsEntry {
  path: string;
  /** Absent for directories and symlinks. */
  digest?: string;
  size?: number;
  kind?: string;
}

export interface ImageDiff {
  a: string;
  b: string;
  relation: Relation;
  /** Only the layers whose digest differs. */
  layers: Array<{ layer: string; from?: string; to?: string }>;
  files: {
    added: FsEntry[];
    removed: FsEntry[];
    changed: Array<{ path: string; from?: string; to?: string; fromSize?: number; toSize?: number }>;
  };
  pages: { shared: number; added: number; removed: number };
}

/** Entries of an `fs.tree.v1` tree by path (unsafe paths are left out: they name nothing in the snapshot). */
export async function fsEntries(store: BlobStore, treeHex: string | undefined): Promise<Map<string, FsEntry>> {
  const out = new Map<string, FsEntry>();
  if (!treeHex) {
    return out;
  }
  const raw = await nestedJson(store, treeHex);
  const entries = (raw as { entries?: unknown }).entries;
  if (!Array.isArray(entries)) {
    return out;
  }
  for (const e of entries as Array<Record<string, unknown>>) {
    if (typeof e?.path !== 'string' || unsafeEntryPath(e.path)) {
      continue;
    }
    const blob = typeof e.blob === 'string' && /^sha256:[0-9a-f]{64}$/.test(e.blob) ? e.blob.slice(7) : undefined;
    out.set(e.path, {
      path: e.path,
      ...(blob ? { digest: blob } : {}),
      ...(typeof e.size === 'number' ? { size: e.size } : {}),
      ...(typeof e.kind === 'string' ? { kind: e.kind } : {}),
    });
  }
  return out;
}

/**
 * The pages of a page list as `k` → `v` (both as written). Keyed by `k` alone, no pair strings: 100,000 pages
 * per side would otherwise allocate 200,000 concatenated strings for one diff. A `k` listed twice with other
 * `v`s keeps its extra pairs under `k v` keys.
 */
async function pagePairs(store: BlobStore, pagesHex: string | undefined): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!pagesHex) {
    return out;
  }
  const raw = await nestedJson(store, pagesHex);
  const pages = (raw as { pages?: unknown }).pages;
  if (Array.isArray(pages)) {
    for (const p of pages as Array<Record<string, unknown>>) {
      const k = String(p?.k);
      const v = String(p?.v);
      const known = out.get(k);
      if (known === undefined) {
        out.set(k, v);
      } else if (known !== v) {
        out.set(`${k} ${v}`, v);
      }
    }
  }
  return out;
}

async function nestedJson(store: BlobStore, hex: string): Promise<unknown> {
  const data = await store.get(hex, { maxBytes: NESTED_LIMIT });
  try {
    return parseJsonText(data.toString('utf8'));
  } catch (err) {
    throw new StoreError('invalid-input', `nested manifest sha256:${hex}: ${(err as Error).message}`);
  }
}

function field(m: ImageManifest, obj: string, name: string): string | undefined {
  return (m as unknown as Record<string, Record<string, string | undefined>>)[obj]?.[name];
}

export async function diffImages(
  store: BlobStore,
  catalog: CatalogEntry[],
  aHex: string,
  bHex: string,
): Promise<ImageDiff> {
  const find = (hex: string) => {
    const entry = catalog.find((e) => e.hex === hex);
    if (!entry?.manifest) {
      throw new StoreError('not-found', `image sha256:${hex} is not in the catalog (images/)`);
    }
    return entry.manifest;
  };
  const a = find(aHex);
  const b = find(bHex);
  const layers = LAYER_FIELDS.map(([obj, name]) => ({
    layer: `${obj}.${name}`,
    from: field(a, obj, name),
    to: field(b, obj, name),
  })).filter((l) => l.from !== l.to);

  // All four nested manifests at once: their decodes run on both workers while this thread parses.
  const [fa, fb, pa, pb] = await Promise.all([
    fsEntries(store, a.world.fs),
    fsEntries(store, b.world.fs),
    pagePairs(store, a.cache.manifest),
    pagePairs(store, b.cache.manifest),
  ]);
  const added = [...fb.values()].filter((e) => !fa.has(e.path));
  const removed = [...fa.values()].filter((e) => !fb.has(e.path));
  const changed = [...fb.values()]
    .filter((e) => fa.has(e.path) && fa.get(e.path)!.digest !== e.digest)
    .map((e) => {
      const before = fa.get(e.path)!;
      return { path: e.path, from: before.digest, to: e.digest, fromSize: before.size, toSize: e.size };
    });

  let shared = 0;
  for (const [k, v] of pb) {
    if (pa.get(k) === v) {
      shared++;
    }
  }
  return {
    a: aHex,
    b: bHex,
    relation: relationOf(catalog, aHex, bHex),
    layers,
    files: { added, removed, changed },
    pages: { shared, added: pb.size - shared, removed: pa.size - shared },
  };
}

const d = (hex: string | undefined) => (hex ? formatDigest(hex) : null);

/** The diff as `pfstore diff --json` and `processfork/diffImages` give it: digests as `sha256:` strings. */
export function diffToJson(diff: ImageDiff): DiffImagesResult {
  return {
    a: formatDigest(diff.a),
    b: formatDigest(diff.b),
    relation: diff.relation,
    layers: diff.layers.map((l) => ({ layer: l.layer, from: d(l.from), to: d(l.to) })),
    files: {
      added: diff.files.added.map((e) => ({ path: e.path, digest: d(e.digest), size: e.size ?? null })),
      removed: diff.files.removed.map((e) => ({ path: e.path, digest: d(e.digest), size: e.size ?? null })),
      changed: diff.files.changed.map((c) => ({
        path: c.path,
        from: d(c.from),
        to: d(c.to),
        fromSize: c.fromSize ?? null,
        toSize: c.toSize ?? null,
      })),
    },
    pages: diff.pages,
  };
}
