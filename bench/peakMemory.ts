// Child process for the memory benchmark: put then get one large file, print the peak RSS (worker threads
// included, since they share the process).
import * as path from 'node:path';
import { FsBlobStore } from '../server/src/store/blobs/fsBlobStore';

async function main(): Promise<void> {
  const [root, file] = process.argv.slice(2);
  const baselineRssBytes = process.memoryUsage().rss;
  const store = new FsBlobStore(root);
  const { hex } = await store.putFile(file);
  await store.getToFile(hex, path.join(root, 'roundtrip.bin'));
  await store.close();
  process.stdout.write(JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024, baselineRssBytes }));
}

main().catch((err) => {
  process.stderr.write(String(err?.stack ?? err));
  process.exit(1);
});
