// One image's closure as the tree and verify need it, each reference with what the store knows of it.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ResponseError } from 'vscode-languageserver';
import { formatDigest } from '../../../shared/digest';
import type { ImageReference, ImageSummary } from '../../../shared/protocol';
import { StoreErrorCode } from '../../../shared/protocol';
import { imagesDir } from '../store/blobPaths';
import { imageClosure } from '../store/imageClosure';
import { parseManifest } from '../store/manifest';
import type { StoreHost } from './storeHost';

export async function imageDetails(
  host: StoreHost,
  hex: string,
): Promise<{ image: ImageSummary; references: ImageReference[] }> {
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
  for (const { layer, hex: refHex } of await imageClosure(store, manifest)) {
    const view = await facts.get(refHex).catch(() => undefined);
    const verdict = view?.verified;
    const state = !view ? 'missing' : verdict && !verdict.ok ? 'corrupt' : 'present';
    references.push({ layer, digest: formatDigest(refHex), state, storedBytes: view?.size });
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
