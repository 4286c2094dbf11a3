// Language-server benchmarks (issue 3), over real JSON-RPC to the bundled server on a 100,000-blob store.
// Baseline: the same server's round trip for a hover that lands on no digest (the JSON-RPC floor).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { HoverRequest } from 'vscode-languageserver-protocol';
import { ListBlobsRequest, ListShardsRequest } from '../shared/protocol';
import { startServer } from '../test/support/serverProcess';
import { writeDemoImage, writeManyBlobs } from '../test/support/storeFixtures';
import { mib, ms, record } from './report';
import { percentile, timeIt } from './timing';

function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024;
}

export async function benchServer(work: string, blobCount: number): Promise<void> {
  const root = path.join(work, 'server-store');
  const hexes = writeManyBlobs(root, blobCount, 'server');
  writeDemoImage(root, 'bench');

  // First page of the tree, from the moment the server process is spawned: start-up reads no shard (the
  // blobs are counted in the background), so listShards answers at once with what is known.
  let cold!: Awaited<ReturnType<typeof startServer>>;
  let firstPageMs = 0;
  const startMs = await timeIt(async () => {
    cold = await startServer(root);
  });
  firstPageMs = startMs + (await timeIt(() => cold.connection.sendRequest(ListShardsRequest.type, {})));
  record({
    name: `first tree page (listShards), ${blobCount.toLocaleString('en-US')} blobs, from server spawn`,
    ours: ms(firstPageMs),
    baseline: `${ms(startMs)} (spawn to initialized)`,
    ratio: firstPageMs / startMs,
    goal: '< 1000 ms',
    met: firstPageMs < 1000,
  });
  const rssStart = rssOf(cold.child.pid!);
  // Expanding shards while the count runs, as a person opens one after another: shards from the top, which the
  // count (from 00 up) reaches last, one every 100 ms; the worst of them is what the goal is about.
  const during: number[] = [];
  const counted = () => cold.statuses.some((st) => st.blobCount !== undefined);
  for (let i = 0; i < 20 && !counted(); i++) {
    const shard = (255 - i * 3).toString(16).padStart(2, '0');
    during.push(await timeIt(() => cold.connection.sendRequest(ListBlobsRequest.type, { shard, limit: 500 })));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const listFloorMs = await timeIt(() => cold.connection.sendRequest(ListBlobsRequest.type, { shard: 'ff', limit: 1 }));
  if (during.length === 0) {
    // The count won the race (a small store): one expand of a shard read since.
    during.push(await timeIt(() => cold.connection.sendRequest(ListBlobsRequest.type, { shard: '7f', limit: 500 })));
  }
  // The first expand lands while the server is still starting (its workers boot, the watcher attaches, the count
  // and the reference graph begin): reported on its own, beside the worst of the expands that follow.
  const [first, ...rest] = during;
  const later = rest.length > 0 ? rest : [first];
  const worst = later.reduce((a, b) => Math.max(a, b), 0);
  const median = percentile(
    [...later].sort((a, b) => a - b),
    50,
  );
  record({
    name: 'expand a shard (listBlobs, 500) at once after the first page, the count starting',
    ours: ms(first),
    baseline: `${ms(listFloorMs)} (a read shard, 1 item, warm)`,
    ratio: first / listFloorMs,
    goal: '< 50 ms',
    met: first < 50,
  });
  record({
    name: `expand a shard (listBlobs, 500) during the count: worst of the next ${later.length}, median ${ms(median)}`,
    ours: ms(worst),
    baseline: `${ms(listFloorMs)} (a read shard, 1 item, warm)`,
    ratio: worst / listFloorMs,
    goal: '< 50 ms',
    met: worst < 50,
  });

  const countStart = Date.now();
  await cold.waitFor('the blob count', () => cold.statuses.find((st) => st.blobCount !== undefined), 600_000);
  record({
    name: 'full blob count arrives (background), after the first page',
    ours: ms(Date.now() - countStart),
    baseline: '',
  });
  let cursor: string | undefined;
  do {
    cursor = (await cold.connection.sendRequest(ListBlobsRequest.type, { limit: 5000, cursor })).nextCursor;
  } while (cursor);
  const rssAfter = rssOf(cold.child.pid!);
  record({
    name: 'server RSS after listing every blob',
    ours: mib(rssAfter),
    baseline: `${mib(rssStart)} (after initialize)`,
    ratio: rssAfter / rssStart,
    goal: '< 150 MiB',
    met: rssAfter < 150 << 20,
  });

  // Hovers: a tree document naming 1,000 distinct blobs, each hovered once (cold facts), as a person scrolls.
  const picked = hexes.filter((_, i) => i % Math.floor(blobCount / 1000) === 0).slice(0, 1000);
  const text = JSON.stringify(
    { kind: 'fs.tree.v1', entries: picked.map((h, i) => ({ path: `f${i}`, size: 1, blob: `sha256:${h}` })) },
    null,
    1,
  );
  const uri = pathToFileURL(path.join(work, 'bench.pfimg')).toString();
  await cold.open(uri, text);
  const lines = text.split('\n');
  const positions = lines.flatMap((l, line) =>
    l.includes('sha256:') ? [{ line, character: l.indexOf('sha256:') + 10 }] : [],
  );
  const floor: number[] = [];
  const hover: number[] = [];
  for (let i = 0; i < positions.length; i++) {
    floor.push(
      await timeIt(() =>
        cold.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 0, character: 0 } }),
      ),
    );
    hover.push(
      await timeIt(() =>
        cold.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positions[i] }),
      ),
    );
  }
  hover.sort((a, b) => a - b);
  floor.sort((a, b) => a - b);
  const p50 = percentile(hover, 50);
  const p99 = percentile(hover, 99);
  record({
    name: `hover on a digest, ${hover.length} distinct blobs, median`,
    ours: ms(p50),
    baseline: `${ms(percentile(floor, 50))} (hover off any digest)`,
    ratio: p50 / percentile(floor, 50),
  });
  record({
    name: 'hover on a digest, p99',
    ours: ms(p99),
    baseline: `${ms(percentile(floor, 99))} (hover off any digest)`,
    ratio: p99 / percentile(floor, 99),
    goal: '< 5 ms',
    met: p99 < 5,
  });
  await cold.stop();
}
