// One image's closure as the tree and verify need it: the manifest's own fields, then what its fs tree and
// cache page manifest name. Nested JSON is read through the store (re-hashed), and a nested blob that is
// missing or bad is reported in place rather than failing the whole answer.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ResponseError } from 'vscode-languageserver';
import { formatDigest } from '../../../shared/digest';
import type { ImageReference, ImageSummary } from '../../../shared/protocol';
import { StoreErrorCode } from '../../../shared/protocol';
import { imagesDir } from '../store/blobPaths';
import { manifestReferences, parseManifest, parseNestedReferences } from '../store/manifest';
import type { StoreHost } from '../storeHost';

/** Nested JSON larger than this is not expanded in the tree (it is still verified as a blob). */
const NESTED_JSON_LIMIT = 64 << 20;

export async function imageDetails(host: StoreHost, hex: string): Promise<{ image: ImageSummary; references: ImageReference[] }> {
  const { root, store, facts, refs } = host.open;
  const text = await readManifestText(host, hex);
  const summary = (await refs.images()).find((i) => i.digest === formatDigest(hex));
  const { manifest, problems } = parseManifest(text);
  const image: ImageSummary = summary ?? {
    digest: formatDigest(hex),
    fileName: path.join(path.relative(root, imagesDir(root)), `${hex}.json`),
    parents: [],
    bytes: Buffer.byteLength(text),
    problems,
  };
  if (!manifest) return { image, references: [] };

  const references: ImageReference[] = [];
  const add = async (layer: string, refHex: string) => {
    const view = await facts.get(refHex).catch(() => undefined);
    const verdict = view ? await facts.verdict(refHex) : undefined;
    const state = !view ? 'missing' : verdict && !verdict.ok ? 'corrupt' : 'present';
    references.push({ layer, digest: formatDigest(refHex), state, storedBytes: view?.size });
  };
  for (const ref of manifestReferences(manifest)) {
    if (ref.kind === 'image') continue; // parents are other images, not part of this closure
    await add(ref.layer, ref.hex);
  }
  for (const [layer, nestedHex] of [['world.fs', manifest.world?.fs], ['cache.manifest', manifest.cache?.manifest]] as const) {
    if (!nestedHex) continue;
    const view = await facts.get(nestedHex).catch(() => undefined);
    if (!view || view.size > NESTED_JSON_LIMIT) continue;
    const nested = await store.get(nestedHex).catch(() => undefined);
    if (!nested) continue;
    for (const r of parseNestedReferences(nested.toString('utf8')).refs) {
      await add(`${layer} → ${r.path ?? r.layer}`, r.hex);
    }
  }
  return { image, references };
}

async function readManifestText(host: StoreHost, hex: string): Promise<string> {
  const { root, store } = host.open;
  try {
    return await fs.readFile(path.join(imagesDir(root), `${hex}.json`), 'utf8');
  } catch {
    // pf-core also stores the manifest as a blob; use that when the catalog file is gone.
    const blob = await store.get(hex).catch(() => undefined);
    if (!blob) throw new ResponseError(StoreErrorCode.NotFound, `image ${formatDigest(hex)} is not in the store`);
    return blob.toString('utf8');
  }
}
