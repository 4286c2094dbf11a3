// Many small blob files copied in worker batches, each checked on the way (io/copyCheckedSync.ts): a folder
// registry's objects into the store (a pull), the store's blobs into a folder registry (a push). One worker
// message carries a batch. A pull's copies are made durable together here (io/stagedCommit.ts) before any gets
// its name; a push's are staged in the registry's batch, which commits them the same way.
import { forEachInFlight } from '../../../../shared/common/inFlight';
import { shardOf } from '../../../../shared/blobs/digest';
import { CancelledError, throwIfAborted, type StoreError } from '../errors';
import { commitStaged, removeStaged, type StagedFile } from '../io/stagedCommit';
import type { WorkerPool } from '../workers/workerPool';
import type { BatchResult, CopyItem, WorkerFailure } from '../workers/workerProtocol';
import { blobPath, checkedHex, tempBlobPath } from './blobPaths';
import { nextSession } from './blobVerify';
import { prepareShard } from './compressedWriter';
import { freshen } from './freshen';
import { errorOfFailure } from './workerFailures';

/** What the batches need of the store (FsBlobStore satisfies it; this module does not import the class). */
export interface BatchCopier {
  readonly root: string;
  readonly pool: WorkerPool;
  verifyBatch(hexes: string[], signal: AbortSignal | undefined, session: number): Promise<Array<number | StoreError>>;
}

/**
 * What became of each file a pull offered: copied in; kept (a good blob was already here); absent (no such
 * file); or 'single': too large for a batch, or a bad blob in the way, for the caller to adopt alone.
 */
export type AdoptOutcome = 'copied' | 'kept' | 'absent' | 'single';

/** Files per worker message: enough to amortise the round trip, few enough that cancel stays prompt. */
const COPY_BATCH = 64;

/**
 * Stored bytes a batch copies whole in a worker (its read buffer grows to this at most); a larger file is
 * streamed on its own. pf-core's own objects of this kind (fs tree files, cache pages, layers) are mostly
 * far smaller.
 */
export const MAX_BATCH_COPY = 8 << 20;

/** The decoded size is not bounded here: the decoded bytes are hashed and dropped, never held. */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

/**
 * Runs `items` through the pool's workers in batches, returning each item's result in order. With `fromRoot`,
 * every source folder must resolve inside it. Cancelled between batches; a batch the pool cannot run fails the
 * call once every batch in flight has settled (so the caller's clean-up sees every file that was written).
 */
export async function copyInBatches(
  pool: Pick<WorkerPool, 'run' | 'parallelism'>,
  items: readonly CopyItem[],
  opts: { fromRoot?: string; signal?: AbortSignal; onBatch?: (copied: number) => void } = {},
): Promise<BatchResult[]> {
  const results: BatchResult[] = new Array(items.length);
  const session = nextSession();
  let next = 0;
  let failure: { err: unknown } | undefined;
  const lane = async () => {
    while (!failure && next < items.length) {
      const start = next;
      next += COPY_BATCH;
      const batch = items.slice(start, start + COPY_BATCH);
      try {
        throwIfAborted(opts.signal);
        const reply = await pool.run(
          {
            op: 'copyChecked',
            items: batch,
            maxStored: MAX_BATCH_COPY,
            maxBytes: UNBOUNDED,
            fromRoot: opts.fromRoot,
            session,
          },
          { signal: opts.signal },
        );
        if (!reply.ok) {
          throw new Error(reply.message);
        }
        reply.results!.forEach((r, i) => (results[start + i] = r));
        opts.onBatch?.(batch.length);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, pool.parallelism) * 2 }, lane));
  if (failure) {
    throw opts.signal?.aborted ? new CancelledError() : failure.err;
  }
  return results;
}

/**
 * Small blob files from outside the store (a folder registry's objects) adopted many at once: each copied to
 * a temp name in its shard with its check on the way (copyInBatches), the copies made durable
 * together and only then renamed into place (io/stagedCommit.ts). Per item, in order: 'copied'; 'kept' (a
 * good blob was already here, its time refreshed as for one adopted alone); 'absent' (no such file); or
 * 'single' (too large for a batch, or a bad blob in the way): the caller adopts it alone. Any other failure
 * (a file that does not decode to its digest) fails the call, and no temp file is left.
 */
export async function adoptFiles(
  store: BatchCopier,
  items: ReadonlyArray<{ hex: string; from: string }>,
  opts: { signal?: AbortSignal; onBatch?: (copied: number) => void } = {},
): Promise<AdoptOutcome[]> {
  const shards = new Map(items.map((i) => [shardOf(checkedHex(i.hex)), i.hex]));
  await forEachInFlight([...shards.values()], 16, (hex) => prepareShard(store.root, hex), opts.signal);
  const copies = items.map((i) => ({
    hex: i.hex,
    from: i.from,
    to: tempBlobPath(store.root, i.hex),
    unlessPresent: blobPath(store.root, i.hex),
  }));
  const staged: StagedFile[] = [];
  try {
    const results = await copyInBatches(store.pool, copies, { signal: opts.signal, onBatch: opts.onBatch });
    results.forEach((r, i) => {
      if (r.ok && !r.present) {
        staged.push({ temp: copies[i].to, file: copies[i].unlessPresent });
      }
    });
    const failed = results.findIndex((r) => !r.ok && !r.notFound && !r.tooLarge);
    if (failed >= 0) {
      throw errorOfFailure(items[failed].hex, results[failed] as WorkerFailure);
    }
    await commitStaged(staged, store.root, opts.signal);
    const kept = await keepPresent(
      store,
      items.filter((_, i) => results[i].ok && (results[i] as { present?: true }).present).map((i) => i.hex),
      opts.signal,
    );
    return results.map((r, i) => {
      if (!r.ok) {
        return r.notFound ? 'absent' : 'single';
      }
      return !r.present ? 'copied' : kept.has(items[i].hex) ? 'kept' : 'single';
    });
  } catch (err) {
    await removeStaged(copies.map((c) => ({ temp: c.to })));
    throw err;
  }
}

/**
 * The blobs among `hexes` that are good here, checked in verify batches (one worker message per 128, where one
 * each made a re-pull of 1,000 present blobs slower than the first pull) and then freshened, as
 * goodStoredSize does for one: a blob counts as kept only once its time is refreshed (the gc protocol).
 */
async function keepPresent(store: BatchCopier, hexes: string[], signal?: AbortSignal): Promise<Set<string>> {
  const kept = new Set<string>();
  const session = nextSession();
  const chunks = Array.from({ length: Math.ceil(hexes.length / 128) }, (_, k) => hexes.slice(k * 128, k * 128 + 128));
  await forEachInFlight(
    chunks,
    Math.max(1, store.pool.parallelism) * 2,
    async (chunk) => {
      const sizes = await store.verifyBatch(chunk, signal, session);
      await Promise.all(
        chunk.map(async (hex, i) => {
          if (typeof sizes[i] === 'number' && (await freshen(blobPath(store.root, hex)))) {
            kept.add(hex);
          }
        }),
      );
    },
    signal,
  );
  return kept;
}

/**
 * Copies small blobs of the store to new files (`to`, a folder registry's temp names), each checked on the
 * way, in worker batches; nothing is synced (the caller commits them together). Returns each copy's stored
 * size, 'single' for a blob too large to copy whole, or the error of a blob that failed its check (no copy
 * of it is left). When the call itself fails (cancelled), the caller removes whatever `to` files exist.
 */
export async function copyOut(
  store: BatchCopier,
  items: ReadonlyArray<{ hex: string; to: string }>,
  opts: { signal?: AbortSignal; onBatch?: (copied: number) => void } = {},
): Promise<Array<number | 'single' | StoreError>> {
  const copies = items.map((i) => ({ hex: i.hex, from: blobPath(store.root, i.hex), to: i.to }));
  const results = await copyInBatches(store.pool, copies, { fromRoot: store.root, ...opts });
  return results.map((r, i) => {
    if (r.ok) {
      return r.storedBytes!;
    }
    return r.tooLarge ? 'single' : errorOfFailure(items[i].hex, r);
  });
}
