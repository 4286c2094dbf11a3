// What the store and each image cost: blob count, raw and stored bytes, compression and dedup ratios, and per
// image its closure size, the bytes only it holds (exclusive) and the bytes it shares with other images.
// Raw sizes come from the frame headers when they record them, else from one streamed decode on the workers
// (pf-core's frames record none), the cost of a verify.
import { formatDigest } from '../../../../shared/blobs/digest';
import type { ImageCostInfo, StoreStatsResult } from '../../../../shared/protocol';
import type { VerifyResult } from '../blobs/blobStore';
import { scanBlobs } from '../blobs/blobListing';
import type { FsBlobStore } from '../blobs/fsBlobStore';
import { ReferenceGraph } from './referenceGraph';

export async function storeStats(
  store: FsBlobStore,
  opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<StoreStatsResult> {
  const raw = new Map<string, number>();
  let storedBytes = 0;
  const unknown: string[] = [];
  const blobs = (await scanBlobs(store.root)).filter((i) => i.type === 'blob');
  for (const item of blobs) {
    const stat = await store.stat(item.hex).catch(() => undefined);
    if (!stat) {
      unknown.push(item.hex); // not a regular file, or gone: the verify below names it unreadable
      continue;
    }
    storedBytes += stat.storedBytes;
    if (stat.decodedBytes === undefined) {
      unknown.push(item.hex);
    } else {
      raw.set(item.hex, stat.decodedBytes);
    }
  }
  let unreadable = 0;
  await store.verifyMany(unknown, {
    signal: opts.signal,
    onResult: (r: VerifyResult, done, total) => {
      if (r.ok && r.decodedBytes !== undefined) {
        raw.set(r.hex, r.decodedBytes);
      } else {
        unreadable++;
      }
      opts.onProgress?.(done, total);
    },
  });

  const graph = await ReferenceGraph.build(store, store.root, { signal: opts.signal });
  const closures = graph.closures();
  const users = new Map<string, number>();
  for (const closure of closures) {
    for (const hex of closure) {
      users.set(hex, (users.get(hex) ?? 0) + 1);
    }
  }
  const sizeOf = (hex: string) => raw.get(hex) ?? 0; // missing blobs cost nothing here
  const images = closures.map((closure, i): ImageCostInfo => {
    let closureBytes = 0;
    let exclusiveBytes = 0;
    for (const hex of closure) {
      closureBytes += sizeOf(hex);
      if (users.get(hex) === 1) {
        exclusiveBytes += sizeOf(hex);
      }
    }
    return {
      image: formatDigest(graph.images[i].hex),
      ...(graph.images[i].name ? { name: graph.images[i].name } : {}),
      closureBytes,
      exclusiveBytes,
      sharedBytes: closureBytes - exclusiveBytes,
    };
  });
  let unionBytes = 0;
  for (const hex of users.keys()) {
    unionBytes += sizeOf(hex);
  }
  const rawBytes = [...raw.values()].reduce((n, v) => n + v, 0);
  const closureTotal = images.reduce((n, c) => n + c.closureBytes, 0);
  return {
    blobs: blobs.length,
    rawBytes,
    storedBytes,
    compressionRatio: storedBytes > 0 ? rawBytes / storedBytes : 0,
    dedupRatio: unionBytes > 0 ? closureTotal / unionBytes : 0,
    unreadable,
    images,
  };
}
