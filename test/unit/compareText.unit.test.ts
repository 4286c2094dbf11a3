// Compare's words: the title counts exactly the rows listed, names the snapshots and how they are related, and
// a change of agent version alone is a change; a changed trace or ledger always has its row.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareRows, compareTitle } from '../../shared/snapshots/compareText';
import type { DiffImagesResult } from '../../shared/protocol';

const A = `sha256:${'a1'.repeat(32)}`;
const B = `sha256:${'b2'.repeat(32)}`;
const d = (n: string) => `sha256:${n.repeat(64)}`;

function diff(over: Partial<DiffImagesResult> = {}): DiffImagesResult {
  return {
    a: A,
    b: B,
    relation: 'unrelated',
    layers: [],
    files: { added: [], removed: [], changed: [] },
    pages: { shared: 0, added: 0, removed: 0 },
    snapshot: { agent: [], conversation: null, toolCalls: null },
    ...over,
  };
}

/** Rows that are not files: what the title's "agent field" and "layer" counts must add up to. */
const nonFileRows = (x: DiffImagesResult) => compareRows(x).filter((r) => r.kind !== 'file').length;

describe('compare words', () => {
  test('two images differing only in pf version: one row, and the title counts it', () => {
    const x = diff({
      snapshot: { agent: [{ field: 'version', from: '1.0.12', to: '1.0.15' }], conversation: null, toolCalls: null },
    });
    assert.deepEqual(compareRows(x), [{ kind: 'agent', label: 'pf version', description: '1.0.12 → 1.0.15' }]);
    assert.match(compareTitle(x), /: 1 agent field, 0 layers and 0 files changed, 0 added, 0 removed$/);
  });

  test('the relation is in the title, by name, and says who descends from whom', () => {
    const x = diff({ relation: 'a-is-ancestor-of-b' });
    assert.equal(
      compareTitle(x, { a: 'before-refactor', b: 'after-refactor' }),
      'Compare before-refactor → after-refactor (after-refactor descends from before-refactor): 0 layers and 0 files changed, 0 added, 0 removed',
    );
    assert.match(compareTitle(diff({ relation: 'b-is-ancestor-of-a' })), /\(a1a1a1a1a1a1 descends from b2b2b2b2b2b2\)/);
  });

  test('six changed layers: six rows, whatever the conversation and tool calls say', () => {
    const layers = ['trace.messages', 'effects.ledger', 'world.env', 'world.fs', 'model.diff', 'cache.manifest'].map(
      (layer, i) => ({ layer, from: d(String(i)), to: d(String(i + 1)) }),
    );
    // A shorter conversation (nothing added) and a re-signed ledger of the same length: still changed layers.
    const x = diff({
      layers,
      pages: { shared: 3, added: 1, removed: 2 },
      snapshot: {
        agent: [],
        conversation: { from: 7, to: 5, commonPrefix: 5, added: 0, changed: 0, firstAdded: [], partial: false },
        toolCalls: { from: 6, to: 6, firstAdded: [] },
      },
    });
    const rows = compareRows(x);
    assert.equal(rows.length, 6);
    assert.equal(nonFileRows(x), layers.length);
    assert.match(compareTitle(x), /: 6 layers and 0 files changed/);
    const conv = rows.find((r) => r.kind === 'conversation')!;
    assert.match(conv.description, /^7 → 5 messages: 0 messages after the first 5 in common, 2 messages fewer$/);
    assert.match(rows.find((r) => r.kind === 'toolCalls')!.description, /6 → 6: the same count, the record rewritten/);
    const cache = rows.find((r) => r.kind === 'layer' && r.layer === 'cache.manifest');
    assert.equal(cache && 'detail' in cache ? cache.detail : undefined, 'Pages: 3 shared, 1 added, 2 dropped');
  });

  test('files are counted as they are listed', () => {
    const x = diff({
      files: {
        changed: [{ path: 'src/a.py', from: d('1'), to: d('2'), fromSize: 10, toSize: 12 }],
        added: [{ path: 'NOTES.md', digest: d('3'), size: 5 }],
        removed: [],
      },
    });
    assert.deepEqual(
      compareRows(x).map((r) => (r.kind === 'file' ? `${r.change} ${r.label}` : r.kind)),
      ['changed src/a.py', 'added NOTES.md'],
    );
    assert.match(compareTitle(x), /0 layers and 1 file changed, 1 added, 0 removed$/);
  });
});
