// Compare at scale (issue 12): two images of 10,000 files and 100,000 cache pages each, half of them shared,
// diffed in process; and the first listing of an image folder of 10,000 entries over JSON-RPC.
// Baseline: reading and re-hashing the two images' nested manifests alone (what any diff must do first).
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { ImageFilesRequest } from '../shared/protocol';
import { FsBlobStore } from '../server/src/store/blobs/fsBlobStore';
import { listImages } from '../server/src/store/images/imageCatalog';
import { diffImages } from '../server/src/store/analysis/imageDiff';
import { startServer } from '../test/support/serverProcess';
import { writeBlob, writeImage, writePfcoreBlob } from '../test/support/storeFixtures';
import { ms, record } from './report';
import { medianMs, timeIt } from './timing';

const hexOf = (s: string) => createHash('sha256').update(s).digest('hex');

export async function benchDiff(work: string, files: number, pages: number): Promise<void> {
  const root = path.join(work, 'diff-store');
  const shared = writeBlob(root, 'shared\n');
  const make = (tag: string) => {
    const tree = JSON.stringify({
      kind: 'fs.tree.v1',
      entries: Array.from({ length: files }, (_, i) => ({
        path: `src/dir${i % 100}/file${i}.py`,
        size: 100 + i,
        blob: `sha256:${hexOf(i % 2 === 0 ? `file ${i}` : `file ${i} ${tag}`)}`,
      })),
    });
    const pageList = JSON.stringify({
      pages: Array.from({ length: pages }, (_, i) => ({
        k: `sha256:${hexOf(i % 2 === 0 ? `k ${i}` : `k ${i} ${tag}`)}`,
        v: `sha256:${hexOf(i % 2 === 0 ? `v ${i}` : `v ${i} ${tag}`)}`,
      })),
    });
    // pf-core's frame shape for the nested manifests, as a real store would have them.
    const fsHex = writePfcoreBlob(root, tree);
    const pagesHex = writePfcoreBlob(root, pageList);
    return writeImage(root, {
      base: shared,
      diff: shared,
      cachePages: pagesHex,
      fs: fsHex,
      env: shared,
      procs: shared,
      ledger: shared,
      messages: shared,
    });
  };
  const a = make('a');
  const b = make('b');
  const store = new FsBlobStore(root);
  try {
    const catalog = await listImages(root);
    const entryOf = (hex: string) => catalog.find((e) => e.hex === hex)!.manifest!;
    const readBoth = async () => {
      for (const m of [entryOf(a.hex), entryOf(b.hex)]) {
        await store.get(m.world.fs!);
        await store.get(m.cache.manifest!);
      }
    };
    await readBoth(); // warm the workers
    const baseline = await medianMs(3, readBoth);
    const diffMs = await medianMs(3, () => diffImages(store, catalog, a.hex, b.hex));
    record({
      name: `diff of two images, ${files.toLocaleString('en-US')} files and ${pages.toLocaleString('en-US')} pages each`,
      ours: ms(diffMs),
      baseline: `${ms(baseline)} (decode and re-hash the four nested manifests)`,
      ratio: diffMs / baseline,
      goal: '< 200 ms',
      met: diffMs < 200,
    });
  } finally {
    await store.close();
  }

  const server = await startServer(root);
  try {
    const first = await timeIt(() =>
      server.connection.sendRequest(ImageFilesRequest.type, { digest: `sha256:${a.hex}` }),
    );
    record({
      name: `image folder: first listing of ${files.toLocaleString('en-US')} entries (processfork/imageFiles)`,
      ours: ms(first),
      baseline: '',
      goal: '< 100 ms',
      met: first < 100,
    });
  } finally {
    await server.stop();
  }
}
