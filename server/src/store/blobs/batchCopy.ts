// Many small blob files copied in worker batches, each checked on the way (io/copyCheckedSync.ts): a folder
// registry's objects into the store (a pull), the store's blobs into a folder registry (a push). One worker
// message carries a batch; the caller makes the copies durable together (io/stagedCommit.ts).
import { CancelledError, throwIfAborted } from '../errors';
import { nextSession } from './blobVerify';
import type { WorkerPool } from '../workers/workerPool';
import type { BatchResult, CopyItem } from '../workers/workerProtocol';

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
