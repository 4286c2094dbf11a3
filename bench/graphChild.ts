// Child process for the reference-graph benchmark: builds the graph of a store, then answers "where used" for
// sample digests; prints build time, RSS growth and lookup latencies as JSON.
import { FsBlobStore } from '../server/src/store/blobs/fsBlobStore';
import { ReferenceGraph } from '../server/src/store/analysis/referenceGraph';

async function main(): Promise<void> {
  const [root, ...samples] = process.argv.slice(2);
  const before = process.memoryUsage().rss;
  const store = new FsBlobStore(root);
  const t0 = process.hrtime.bigint();
  const graph = await ReferenceGraph.build(store, root);
  const buildMs = Number(process.hrtime.bigint() - t0) / 1e6;
  global.gc?.();
  const after = process.memoryUsage().rss;
  const heapUsed = process.memoryUsage().heapUsed;
  const lookups: number[] = [];
  let found = 0;
  for (const hex of samples) {
    const t = process.hrtime.bigint();
    found += graph.whereUsed(hex).length;
    lookups.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  lookups.sort((a, b) => a - b);
  await store.close();
  process.stdout.write(
    JSON.stringify({
      buildMs,
      rssBefore: before,
      rssAfter: after,
      heapUsed,
      maxRss: process.resourceUsage().maxRSS * 1024,
      p50: lookups[Math.floor(lookups.length / 2)],
      p99: lookups[Math.floor(lookups.length * 0.99)],
      found,
    }),
  );
}

main().catch((err) => {
  process.stderr.write(String(err?.stack ?? err));
  process.exit(1);
});
