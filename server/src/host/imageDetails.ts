// One image's closure as the tree and verify need it, each reference with what the store knows of it.
import * as path from 'node:path';
import { ResponseError } from 'vscode-languageserver';
import { formatDigest } from '../../../shared/blobs/digest';
import type { ImageDetailsResult, ImageReference, ImageSummary } from '../../../shared/protocol';
import { StoreErrorCode } from '../../../shared/protocol';
import { imagesDir } from '../store/blobs/blobPaths';
import { StoreError } from '../store/errors';
import { MAX_MANIFEST_BYTES } from '../store/images/imageCatalog';
import type { UnexpandedEntry } from '../store/images/imageClosure';
import { snapshotClosure } from '../store/layers/snapshotClosure';
import { readRegularFile } from '../store/io/safeOpen';
import { parseManifest } from '../store/images/manifest';
import type { StoreHost } from './storeHost';

export async function imageDetails(
  host: StoreHost,
  hex: string,
): Promise<ImageDetailsResult & { unexpanded: UnexpandedEntry[] }> {
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
  if (!manifest) {
    return { image, references: [], unexpanded: [] };
  }

  const references: ImageReference[] = [];
  const { entries, unexpanded } = await snapshotClosure(store, manifest);
  const unexpandedProblems = unexpanded.map((u) => ({
    path: u.layer,
    message: `${u.layer} sha256:${u.hex}: ${u.reason}`,
    severity: 'error' as const,
  }));
  if (unexpandedProblems.length > 0) {
    image.problems = [...image.problems, ...unexpandedProblems];
  }
  for (const { layer, hex: refHex } of entries) {
    const view = await facts.get(refHex).catch(() => undefined);
    const verdict = view?.verified;
    const state = !view ? 'missing' : verdict && !verdict.ok ? 'corrupt' : 'present';
    references.push({ layer, digest: formatDigest(refHex), state, storedBytes: view?.size });
  }
  return { image, references, unexpanded };
}

async function readManifestText(host: StoreHost, hex: string): Promise<string> {
  const { root, store } = host.open;
  try {
    return (await readRegularFile(path.join(imagesDir(root), `${hex}.json`), MAX_MANIFEST_BYTES)).toString('utf8');
  } catch (err) {
    if (err instanceof StoreError) {
      throw err;
    } // a FIFO or symlink in the catalog: say so, do not fall back
    // pf-core also stores the manifest as a blob; use that when the catalog file is gone.
    const blob = await store.get(hex).catch(() => undefined);
    if (!blob) {
      throw new ResponseError(StoreErrorCode.NotFound, `image ${formatDigest(hex)} is not in the store`);
    }
    return blob.toString('utf8');
  }
}
