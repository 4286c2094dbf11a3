// Push to a file:// folder or an s3:// prefix in pf's layout: every blob of the closure as its stored level-19
// bytes under `blobs/sha256/<2>/<hex>.zst` (skipped when already there, so a push resumes by running it again),
// then the signature, then `manifest.json` last: a reader never finds a manifest whose blobs are not all there.
import * as fs from 'node:fs/promises';
import { TRANSFER_CONCURRENCY, forEachInFlight } from '../../../shared/common/inFlight';
import { checkClosure, pushPlan } from '../oci/pushPlan';
import type { TransferProgress } from '../oci/push';
import { signManifest } from '../oci/signature';
import { blobPath } from '../store/blobs/blobPaths';
import type { FsBlobStore } from '../store/blobs/fsBlobStore';
import { StoreError, throwIfAborted } from '../store/errors';
import { MANIFEST_KEY, SIGNATURE_KEY, blobKey, type ObjectRegistry } from './objectRegistry';

const BATCH_CONCURRENCY = 32;

/** Blobs above this are streamed from their file; smaller ones are read (and checked again) whole. */
const STREAM_ABOVE = 8 << 20;

export interface ObjectPushResult {
  blobs: number;
  uploaded: number;
  skipped: number;
}

export async function pushToObjects(
  store: FsBlobStore,
  imageHex: string,
  registry: ObjectRegistry,
  signKey: string,
  opts: { signal?: AbortSignal; onProgress?: (p: TransferProgress) => void; concurrency?: number } = {},
): Promise<ObjectPushResult> {
  // A folder takes the blobs as one batch made durable together; an object store makes each durable as it is put.
  const batch = registry.batch?.();
  // Every blob is checked before anything counts as sent. A batch checks each as it is read (a failure aborts
  // the batch). An object store checks the small blobs up front and the streamed ones beside their uploads (a
  // 256 MiB blob checked first kept the first byte waiting for its whole check: 250 ms here when incompressible,
  // longer for text that must be decoded). A streamed upload completes, and a small blob goes, only once every
  // streamed blob has passed, so a damaged one leaves nothing behind.
  const { manifestBytes, closure } = await pushPlan(store, imageHex, opts.signal, false);
  const sizes = new Map<string, number>();
  await forEachInFlight(closure, 16, async (e) => {
    sizes.set(e.hex, (await fs.stat(blobPath(store.root, e.hex))).size);
  });
  const streamed = closure.filter((e) => sizes.get(e.hex)! > STREAM_ABOVE);
  let allStreamedChecked: Promise<void> | undefined;
  if (!batch) {
    await checkClosure(
      store,
      closure.filter((e) => sizes.get(e.hex)! <= STREAM_ABOVE),
      opts.signal,
    );
    allStreamedChecked = Promise.all(streamed.map((e) => refuseDamaged(store, e.hex, e.layer, opts.signal))).then(
      () => undefined,
    );
    allStreamedChecked.catch(() => undefined); // awaited below, by every upload; the first failure is the push's
  }
  const total = closure.length + 1;
  let done = 0;
  let uploaded = 0;
  const target = batch ?? registry;
  try {
    await forEachInFlight(
      closure,
      // A batch's writes are local and unsynced until the commit: more at once keeps the disk queue full.
      opts.concurrency ?? (batch ? BATCH_CONCURRENCY : TRANSFER_CONCURRENCY),
      async (entry) => {
        throwIfAborted(opts.signal);
        const key = blobKey(entry.hex);
        if (!(await (batch ? batch.has(key) : registry.size(key, opts.signal).then((s) => s !== undefined)))) {
          const file = blobPath(store.root, entry.hex);
          const size = sizes.get(entry.hex)!;
          if (size > STREAM_ABOVE) {
            if (batch) {
              await refuseDamaged(store, entry.hex, entry.layer, opts.signal);
              await batch.upload(key, file, size, opts.signal);
            } else {
              await registry.upload(key, file, size, opts.signal, allStreamedChecked);
            }
          } else {
            const bytes = await store.readCompressed(entry.hex, { signal: opts.signal });
            await allStreamedChecked;
            await target.write(key, bytes, opts.signal);
          }
          uploaded++;
        }
        opts.onProgress?.({ done: ++done, total, note: entry.layer });
      },
      opts.signal,
    );
    await batch?.commit(opts.signal);
  } catch (err) {
    await batch?.abort();
    throw err;
  }
  await registry.write(SIGNATURE_KEY, signManifest(manifestBytes, signKey), opts.signal);
  await registry.write(MANIFEST_KEY, manifestBytes, opts.signal);
  opts.onProgress?.({ done: ++done, total, note: 'manifest and signature' });
  return { blobs: closure.length, uploaded, skipped: closure.length - uploaded };
}

/** Throws, naming the layer, when a blob fails its re-hash: a push never sends what the store cannot vouch for. */
async function refuseDamaged(store: FsBlobStore, hex: string, layer: string, signal?: AbortSignal): Promise<void> {
  const check = await store.verify(hex, { signal });
  if (!check.ok) {
    throw new StoreError(
      'integrity',
      `a blob of the image's closure failed verification (${layer}: ${check.problem?.message ?? 'damaged'}); nothing was pushed`,
    );
  }
}
