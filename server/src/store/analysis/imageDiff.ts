// What changed between two images: which of the eight layers, which filesystem entries (added, removed,
// changed by digest, with sizes), which cache pages (shared, added, dropped), and how the two are related
// through their parents. Reads both manifests from the catalog and their nested manifests through the store
// (re-hashed), so a diff never trusts a corrupt tree.
import { formatDigest } from '../../../../shared/blobs/digest';
import type { DiffImagesResult } from '../../../../shared/protocol';
import type { BlobStore, PageList } from '../blobs/blobStore';
import { StoreError } from '../errors';
import type { CatalogEntry } from '../images/imageCatalog';
import { LAYER_FIELDS, unsafeEntryPath, type ImageManifest } from '../images/manifest';
import { parseJsonText } from '../images/jsonText';
import { PAGE_RECORD_BYTES } from '../workers/pageList';
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
 * Pages both lists have, and those only in one (a page is a `k`, `v` pair, counted once however often it is
 * listed). Lists in pf's shape arrive packed from a worker (64 bytes a page, no text or object per page on this
 * thread: 100,000 pages a side made the diff 60% garbage collection and `Map` work); any other shape is parsed
 * and compared as written.
 */
async function comparePages(
  store: BlobStore,
  aHex: string | undefined,
  bHex: string | undefined,
): Promise<{ shared: number; added: number; removed: number }> {
  const [a, b] = await Promise.all([pagesOf(store, aHex), pagesOf(store, bHex)]);
  if ('records' in a && 'records' in b) {
    const inA = new PageSet(a.records);
    const inB = new PageSet(b.records);
    let shared = 0;
    inB.forEach((page) => {
      if (inA.has(b.records, page)) {
        shared++;
      }
    });
    return { shared, added: inB.size - shared, removed: inA.size - shared };
  }
  const [pa, pb] = [pairsAsWritten(a, aHex), pairsAsWritten(b, bHex)];
  let shared = 0;
  for (const [k, v] of pb) {
    if (pa.get(k) === v) {
      shared++;
    }
  }
  return { shared, added: pb.size - shared, removed: pa.size - shared };
}

const NO_PAGES: PageList = { records: Buffer.alloc(0) };

function pagesOf(store: BlobStore, hex: string | undefined): Promise<PageList> {
  return hex ? store.pageList(hex, { maxBytes: NESTED_LIMIT }) : Promise.resolve(NO_PAGES);
}

/**
 * The distinct pages of packed records: an open-addressing table of record indexes, hashed on the first four
 * bytes of `k` (a SHA-256 digest, so already uniform).
 */
class PageSet {
  private readonly slots: Int32Array;
  private readonly mask: number;
  /** Record indexes of the distinct pages, in list order. */
  private readonly distinct: number[] = [];

  constructor(private readonly records: Buffer) {
    const pages = records.length / PAGE_RECORD_BYTES;
    let size = 16;
    while (size < pages * 2) {
      size *= 2;
    }
    this.slots = new Int32Array(size); // 0: empty; otherwise record index + 1
    this.mask = size - 1;
    for (let i = 0; i < pages; i++) {
      const slot = this.find(records, i);
      if (this.slots[slot] === 0) {
        this.slots[slot] = i + 1;
        this.distinct.push(i);
      }
    }
  }

  get size(): number {
    return this.distinct.length;
  }

  forEach(fn: (page: number) => void): void {
    this.distinct.forEach(fn);
  }

  has(other: Buffer, page: number): boolean {
    return this.slots[this.find(other, page)] !== 0;
  }

  /** The slot holding `other`'s record `page`, or the empty slot where it would go. */
  private find(other: Buffer, page: number): number {
    const at = page * PAGE_RECORD_BYTES;
    let slot = other.readUInt32LE(at) & this.mask;
    for (;;) {
      const held = this.slots[slot];
      if (held === 0) {
        return slot;
      }
      const from = (held - 1) * PAGE_RECORD_BYTES;
      if (this.records.compare(other, at, at + PAGE_RECORD_BYTES, from, from + PAGE_RECORD_BYTES) === 0) {
        return slot;
      }
      slot = (slot + 1) & this.mask;
    }
  }
}

/**
 * `k` → `v` as written ("sha256:…" strings), for a list in another shape. A `k` listed twice with other `v`s
 * keeps its extra pairs under `k v` keys.
 */
function pairsAsWritten(list: PageList, hex: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  const add = (k: string, v: string) => {
    const known = out.get(k);
    if (known === undefined) {
      out.set(k, v);
    } else if (known !== v) {
      out.set(`${k} ${v}`, v);
    }
  };
  if ('records' in list) {
    const written = (at: number) => formatDigest(list.records.toString('hex', at, at + 32));
    for (let at = 0; at < list.records.length; at += PAGE_RECORD_BYTES) {
      add(written(at), written(at + 32));
    }
    return out;
  }
  const pages = (parseNested(list.text, hex!) as { pages?: unknown }).pages;
  if (Array.isArray(pages)) {
    for (const p of pages as Array<Record<string, unknown>>) {
      add(String(p?.k), String(p?.v));
    }
  }
  return out;
}

function parseNested(text: string, hex: string): unknown {
  try {
    return parseJsonText(text);
  } catch (err) {
    throw new StoreError('invalid-input', `nested manifest sha256:${hex}: ${(err as Error).message}`);
  }
}

async function nestedJson(store: BlobStore, hex: string): Promise<unknown> {
  return parseNested((await store.get(hex, { maxBytes: NESTED_LIMIT })).toString('utf8'), hex);
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

  // All four nested manifests at once: their decodes (and the page lists' packing) run on both workers while
  // this thread parses the trees.
  const [fa, fb, pages] = await Promise.all([
    fsEntries(store, a.world.fs),
    fsEntries(store, b.world.fs),
    comparePages(store, a.cache.manifest, b.cache.manifest),
  ]);
  const added = [...fb.values()].filter((e) => !fa.has(e.path));
  const removed = [...fa.values()].filter((e) => !fb.has(e.path));
  const changed = [...fb.values()]
    .filter((e) => fa.has(e.path) && fa.get(e.path)!.digest !== e.digest)
    .map((e) => {
      const before = fa.get(e.path)!;
      return { path: e.path, from: before.digest, to: e.digest, fromSize: before.size, toSize: e.size };
    });

  return {
    a: aHex,
    b: bHex,
    relation: relationOf(catalog, aHex, bHex),
    layers,
    files: { added, removed, changed },
    pages,
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
