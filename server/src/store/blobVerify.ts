// Verify one, many or all blobs on the worker pool, with progress and cancellation between blobs.
import type { FsBlobStore } from './fsBlobStore';
import type { VerifyAllOptions, VerifyProblem, VerifySummary } from './blobStore';
import { CancelledError, IntegrityError, StoreError } from './errors';
import { scanBlobs } from './blobListing';
import { blobPath } from './blobPaths';

/** Blobs per worker message: small enough that cancel and progress stay prompt, large enough to amortise the trip. */
const VERIFY_BATCH = 64;

export interface VerifyOutcome extends VerifySummary {
  /** Decoded sizes of the blobs that passed. */
  decoded: Map<string, number>;
}

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
  store: FsBlobStore,
  hexes: string[],
  opts: VerifyAllOptions = {},
  extraProblems: VerifyProblem[] = [],
): Promise<VerifyOutcome> {
  return verifyFrom(store, { hexes, more: undefined }, opts, extraProblems);
}

/** Digests to verify; `more` resolves when another batch was appended (undefined once the list is complete). */
interface HexSource {
  hexes: string[];
  more: (() => Promise<boolean>) | undefined;
}

async function verifyFrom(
  store: FsBlobStore,
  source: HexSource,
  opts: VerifyAllOptions,
  extraProblems: VerifyProblem[],
): Promise<VerifyOutcome> {
  const outcome: VerifyOutcome = {
    checked: 0,
    ok: 0,
    problems: [...extraProblems],
    cancelled: false,
    decoded: new Map(),
  };
  const { hexes } = source;
  let next = 0;
  const settle = (hex: string, result: number | unknown) => {
    outcome.checked++;
    // While a scan still feeds the list, the total grows; progress shows what is known so far.
    const total = hexes.length;
    if (typeof result === 'number') {
      outcome.ok++;
      outcome.decoded.set(hex, result);
      opts.onResult?.({ hex, ok: true, decodedBytes: result }, outcome.checked, total);
    } else {
      const problem = problemOf(hex, result, blobPath(store.root, hex));
      outcome.problems.push(problem);
      opts.onResult?.({ hex, ok: false, problem }, outcome.checked, total);
    }
  };
  // Enough in flight to keep every worker fed while the main thread handles replies. Blobs go in batches:
  // for small blobs (KV-cache pages) a worker round trip costs more than the decode itself.
  const lanes = Array.from({ length: store.pool.size * 2 }, async () => {
    for (;;) {
      if (opts.signal?.aborted) {
        outcome.cancelled = true;
        return;
      }
      if (next >= hexes.length) {
        if (!source.more || !(await source.more())) {
          if (next >= hexes.length) {
            return;
          }
        }
        continue;
      }
      const batch = hexes.slice(next, next + VERIFY_BATCH);
      next += batch.length;
      try {
        const results = await store.verifyBatch(batch, opts.signal);
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
export async function verifyAllBlobs(store: FsBlobStore, opts: VerifyAllOptions = {}): Promise<VerifyOutcome> {
  const problems: VerifyProblem[] = [];
  const source: HexSource = { hexes: [], more: undefined };
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
  const scan = scanBlobs(store.root, (items) => {
    for (const item of items) {
      if (item.type === 'blob') {
        source.hexes.push(item.hex);
      } else if (item.type === 'misplaced') {
        problems.push(misplacedProblem(item.hex, item.path));
      } else if (item.type === 'stray') {
        problems.push(strayProblem(item.path));
      }
    }
    signalArrival();
  }).finally(() => {
    scanDone = true;
    signalArrival();
  });
  const [outcome] = await Promise.all([verifyFrom(store, source, opts, []), scan]);
  outcome.problems.unshift(...problems);
  return outcome;
}

function misplacedProblem(hex: string, file: string): VerifyProblem {
  return {
    hex,
    kind: 'misplaced',
    path: file,
    message: `blob sha256:${hex} is in the wrong shard directory (${file}); readers look in ${hex.slice(0, 2)}/`,
  };
}

function strayProblem(file: string): VerifyProblem {
  return { hex: '', kind: 'stray', path: file, message: `${file} is not a blob file (name is not <64 hex>.zst)` };
}
