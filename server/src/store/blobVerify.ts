// Verify one, many or all blobs on the worker pool, with progress and cancellation between blobs.
import type { FsBlobStore } from './fsBlobStore';
import type { VerifyAllOptions, VerifyProblem, VerifySummary } from './blobStore';
import { CancelledError, IntegrityError, StoreError } from './errors';
import { scanBlobs } from './blobListing';
import { blobPath } from './blobPaths';

export interface VerifyOutcome extends VerifySummary {
  /** Decoded sizes of the blobs that passed. */
  decoded: Map<string, number>;
}

function problemOf(hex: string, err: unknown, file: string): VerifyProblem {
  if (err instanceof IntegrityError) return { hex, kind: err.kind, message: err.message, path: file };
  if (err instanceof StoreError && err.code === 'not-found') return { hex, kind: 'not-found', message: err.message };
  return { hex, kind: 'unreadable', message: (err as Error).message, path: file };
}

export async function verifyBlobs(
  store: FsBlobStore,
  hexes: string[],
  opts: VerifyAllOptions = {},
  extraProblems: VerifyProblem[] = [],
): Promise<VerifyOutcome> {
  const outcome: VerifyOutcome = {
    checked: 0,
    ok: 0,
    problems: [...extraProblems],
    cancelled: false,
    decoded: new Map(),
  };
  const total = hexes.length;
  let next = 0;
  // Enough in flight to keep every worker fed while the main thread handles replies.
  const lanes = Array.from({ length: store.pool.size * 2 }, async () => {
    while (next < hexes.length) {
      if (opts.signal?.aborted) {
        outcome.cancelled = true;
        return;
      }
      const hex = hexes[next++];
      const file = blobPath(store.root, hex);
      try {
        const reply = await store.decodeTask(
          hex,
          { op: 'verify', path: file, hex, maxBytes: store.maxBlobBytes },
          opts.signal,
        );
        outcome.ok++;
        outcome.decoded.set(hex, reply.decodedBytes ?? 0);
        outcome.checked++;
        opts.onResult?.({ hex, ok: true, decodedBytes: reply.decodedBytes }, outcome.checked, total);
      } catch (err) {
        if (err instanceof CancelledError) {
          outcome.cancelled = true;
          return;
        }
        const problem = problemOf(hex, err, file);
        outcome.problems.push(problem);
        outcome.checked++;
        opts.onResult?.({ hex, ok: false, problem }, outcome.checked, total);
      }
    }
  });
  await Promise.all(lanes);
  return outcome;
}

export async function verifyAllBlobs(store: FsBlobStore, opts: VerifyAllOptions = {}): Promise<VerifyOutcome> {
  const items = await scanBlobs(store.root);
  const hexes: string[] = [];
  const problems: VerifyProblem[] = [];
  for (const item of items) {
    if (item.type === 'blob') hexes.push(item.hex);
    else if (item.type === 'misplaced') {
      problems.push({
        hex: item.hex,
        kind: 'misplaced',
        path: item.path,
        message: `blob sha256:${item.hex} is in the wrong shard directory (${item.path}); readers look in ${item.hex.slice(0, 2)}/`,
      });
    } else if (item.type === 'stray') {
      problems.push({
        hex: '',
        kind: 'stray',
        path: item.path,
        message: `${item.path} is not a blob file (name is not <64 hex>.zst)`,
      });
    }
  }
  hexes.sort();
  return verifyBlobs(store, hexes, opts, problems);
}
