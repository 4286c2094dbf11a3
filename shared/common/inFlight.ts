// Runs `fn` over items with at most `limit` in flight. A registry transfer of 10,000 small layers is bound by
// round trips, so several requests at once make it fast; a catalog of 100,000 images must not open 100,000 files
// at once (EMFILE). The limit keeps memory and open handles bounded. The first failure stops new starts; the
// ones running finish before it is thrown.
export async function forEachInFlight<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const lane = async () => {
    while (!failure && next < items.length) {
      if (signal?.aborted) {
        failure ??= { err: signal.reason ?? new Error('cancelled') };
        return;
      }
      const i = next++;
      try {
        await fn(items[i], i);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  if (failure) {
    throw failure.err;
  }
}

/** Requests in flight per transfer unless the caller says otherwise. */
export const TRANSFER_CONCURRENCY = 8;
