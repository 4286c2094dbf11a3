// In the real editor (code-server, VS Code 1.100.3): activation time, and activation to the first page of the
// tree, on a 100,000-blob store against an empty store in the same run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureCodeServer, runMode } from '../test/e2e/runE2E';
import { entry, ledgerText, traceText, writePfImage } from '../test/support/pfLayers';
import { writeDemoImage, writeManyBlobs } from '../test/support/storeFixtures';
import { writeEffectsLineage } from './effectsBench';

const LONG = 10_000;
/** Snapshots in the lineage whose effects panel is opened (about 100 ledger lines each). */
const EFFECTS_LINEAGE = 1000;
import { ms, record } from './report';

async function measure(base: string, blobs: number): Promise<Record<string, number>> {
  const store = path.join(base, 'store');
  const workspace = path.join(base, 'workspace');
  fs.mkdirSync(workspace, { recursive: true });
  fs.mkdirSync(store, { recursive: true });
  if (blobs > 0) {
    writeManyBlobs(store, blobs, 'editor-bench');
    writeDemoImage(store, 'editor-bench');
    writeLongSession(store);
    writeEffectsLineage(store, EFFECTS_LINEAGE, EFFECTS_LINEAGE * 100);
  }
  const result = await runMode('bench', { store, workspace });
  if (result.exitCode !== 0) {
    throw new Error(`the editor benchmark failed; see test-artifacts/log-bench.txt`);
  }
  return result.metrics;
}

/** A snapshot as pf writes it with 10,000 messages and 10,000 chained tool calls: the view's first-paint case. */
function writeLongSession(store: string): void {
  const messages = Array.from({ length: LONG }, (_, i) => ({
    role: i % 2 ? 'assistant' : 'user',
    content: `Step ${i}: looking at \`src/module_${i % 97}.py\` and the failing test.`,
  }));
  const calls = Array.from({ length: LONG }, (_, i) => entry(i, i % 7 === 0 ? 'git_commit' : 'read_file'));
  writePfImage(store, {
    name: 'long-session',
    createdAt: '2026-11-20T09:14:03Z',
    trace: traceText(messages),
    ledger: ledgerText(calls, { secretHex: '5e'.repeat(32) }),
  });
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
  record({
    name: `editor: Open Snapshot to first paint, ${LONG.toLocaleString('en-US')} messages and ${LONG.toLocaleString('en-US')} tool calls`,
    ours: ms(full.snapshot_paint_ms),
    baseline: `${ms(full.blob_document_ms)} (the same conversation opened as a blob document)`,
    ratio: full.snapshot_paint_ms / full.blob_document_ms,
    goal: '< 300 ms',
    met: full.snapshot_paint_ms < 300,
  });
  record({
    name: `editor: Show Effects of Lineage to first screen, ${EFFECTS_LINEAGE.toLocaleString('en-US')} snapshots`,
    ours: ms(full.effects_paint_ms),
    baseline: `${ms(full.effects_request_ms)} (its request alone, processfork/effects)`,
    ratio: full.effects_paint_ms / full.effects_request_ms,
    goal: '< 500 ms',
    met: full.effects_paint_ms < 500,
  });
}
