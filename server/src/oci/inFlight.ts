// Runs `fn` over items with at most `limit` in flight: a registry transfer of 10,000 small layers is bound by
// round trips, not bytes, so keeping several requests open at once is what makes it fast; the limit keeps
// memory (one layer buffer per request) and the registry's connection count bounded. The first failure stops
// new starts; the ones running finish before it is thrown.
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
