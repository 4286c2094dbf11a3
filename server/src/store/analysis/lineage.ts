// Lineage through `parents`: images newest first, an image's ancestry, merges (two parents), and how two images
// are related. Parents may name images that are not in the catalog (pulled alone, or removed); they show as
// such and the walk stops there.
import { formatDigest } from '../../../../shared/blobs/digest';
import type { LineageEntry } from '../../../../shared/protocol';
import type { CatalogEntry } from '../images/imageCatalog';

export type Relation = 'same' | 'a-is-ancestor-of-b' | 'b-is-ancestor-of-a' | 'unrelated';

export interface LogEntry {
  image: string;
  /** The snapshot's name (`agent.fingerprint`). */
  name?: string;
  agentKind?: string;
  agentVersion?: string;
  createdAt?: string;
  parents: string[];
  /** Two parents: a merge point. */
  merge: boolean;
  /** Parents that are not in the catalog. */
  missingParents: string[];
  /** Images in the catalog that name this one as a parent (its forks). */
  children: string[];
}

function byHex(catalog: CatalogEntry[]): Map<string, CatalogEntry> {
  return new Map(catalog.filter((e) => e.manifest).map((e) => [e.hex, e]));
}

/** Every image reachable from `hex` through parents, itself included. */
export function ancestors(catalog: CatalogEntry[], hex: string): Set<string> {
  const index = byHex(catalog);
  const seen = new Set<string>();
  // A queue read by index: shift() would copy the rest at every step (quadratic over 100,000 parents).
  const queue = [hex];
  for (let at = 0; at < queue.length; at++) {
    const next = queue[at];
    if (seen.has(next)) {
      continue; // a parent cycle in a hand-edited catalog must not loop forever
    }
    seen.add(next);
    for (const parent of index.get(next)?.manifest?.parents ?? []) {
      if (!seen.has(parent)) {
        queue.push(parent);
      }
    }
  }
  return seen;
}

export function relationOf(catalog: CatalogEntry[], a: string, b: string): Relation {
  if (a === b) {
    return 'same';
  }
  if (ancestors(catalog, b).has(a)) {
    return 'a-is-ancestor-of-b';
  }
  if (ancestors(catalog, a).has(b)) {
    return 'b-is-ancestor-of-a';
  }
  return 'unrelated';
}

/** Images newest first (by created_at, then digest), or only the ancestry of `of`. */
export function lineageLog(catalog: CatalogEntry[], of?: string): LogEntry[] {
  const index = byHex(catalog);
  const children = new Map<string, string[]>();
  for (const e of index.values()) {
    for (const p of e.manifest!.parents) {
      const list = children.get(p);
      if (list) {
        list.push(e.hex);
      } else {
        children.set(p, [e.hex]);
      }
    }
  }
  const wanted = of === undefined ? undefined : ancestors(catalog, of);
  return [...index.values()]
    .filter((e) => !wanted || wanted.has(e.hex))
    .sort(
      (x, y) => (y.manifest!.createdAt ?? '').localeCompare(x.manifest!.createdAt ?? '') || x.hex.localeCompare(y.hex),
    )
    .map((e) => ({
      image: e.hex,
      name: e.manifest!.agent?.fingerprint || undefined,
      agentKind: e.manifest!.agent?.kind,
      agentVersion: e.manifest!.agent?.version,
      createdAt: e.manifest!.createdAt,
      parents: e.manifest!.parents,
      merge: e.manifest!.parents.length === 2,
      missingParents: e.manifest!.parents.filter((p) => !index.has(p)),
      children: (children.get(e.hex) ?? []).sort(),
    }));
}

/** A log entry as `pfstore log --json` and `processfork/lineage` give it. */
export function logEntryToJson(e: LogEntry): LineageEntry {
  return {
    image: formatDigest(e.image),
    name: e.name ?? null,
    agentKind: e.agentKind ?? null,
    agentVersion: e.agentVersion ?? null,
    createdAt: e.createdAt ?? null,
    parents: e.parents.map(formatDigest),
    merge: e.merge,
    missingParents: e.missingParents.map(formatDigest),
    children: e.children.map(formatDigest),
  };
}
