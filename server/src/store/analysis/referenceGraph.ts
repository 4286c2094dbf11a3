// The store's reference graph: which images reach which blobs, and how. The closure is the format's: the eight
// top-level digests of each image, every entry of its `fs.tree.v1` tree, every `k` and `v` of its cache page
// manifest. Nested manifests are content-addressed, so each is read (and re-hashed) once however many images
// share it, and its references are kept once; an image points at the nested manifests it uses. "Where used"
// walks back from a blob to the nested manifests that name it and on to their images.
import type { BlobStore, PageList } from '../blobs/blobStore';
import { StoreError } from '../errors';
import type { CatalogEntry } from '../images/imageCatalog';
import { listImages } from '../images/imageCatalog';
import { LAYER_FIELDS, parseNestedReferences, unreadableNested } from '../images/manifest';
import { sortedRecordOrder } from './recordOrder';
import { layerReferences } from '../layers/layerReferences';
import { formatDigest } from '../../../../shared/blobs/digest';
import type { UnknownUseInfo } from '../../../../shared/protocol';

/** Nested manifests larger than this are not expanded (and are reported as such). */
export const NESTED_LIMIT = 64 << 20;

/** An image whose nested manifest (`field`, digest `nested`) could not be read, and why. */
export interface UnknownUse {
  image: string;
  field: string;
  nested: string;
  reason: string;
}

/** As the protocol and `pfstore --json refs` give it. */
export function unknownUseToJson(u: UnknownUse): UnknownUseInfo {
  return { image: formatDigest(u.image), field: u.field, reason: u.reason };
}

/** "could not tell for image sha256:…: its world.fs could not be read (…)", for text output. */
export function unknownUseText(u: UnknownUseInfo): string {
  return `could not tell for image ${u.image}: its ${u.field} could not be read (${u.reason})`;
}

export interface GraphImage {
  hex: string;
  /** The snapshot's name (`agent.fingerprint`), when it has one. */
  name?: string;
  createdAt?: string;
  agentKind?: string;
  parents: string[];
}

/** One place in an image where a digest is named: `model.base`, `world.fs entry src/app.py`, `cache page 1204 v`. */
export type Place = string;

/**
 * One nested manifest's references, packed: a million page digests must cost far less than 200 MiB, and a
 * `Map` entry per digest cost about 250 bytes. Digests are 32-byte records in one Buffer, sorted, so "where
 * used" is a binary search in each nested manifest; a place is a number for a cache page
 * (`index * 2 + (v ? 1 : 0)`) or the entry path for an fs tree, in the same (sorted) order.
 */
interface Nested {
  keys: Buffer;
  places: Array<number | string>;
  /** Why it could not be expanded, when it could not. */
  unexpanded?: string;
}

const EMPTY = Buffer.alloc(0);

/** Index of the first record >= `target` in sorted 32-byte records. */
function lowerBound(keys: Buffer, target: Buffer): number {
  let lo = 0;
  let hi = keys.length / 32;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys.compare(target, 0, 32, mid * 32, mid * 32 + 32) < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

function placeText(place: number | string): Place {
  return typeof place === 'number'
    ? `page ${Math.floor(place / 2).toLocaleString('en-US')} ${place % 2 === 1 ? 'v' : 'k'}`
    : `entry ${place}`;
}

export interface WhereUsed {
  image: string;
  places: Place[];
}

export class ReferenceGraph {
  readonly images: GraphImage[] = [];
  /** Indexes of images removed from the catalog since the build (kept as tombstones: indexes stay stable). */
  private readonly removed = new Set<number>();
  /** Blob → images naming it among their eight top-level fields, with the field. */
  private readonly direct = new Map<string, Array<{ image: number; place: Place }>>();
  /** Nested manifest digest → its expansion, shared by every image that names it. */
  private readonly nested = new Map<string, Nested>();
  /** Nested manifest digest → the images that use it, and as which field (`world.fs` or `cache.manifest`). */
  private readonly nestedUsers = new Map<string, Array<{ image: number; field: string }>>();

  /** Builds the graph of every image in `images/`; `onProgress` hears images done of total. */
  static async build(
    store: BlobStore,
    root: string,
    opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<ReferenceGraph> {
    const graph = new ReferenceGraph();
    const entries = await listImages(root);
    let done = 0;
    for (const entry of entries) {
      if (opts.signal?.aborted) {
        throw new StoreError('cancelled', 'the reference graph build was cancelled');
      }
      await graph.addImage(store, entry);
      opts.onProgress?.(++done, entries.length);
    }
    return graph;
  }

  /** Adds one catalog image (and the nested manifests it names that are not known yet). */
  async addImage(store: BlobStore, entry: CatalogEntry): Promise<void> {
    const m = entry.manifest;
    if (!m || !/^[0-9a-f]{64}$/.test(entry.hex)) {
      return;
    }
    const index = this.images.length;
    this.images.push({
      hex: entry.hex,
      name: m.agent?.fingerprint || undefined,
      createdAt: m.createdAt,
      agentKind: m.agent?.kind,
      parents: [...m.parents],
    });
    for (const [obj, name] of LAYER_FIELDS) {
      const hex = (m as unknown as Record<string, Record<string, string | undefined>>)[obj]?.[name];
      if (!hex) {
        continue;
      }
      push(this.direct, hex, { image: index, place: `${obj}.${name}` });
      if (`${obj}.${name}` === 'world.fs' || `${obj}.${name}` === 'cache.manifest') {
        push(this.nestedUsers, hex, { image: index, field: `${obj}.${name}` });
        await this.expand(store, hex);
      }
    }
    // What the layers themselves name: a merge record's parent ledgers, a CRIU record's dump.
    for (const ref of await layerReferences(store, m)) {
      push(this.direct, ref.hex, { image: index, place: ref.place });
    }
  }

  /**
   * Brings the graph up to the catalog without a rebuild: images that appeared are added, images that went are
   * dropped. Returns whether anything changed.
   */
  async sync(store: BlobStore, entries: CatalogEntry[]): Promise<boolean> {
    const now = new Set(entries.filter((e) => e.manifest).map((e) => e.hex));
    let changed = false;
    this.images.forEach((img, i) => {
      if (!this.removed.has(i) && !now.has(img.hex)) {
        this.removed.add(i);
        changed = true;
      }
    });
    const live = new Set(this.liveImages().map((i) => i.hex));
    for (const entry of entries) {
      if (entry.manifest && !live.has(entry.hex)) {
        await this.addImage(store, entry);
        changed = true;
      }
    }
    return changed;
  }

  /** Images in the catalog now, in the order they were added. */
  liveImages(): GraphImage[] {
    return this.images.filter((_, i) => !this.removed.has(i));
  }

  private async expand(store: BlobStore, nestedHex: string): Promise<void> {
    if (this.nested.has(nestedHex)) {
      return;
    }
    const entry: Nested = { keys: EMPTY, places: [] };
    this.nested.set(nestedHex, entry);
    let list: PageList;
    try {
      // Decoded on a worker, which also packs a page list in pf's shape into 32-byte digests there (no string,
      // object or Buffer per page, and no scan on this thread); anything else comes back as text to parse.
      list = await store.pageList(nestedHex, { maxBytes: NESTED_LIMIT });
    } catch (err) {
      entry.unexpanded = err instanceof StoreError ? err.message : String(err);
      return;
    }
    let unsorted: Buffer;
    let placeAt: (i: number) => number | string = (i) => i; // compactPlace's numbering: page i >> 1, `v` when odd
    if ('records' in list) {
      unsorted = list.records;
    } else {
      const parsed = parseNestedReferences(list.text);
      const unreadable = unreadableNested(parsed);
      if (unreadable) {
        entry.unexpanded = unreadable;
        return;
      }
      const refs = parsed.refs;
      unsorted = Buffer.allocUnsafe(refs.length * 32);
      refs.forEach((ref, i) => unsorted.write(ref.hex, i * 32, 32, 'hex'));
      placeAt = (i) => compactPlace(refs[i].layer, refs[i].path);
    }
    // Sort an index by digest, then lay digests and places out sorted: no object or Buffer per reference (a
    // million small ones left the heap 200 MiB larger than the graph).
    const records = unsorted;
    const n = records.length / 32;
    const order = sortedRecordOrder(records);
    entry.keys = Buffer.allocUnsafe(n * 32);
    for (let to = 0; to < n; to++) {
      for (let k = 0, from = order[to] * 32; k < 32; k++) {
        entry.keys[to * 32 + k] = records[from + k]; // a byte loop: a native copy per record costs more
      }
    }
    // Exactly n slots (Array.from of a typed array grows its list as it goes, up to half as much again).
    const places: Array<number | string> = new Array(n);
    for (let i = 0; i < n; i++) {
      places[i] = placeAt(order[i]);
    }
    entry.places = places;
  }

  /** Every image that reaches `hex`, with the places, images in catalog order. */
  whereUsed(hex: string): WhereUsed[] {
    const byImage = new Map<number, Place[]>();
    for (const { image, place } of this.direct.get(hex) ?? []) {
      if (!this.removed.has(image)) {
        push(byImage, image, place);
      }
    }
    const target = Buffer.from(hex, 'hex');
    for (const [nestedHex, nested] of this.nested) {
      const places: Place[] = [];
      for (let i = lowerBound(nested.keys, target); i * 32 < nested.keys.length; i++) {
        if (nested.keys.compare(target, 0, 32, i * 32, i * 32 + 32) !== 0) {
          break;
        }
        places.push(placeText(nested.places[i]));
      }
      if (places.length === 0) {
        continue;
      }
      for (const { image, field } of this.nestedUsers.get(nestedHex) ?? []) {
        if (this.removed.has(image)) {
          continue;
        }
        for (const place of places) {
          push(byImage, image, `${field} ${place}`);
        }
      }
    }
    return [...byImage]
      .sort((a, b) => a[0] - b[0])
      .map(([image, places]) => ({ image: this.images[image].hex, places }));
  }

  /** The closure of one image: its eight blobs and everything its nested manifests name. */
  closureOf(imageHex: string): Set<string> {
    const index = this.images.findIndex((img, i) => img.hex === imageHex && !this.removed.has(i));
    return index < 0 ? new Set() : this.closureAt(index);
  }

  private closureAt(index: number): Set<string> {
    return this.closures()[index];
  }

  /**
   * Every closure at once, per image index (one pass over the graph, not one per image). A removed image's
   * closure is empty.
   */
  closures(): Array<Set<string>> {
    const out = this.images.map(() => new Set<string>());
    for (const [hex, users] of this.direct) {
      for (const u of users) {
        if (!this.removed.has(u.image)) {
          out[u.image].add(hex);
        }
      }
    }
    for (const [nestedHex, users] of this.nestedUsers) {
      const live = users.filter((u) => !this.removed.has(u.image));
      if (live.length === 0) {
        continue;
      }
      const keys = this.nested.get(nestedHex)?.keys ?? EMPTY;
      for (let at = 0; at < keys.length; at += 32) {
        const hex = keys.toString('hex', at, at + 32);
        for (const u of live) {
          out[u.image].add(hex);
        }
      }
    }
    return out;
  }

  /** Blobs reached by the given images (all of them by default). */
  reachable(imageIndexes?: number[]): Set<string> {
    const closures = this.closures();
    const out = new Set<string>();
    for (const i of imageIndexes ?? closures.map((_, i) => i)) {
      for (const hex of closures[i]) {
        out.add(hex);
      }
    }
    return out;
  }

  /**
   * Images whose fs tree or page list could not be read: what they reach is unknown, so "used by N images" is a
   * lower bound. Each with the field and the reason (the same uncertainty that stops gc).
   */
  unknownImages(): UnknownUse[] {
    const out: UnknownUse[] = [];
    for (const [nestedHex, users] of this.nestedUsers) {
      const reason = this.nested.get(nestedHex)?.unexpanded;
      if (reason === undefined) {
        continue;
      }
      for (const u of users) {
        if (!this.removed.has(u.image)) {
          out.push({ image: this.images[u.image].hex, field: u.field, nested: nestedHex, reason });
        }
      }
    }
    return out;
  }

  /** Nested manifests that could not be expanded: what they name is unknown, so gc must not run. */
  unexpanded(): Array<{ hex: string; reason: string }> {
    return [...this.nested].filter(([, n]) => n.unexpanded).map(([hex, n]) => ({ hex, reason: n.unexpanded! }));
  }

  /** Image indexes, newest first (by `created_at`, then catalog order). */
  newestFirst(): number[] {
    return this.images
      .map((img, i) => ({ i, at: img.createdAt ?? '' }))
      .filter(({ i }) => !this.removed.has(i))
      .sort((a, b) => b.at.localeCompare(a.at) || a.i - b.i)
      .map((x) => x.i);
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) {
    list.push(value);
  } else {
    map.set(key, [value]);
  }
}

/** `entries[3].blob` with path `src/app.py` → `src/app.py`; `pages[1204].v` → 2409 (see Nested). */
function compactPlace(layer: string, path?: string): number | string {
  if (path !== undefined) {
    return path;
  }
  const page = /^pages\[(\d+)\]\.([kv])$/.exec(layer);
  return page ? Number(page[1]) * 2 + (page[2] === 'v' ? 1 : 0) : layer;
}
