// Blobs a snapshot's layers name that pf's own closure forgets: a merge record (`effects.merged.v1`) names its
// parents' ledgers and their common ancestor's, and a CRIU record from pf's library names the blob holding the
// dump (`criu_dump`). They belong to the image's closure for verify, push, where-used, stats and gc: without
// them a merged image loses its provenance and a CRIU snapshot its processes.
import type { BlobStore } from '../blobs/blobStore';
import type { ImageManifest } from '../images/manifest';

/** Enough of a layer's start to hold its first line: a merge record or a CRIU record is a few hundred bytes. */
const HEAD_BYTES = 64 << 10;
/** Merges of merges are followed this deep, no further (a hand-made loop must end). */
const MAX_DEPTH = 64;
const DIGEST = /^sha256:([0-9a-f]{64})$/;

export interface LayerReference {
  hex: string;
  /** Where it is named: `effects.ledger parent_a`, `world.procs criu_dump`, and so on. */
  place: string;
}

/** The blobs named inside the image's ledger and procs layers (followed through merges of merges). */
export async function layerReferences(
  store: BlobStore,
  manifest: ImageManifest,
  opts: { signal?: AbortSignal } = {},
): Promise<LayerReference[]> {
  const out: LayerReference[] = [];
  const seen = new Set<string>();
  const ledgers: Array<{ hex: string; place: string; depth: number }> = [];
  if (manifest.effects.ledger) {
    ledgers.push({ hex: manifest.effects.ledger, place: 'effects.ledger', depth: 0 });
  }
  for (let at = 0; at < ledgers.length; at++) {
    const { hex, place, depth } = ledgers[at];
    const first = await firstLine(store, hex, opts.signal);
    if (first?.kind !== 'effects.merged.v1' || depth >= MAX_DEPTH) {
      continue;
    }
    for (const field of ['parent_a', 'parent_b', 'ancestor']) {
      const named = DIGEST.exec(String(first[field]))?.[1];
      if (named && !seen.has(named)) {
        seen.add(named);
        out.push({ hex: named, place: `${place} ${field}` });
        ledgers.push({ hex: named, place: `${place} ${field}`, depth: depth + 1 });
      }
    }
  }
  if (manifest.world.procs) {
    const procs = await firstLine(store, manifest.world.procs, opts.signal);
    const dump = procs?.kind === 'procs.criu.v1' ? DIGEST.exec(String(procs.criu_dump))?.[1] : undefined;
    if (dump) {
      out.push({ hex: dump, place: 'world.procs criu_dump' });
    }
  }
  return out;
}

/** The layer's first line as a JSON object, or undefined (missing, unreadable, binary, not an object). */
async function firstLine(
  store: BlobStore,
  hex: string,
  signal: AbortSignal | undefined,
): Promise<Record<string, unknown> | undefined> {
  let head: Buffer;
  try {
    head = await store.head(hex, HEAD_BYTES, { signal });
  } catch {
    return undefined; // a missing or corrupt layer is reported by the closure itself
  }
  const nl = head.indexOf(10);
  try {
    const value: unknown = JSON.parse(head.toString('utf8', 0, nl === -1 ? head.length : nl));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
