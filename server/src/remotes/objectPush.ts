// Push to a file:// folder or an s3:// prefix in pf's layout: every blob of the closure as its stored level-19
// bytes under `blobs/sha256/<2>/<hex>.zst` (skipped when already there, so a push resumes by running it again),
// then the signature, then `manifest.json` last: a reader never finds a manifest whose blobs are not all there.
import { TRANSFER_CONCURRENCY, forEachInFlight } from '../../../shared/common/inFlight';
import { checkClosure, missingBlobsError, pushPlan } from '../oci/pushPlan';
import type { TransferProgress } from '../oci/push';
import { signManifest } from '../oci/signature';
import { blobPath } from '../store/blobs/blobPaths';
import type { FsBlobStore } from '../store/blobs/fsBlobStore';
import { BlobNotFoundError, StoreError, throwIfAborted } from '../store/errors';
import { MANIFEST_KEY, SIGNATURE_KEY, blobKey, type ObjectBatch, type ObjectRegistry } from './objectRegistry';
import { removeStaged } from '../store/io/stagedCommit';
import type { ClosureEntry } from '../store/images/imageClosure';

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
  store.pool.warm(); // the workers load while the manifest is read: the closure walk and every check need them
  // Every blob is checked before anything counts as sent. A batch checks each as it is read (a failure aborts
  // the batch). An object store checks the small blobs up front and the streamed ones beside their uploads (a
  // 256 MiB blob checked first kept the first byte waiting for its whole check: 250 ms here when incompressible,
  // longer for text that must be decoded). A streamed upload completes, and a small blob goes, only once every
  // streamed blob has passed, so a damaged one leaves nothing behind.
  // A batch learns each blob's size (and that it is here) as it copies it: an lstat per blob up front was a
  // tenth of a push of small blobs.
  const { manifestBytes, closure, sizes } = await pushPlan(store, imageHex, opts.signal, false, !batch);
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
  const progress = (note: string, count = 1) => opts.onProgress?.({ done: (done += count), total, note });
  try {
    let oneByOne = closure;
    if (batch) {
      // Small blobs not yet there go in worker batches, checked as they are copied; the rest one by one.
      const there = new Set<string>();
      await forEachInFlight(closure, BATCH_CONCURRENCY, async (entry) => {
        if (await batch.has(blobKey(entry.hex))) {
          there.add(entry.hex);
          progress(entry.layer);
        }
      });
      const missing = closure.filter((e) => !there.has(e.hex));
      const copied = new Set(await copyIntoBatch(store, batch, missing, opts.signal, (n) => progress('blobs', n)));
      uploaded += copied.size;
      oneByOne = missing.filter((e) => !copied.has(e.hex));
      for (const e of oneByOne) {
        sizes.set(e.hex, (await store.storedSize(e.hex)) ?? 0); // too large to copy whole: streamed below
      }
    }
    const target = batch ?? registry;
    await forEachInFlight(
      oneByOne,
      // A batch's writes are local and unsynced until the commit: more at once keeps the disk queue full.
      opts.concurrency ?? (batch ? BATCH_CONCURRENCY : TRANSFER_CONCURRENCY),
      async (entry) => {
        throwIfAborted(opts.signal);
        const key = blobKey(entry.hex);
        if (batch || (await registry.size(key, opts.signal)) === undefined) {
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
        progress(entry.layer);
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

/**
 * Small blobs copied from the store into the batch's temp names by the store's workers, each checked on the way
 * (FsBlobStore.copyOut), and staged. Returns the digests staged; a blob too large to copy whole is left for the
 * caller. A blob that fails its check fails the push, naming its layer; nothing of it is staged.
 */
async function copyIntoBatch(
  store: FsBlobStore,
  batch: ObjectBatch,
  entries: ClosureEntry[],
  signal: AbortSignal | undefined,
  onCopied: (count: number) => void,
): Promise<string[]> {
  const staged: string[] = [];
  const lacking: ClosureEntry[] = [];
  // A slice at a time: the temp names and outcomes held at once stay bounded for a closure of a million pages.
  for (let start = 0; start < entries.length; start += COPY_SLICE) {
    const slice = entries.slice(start, start + COPY_SLICE);
    const places = await Promise.all(slice.map((e) => batch.place(blobKey(e.hex))));
    let outcomes: Awaited<ReturnType<FsBlobStore['copyOut']>>;
    try {
      outcomes = await store.copyOut(
        slice.map((e, i) => ({ hex: e.hex, to: places[i].temp })),
        { signal, onBatch: onCopied },
      );
    } catch (err) {
      await removeStaged(places); // cancelled mid-way: the copies made so far are not staged yet
      throw err;
    }
    outcomes.forEach((outcome, i) => {
      if (typeof outcome === 'number') {
        batch.stageWritten(places[i]); // staged first, so that the batch's abort removes it if the push fails
        staged.push(slice[i].hex);
      } else if (outcome instanceof BlobNotFoundError) {
        lacking.push(slice[i]);
      }
    });
    const failed = outcomes.findIndex((o) => o instanceof StoreError && !(o instanceof BlobNotFoundError));
    if (failed >= 0) {
      throw new StoreError(
        'integrity',
        `a blob of the image's closure failed verification (${slice[failed].layer}: ${(outcomes[failed] as StoreError).message}); nothing was pushed`,
      );
    }
  }
  if (lacking.length > 0) {
    throw missingBlobsError(lacking);
  }
  return staged;
}

/** Blobs per copyOut call. */
const COPY_SLICE = 4096;

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
