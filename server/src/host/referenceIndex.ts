// Which images name which digests (the manifest's own fields), for hovers ("referenced by 3 images") and for
// the tree. Built from images/ on first use and rebuilt when the watcher sees images/ change.
import type { ImageSummary } from '../../../shared/protocol';
import { formatDigest } from '../../../shared/blobs/digest';
import type { CatalogEntry } from '../store/images/imageCatalog';
import { manifestReferences } from '../store/images/manifest';

export interface Referrer {
  image: string;
  layer: string;
}

interface Catalog {
  images: ImageSummary[];
  byDigest: Map<string, Referrer[]>;
}

export class ReferenceIndex {
  private built?: Promise<Catalog>;

  constructor(private readonly catalog: () => Promise<CatalogEntry[]>) {}

  images(): Promise<ImageSummary[]> {
    return this.load().then((c) => c.images);
  }

  async referrers(hex: string): Promise<Referrer[]> {
    return (await this.load()).byDigest.get(hex) ?? [];
  }

  invalidate(): void {
    this.built = undefined;
  }

  private load(): Promise<Catalog> {
    if (!this.built) {
      this.built = this.catalog().then(build);
      this.built.catch(() => (this.built = undefined));
    }
    return this.built;
  }
}

function build(entries: CatalogEntry[]): Catalog {
  const byDigest = new Map<string, Referrer[]>();
  const images: ImageSummary[] = [];
  for (const entry of entries) {
    const m = entry.manifest;
    images.push({
      digest: /^[0-9a-f]{64}$/.test(entry.hex) ? formatDigest(entry.hex) : entry.fileName,
      fileName: entry.fileName,
      name: m?.agent?.fingerprint || undefined,
      agentKind: m?.agent?.kind,
      agentVersion: m?.agent?.version,
      createdAt: m?.createdAt,
      parents: (m?.parents ?? []).map((p) => formatDigest(p)),
      bytes: entry.bytes,
      problems: entry.problems.map((p) => ({ path: p.path, message: p.message, severity: p.severity })),
    });
    if (!m) {
      continue;
    }
    for (const ref of manifestReferences(m)) {
      const list = byDigest.get(ref.hex) ?? [];
      list.push({ image: entry.hex, layer: ref.layer });
      byDigest.set(ref.hex, list);
    }
  }
  images.sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? '') || a.fileName.localeCompare(b.fileName));
  return { images, byDigest };
}
