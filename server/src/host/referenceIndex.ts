// Which images name which digests (the manifest's own fields), for hovers ("referenced by 3 images") and for
// the tree. Built from images/ on first use and rebuilt when the watcher sees images/ change.
import type { ImageSummary } from '../../../shared/protocol';
import { formatDigest } from '../../../shared/blobs/digest';
import { listImages } from '../store/images/imageCatalog';
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
  private catalog?: Promise<Catalog>;

  constructor(private readonly root: string) {}

  images(): Promise<ImageSummary[]> {
    return this.load().then((c) => c.images);
  }

  async referrers(hex: string): Promise<Referrer[]> {
    return (await this.load()).byDigest.get(hex) ?? [];
  }

  invalidate(): void {
    this.catalog = undefined;
  }

  private load(): Promise<Catalog> {
    if (!this.catalog) {
      this.catalog = build(this.root);
      this.catalog.catch(() => (this.catalog = undefined));
    }
    return this.catalog;
  }
}

async function build(root: string): Promise<Catalog> {
  const entries = await listImages(root);
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
