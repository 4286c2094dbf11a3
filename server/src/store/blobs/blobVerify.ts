// Verify one, many or all blobs on the worker pool, with progress and cancellation between blobs.
import type { VerifyAllOptions, VerifyProblem, VerifySummary } from './blobStore';
import { CancelledError, IntegrityError, StoreError } from '../errors';
import type { WorkerPool } from '../workers/workerPool';
import { scanShards } from './blobListing';
import { blobPath } from './blobPaths';
import { appendAll } from '../../../../shared/common/arrays';
import { shardOf } from '../../../../shared/blobs/digest';

/** Blobs per worker message: small enough that cancel and progress stay prompt, large enough to amortise the trip. */
const VERIFY_BATCH = 128;
const RELEASE_EVERY = 16_384;
/** Digests scanned but not yet handed out, at most (about 100 bytes each). */
const MAX_QUEUED = 50_000;

let sessions = 0;

/** A fresh id for one verify's batches (see the verifyBatch request). */
export function nextSession(): number {
  return ++sessions;
}

/**
 * What a verify needs of the store: its root, its pool's shape, and one worker round trip per batch. Named here
 * (FsBlobStore satisfies it) so this module does not import the store class that calls it.
 */
export interface BatchVerifier {
  readonly root: string;
  readonly pool: Pick<WorkerPool, 'parallelism' | 'callingThreadMayBlock' | 'warm'>;
  verifyBatch(hexes: string[], signal: AbortSignal | undefined, session: number): Promise<Array<number | StoreError>>;
}

/** Nothing per blob is kept here (a million-blob verify must stay flat): callers hear each result in onResult. */
export type VerifyOutcome = VerifySummary;

function problemOf(hex: string, err: unknown, file: string): VerifyProblem {
  if (err instanceof IntegrityError) {
    return { hex, kind: err.kind, message: err.message, path: file };
  }
  if (err instanceof StoreError && err.code === 'not-found') {
    return { hex, kind: 'not-found', message: err.message };
  }
  return { hex, kind: 'unreadable', message: (err as Error).message, path: file };
}

export async function verifyBlobs(
  store: BatchVerifier,
  hexes: string[],
  opts: VerifyAllOptions = {},
  extraProblems: VerifyProblem[] = [],
): Promise<VerifyOutcome> {
  return verifyFrom(store, { hexes: [...hexes], next: 0, pushed: hexes.length, more: undefined }, opts, extraProblems);
}

/**
 * Digests to verify; `more` resolves when another batch was appended (undefined once the list is complete).
 * `pushed` counts every digest ever appended: the consumed front of `hexes` is dropped as the verify goes.
 */
interface HexSource {
  hexes: string[];
  /** Index of the next digest to hand out. */
  next: number;
  pushed: number;
  more: (() => Promise<boolean>) | undefined;
}

async function verifyFrom(
  store: BatchVerifier,
  source: HexSource,
  opts: VerifyAllOptions,
  extraProblems: VerifyProblem[],
): Promise<VerifyOutcome> {
  const outcome: VerifyOutcome = {
    checked: 0,
    ok: 0,
    problems: [...extraProblems],
    cancelled: false,
  };
  const { hexes } = source;
  const session = nextSession();
  const settle = (hex: string, result: number | unknown) => {
    outcome.checked++;
    // While a scan still feeds the list, the total grows; progress shows what is known so far.
    const total = source.pushed;
    if (typeof result === 'number') {
      outcome.ok++;
      opts.onResult?.({ hex, ok: true, decodedBytes: result }, outcome.checked, total);
    } else {
      const problem = problemOf(hex, result, blobPath(store.root, hex));
      outcome.problems.push(problem);
      opts.onResult?.({ hex, ok: false, problem }, outcome.checked, total);
    }
  };
  // Enough in flight to keep every worker fed while the main thread handles replies. Blobs go in batches:
  // for small blobs (KV-cache pages) a worker round trip costs more than the decode itself.
  const lanes = Array.from({ length: store.pool.parallelism * 2 }, async () => {
    for (;;) {
      if (opts.signal?.aborted) {
        outcome.cancelled = true;
        return;
      }
      if (source.next >= hexes.length) {
        if (!source.more || !(await source.more())) {
          if (source.next >= hexes.length) {
            return;
          }
        }
        continue;
      }
      const batch = hexes.slice(source.next, source.next + VERIFY_BATCH);
      source.next += batch.length;
      if (source.next >= RELEASE_EVERY) {
        // Let go of what is already handed out, so memory does not grow with the store.
        hexes.splice(0, source.next);
        source.next = 0;
      }
      try {
        const results = await store.verifyBatch(batch, opts.signal, session);
        batch.forEach((hex, i) => settle(hex, results[i]));
      } catch (err) {
        if (err instanceof CancelledError) {
          outcome.cancelled = true;
          return;
        }
        batch.forEach((hex) => settle(hex, err));
      }
    }
  });
  await Promise.all(lanes);
  return outcome;
}

/**
 * Verifies every blob file under blobs/sha256 while the shards are still being read (the scan of a large
 * store is a fifth of a verify of small blobs), and reports misplaced and stray files as problems.
 */
export async function verifyAllBlobs(store: BatchVerifier, opts: VerifyAllOptions = {}): Promise<VerifyOutcome> {
  store.pool.warm();
  const problems: VerifyProblem[] = [];
  const source: HexSource = { hexes: [], next: 0, pushed: 0, more: undefined };
  let wake: (() => void) | undefined;
  let scanDone = false;
  let arrived = new Promise<void>((resolve) => (wake = resolve));
  const signalArrival = () => {
    wake?.();
    arrived = new Promise<void>((resolve) => (wake = resolve));
  };
  source.more = async () => {
    if (scanDone) {
      return false;
    }
    await arrived;
    return true;
  };
  let scanError: unknown;
  const scan = scanShards(
    store.root,
    async (shard) => {
      for (const hex of shard.blobs) {
        source.hexes.push(hex);
      }
      source.pushed += shard.blobs.length;
      for (const item of shard.others) {
        if (item.type === 'misplaced') {
          problems.push(misplacedProblem(item.hex, item.path));
        } else if (item.type === 'stray') {
          problems.push(strayProblem(item.path));
        }
      }
      signalArrival();
      // The scan runs ahead of the workers on a large store: hold it back so the queue stays bounded.
      while (source.hexes.length - source.next > MAX_QUEUED && !opts.signal?.aborted) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    opts.signal,
    { sync: store.pool.callingThreadMayBlock },
  )
    .catch((err) => {
      // Stop handing out work, let the lanes finish what they hold, then fail the verify.
      scanError = err;
      source.hexes.length = source.next;
    })
    .finally(() => {
      scanDone = true;
      signalArrival();
    });
  const [outcome] = await Promise.all([verifyFrom(store, source, opts, []), scan]);
  if (scanError !== undefined) {
    throw scanError;
  }
  // What the scan found (misplaced, stray, temp files) first, then what the workers found.
  outcome.problems = appendAll(problems, outcome.problems);
  return outcome;
}

function misplacedProblem(hex: string, file: string): VerifyProblem {
  return {
    hex,
    kind: 'misplaced',
    path: file,
    message: `blob sha256:${hex} is in the wrong shard directory (${file}); readers look in ${shardOf(hex)}/`,
  };
}

function strayProblem(file: string): VerifyProblem {
  return { hex: '', kind: 'stray', path: file, message: `${file} is not a blob file (name is not <64 hex>.zst)` };
}
