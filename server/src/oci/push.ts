// pfstore push / the editor's push: one image and its closure to an OCI registry, as pf push lays it out.
// Blobs go as their stored level-19 bytes (checked to decode right first), and only those the registry lacks
// move, so an interrupted push resumes by running it again.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { blobPath, imagesDir } from '../store/blobs/blobPaths';
import { hashFile } from '../store/io/fileHash';
import { TRANSFER_CONCURRENCY, forEachInFlight } from '../../../shared/inFlight';
import { InvalidInputError, StoreError, throwIfAborted } from '../store/errors';
import type { FsBlobStore } from '../store/blobs/fsBlobStore';
import { MAX_MANIFEST_BYTES } from '../store/images/imageCatalog';
import { readRegularFile } from '../store/io/safeOpen';
import { parseManifest } from '../store/images/manifest';
import { snapshotClosure } from '../store/layers/snapshotClosure';
import { buildOciManifest, sha256Digest } from './ociImage';
import type { OciRef } from './ociRef';
import { RegistryClient } from './registryClient';
import { signManifest } from './signature';

/** Layers above this go in chunked PATCH uploads of CHUNK_BYTES; smaller ones in one PUT. */
export const CHUNKED_ABOVE = 32 << 20;
const CHUNK_BYTES = 16 << 20;

export interface TransferProgress {
  done: number;
  total: number;
  note: string;
}

export interface PushResult {
  manifestDigest: string;
  layers: number;
  uploaded: number;
  skipped: number;
}

export async function pushImage(
  store: FsBlobStore,
  imageHex: string,
  ref: OciRef,
  opts: {
    signal?: AbortSignal;
    onProgress?: (p: TransferProgress) => void;
    client?: RegistryClient;
    chunkedAbove?: number;
    chunkBytes?: number;
    /** Uploads in flight at once (1: one after another, the baseline the benchmark compares with). */
    concurrency?: number;
  } = {},
): Promise<PushResult> {
  const chunkedAbove = opts.chunkedAbove ?? CHUNKED_ABOVE;
  if (ref.digest) {
    throw new InvalidInputError(`a push needs a tag (oci://host/repo:tag), not a digest: ${ref.repo}@${ref.digest}`);
  }
  const client = opts.client ?? new RegistryClient(ref);
  const manifestBytes = await readRegularFile(
    path.join(imagesDir(store.root), `${imageHex}.json`),
    MAX_MANIFEST_BYTES,
  ).catch(async (err) => {
    if (err instanceof StoreError) {
      throw err; // a FIFO, a symlink or an oversized file in the catalog: say so
    }
    return store.get(imageHex); // pf-core keeps the manifest as a blob too
  });
  const { manifest, problems } = parseManifest(manifestBytes.toString('utf8'));
  const fatal = problems.filter((p) => p.severity === 'error');
  if (!manifest || fatal.length > 0) {
    throw new StoreError(
      'invalid-input',
      `image sha256:${imageHex} is not a valid manifest: ${fatal.map((p) => `${p.path} ${p.message}`).join('; ')}`,
    );
  }
  refuseCamelCase(imageHex, manifestBytes);
  const { entries, unexpanded } = await snapshotClosure(store, manifest, { signal: opts.signal });
  if (unexpanded.length > 0) {
    const u = unexpanded[0];
    throw new StoreError('invalid-input', `cannot push an incomplete closure: ${u.layer} sha256:${u.hex}: ${u.reason}`);
  }
  const closure = [...new Map(entries.map((e) => [e.hex, e])).values()];
  const missing = [];
  for (const e of closure) {
    if (!(await store.has(e.hex))) {
      missing.push(e);
    }
  }
  if (missing.length > 0) {
    throw new StoreError(
      'not-found',
      `${missing.length} blob(s) of the image's closure are missing (first: sha256:${missing[0].hex}, ${missing[0].layer}); it cannot be pushed whole`,
    );
  }

  // The whole closure is checked before the first upload: a corrupt blob refuses the push with nothing sent
  // (each blob is checked again as it is read for upload, so the bytes sent are the bytes checked).
  const check = await store.verifyMany(
    closure.map((e) => e.hex),
    { signal: opts.signal },
  );
  if (check.cancelled) {
    throwIfAborted(opts.signal);
  }
  if (check.problems.length > 0) {
    const p = check.problems[0];
    const layer = closure.find((e) => e.hex === p.hex)?.layer;
    throw new StoreError(
      'integrity',
      `${check.problems.length} blob(s) of the image's closure failed verification (first: ${layer ? `${layer}: ` : ''}${p.message}); nothing was pushed`,
    );
  }

  await client.ping();
  const total = closure.length + 2;
  let done = 0;
  const step = (note: string) => opts.onProgress?.({ done: ++done, total, note });
  const layers: Array<{ rawHex: string; compressed: { digest: string; size: number } }> = new Array(closure.length);
  let largeTurn: Promise<unknown> = Promise.resolve();
  await forEachInFlight(closure, opts.concurrency ?? TRANSFER_CONCURRENCY, async (entry, index) => {
    throwIfAborted(opts.signal);
    const file = blobPath(store.root, entry.hex);
    const size = (await fs.stat(file)).size;
    let digest: string;
    if (size > chunkedAbove) {
      // Large: already verified with the closure above (a second decode of a multi-GiB blob would double the
      // push's CPU); hash the file, then send it in pieces (never whole in memory), one large layer at a time
      // (each holds a chunk buffer) while small ones go on beside it. A pull re-checks every layer twice.
      const mine = largeTurn.then(async () => {
        const fileDigest = `sha256:${await hashFile(file, opts.signal)}`;
        await client.uploadBlobFromFile(fileDigest, file, size, opts.chunkBytes ?? CHUNK_BYTES, opts.signal);
        return fileDigest;
      });
      largeTurn = mine.catch(() => undefined);
      digest = await mine;
    } else {
      const compressed = await store.readCompressed(entry.hex, { signal: opts.signal });
      digest = sha256Digest(compressed);
      await client.uploadBlob(digest, compressed);
    }
    // In closure order whatever order the uploads finish in: the OCI manifest's bytes are then the same for
    // the same image, so a repeated push is a no-op for the registry too.
    layers[index] = { rawHex: entry.hex, compressed: { digest, size } };
    step(entry.layer);
  });
  const signature = signManifest(manifestBytes);
  await client.uploadBlob(sha256Digest(manifestBytes), manifestBytes);
  await client.uploadBlob(sha256Digest(signature), signature);
  step('config and signature');
  const ociManifest = buildOciManifest(manifestBytes, signature, layers);
  const manifestDigest = await client.putManifest(ref.tag, ociManifest);
  step(`manifest ${ref.repo}:${ref.tag}`);
  return { manifestDigest, layers: layers.length, uploaded: client.stats.uploaded, skipped: client.stats.skipped };
}

/**
 * pf's manifest parser takes snake_case fields only: an image stored with the camelCase variant would push
 * fine and then fail in `pf pull`. Its content id is its bytes, so it cannot be rewritten here; say so.
 */
function refuseCamelCase(imageHex: string, manifestBytes: Uint8Array): void {
  const top = JSON.parse(Buffer.from(manifestBytes).toString('utf8')) as Record<string, unknown>;
  const camel = ['schemaVersion', 'mediaType', 'createdAt'].filter((k) => k in top);
  if (camel.length > 0) {
    throw new InvalidInputError(
      `image sha256:${imageHex} is stored with camelCase fields (${camel.join(', ')}); pf pull reads snake_case manifests only, so it could not pull this push. Re-create the image with pf (its id is its bytes: it cannot be rewritten in place)`,
    );
  }
}
