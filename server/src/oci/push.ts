// pfstore push / the editor's push: one image and its closure to an OCI registry, as pf push lays it out.
// Blobs go as their stored level-19 bytes (checked to decode right first), and only those the registry lacks
// move, so an interrupted push resumes by running it again.
import * as fs from 'node:fs/promises';
import { blobPath } from '../store/blobs/blobPaths';
import { hashFile } from '../store/io/fileHash';
import { TRANSFER_CONCURRENCY, forEachInFlight } from '../../../shared/common/inFlight';
import { InvalidInputError, throwIfAborted } from '../store/errors';
import { pushPlan } from './pushPlan';
import type { FsBlobStore } from '../store/blobs/fsBlobStore';
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
  const { manifestBytes, closure } = await pushPlan(store, imageHex, opts.signal);
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
