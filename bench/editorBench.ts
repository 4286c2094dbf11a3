// In the real editor (code-server, VS Code 1.100.3): activation time, and activation to the first page of the
// tree, on a 100,000-blob store against an empty store in the same run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureCodeServer, runMode } from '../test/e2e/runE2E';
import { writeDemoImage, writeManyBlobs } from '../test/support/storeFixtures';
import { ms, record } from './report';

async function measure(base: string, blobs: number): Promise<Record<string, number>> {
  const store = path.join(base, 'store');
  const workspace = path.join(base, 'workspace');
  fs.mkdirSync(workspace, { recursive: true });
  fs.mkdirSync(store, { recursive: true });
  if (blobs > 0) {
    writeManyBlobs(store, blobs, 'editor-bench');
    writeDemoImage(store, 'editor-bench');
  }
  const result = await runMode('bench', { store, workspace });
  if (result.exitCode !== 0) {
    throw new Error(`the editor benchmark failed; see test-artifacts/log-bench.txt`);
  }
  return result.metrics;
}

export async function benchEditor(work: string, blobCount: number): Promise<void> {
  ensureCodeServer();
  const empty = await measure(path.join(work, 'editor-empty'), 0);
  const full = await measure(path.join(work, 'editor-full'), blobCount);
  record({
    name: 'editor: activation to server ready',
    ours: ms(full.activation_ms),
    baseline: `${ms(empty.activation_ms)} (empty store)`,
    ratio: full.activation_ms / empty.activation_ms,
  });
  record({
    name: `editor: activation to first tree page, ${blobCount} blobs`,
    ours: ms(full.first_page_ms),
    baseline: `${ms(empty.first_page_ms)} (empty store)`,
    ratio: full.first_page_ms / empty.first_page_ms,
    goal: '< 1500 ms',
    met: full.first_page_ms < 1500,
  });
}
