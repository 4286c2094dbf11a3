// The effects page's pieces that run without a browser: where each snapshot sits in the lineage graph (a long
// lineage stays narrow), and the host's check of what the page sends.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { placeLanes } from '../../client/pages/effects/lanes';
import { checkedEffectsMessage } from '../../shared/effects/pageMessages';
import type { LineageSnapshot } from '../../shared/protocol/effects';

const snap = (image: string, parents: string[] = [], merge = false): LineageSnapshot => ({
  image,
  name: image,
  createdAt: null,
  parents,
  merge,
});

test('a snapshot keeps its lane for its last child; forks take a free lane; a finished lane is reused', () => {
  const lineage = [
    snap('root'),
    snap('a', ['root']), // a fork: root still has a child to come, so a lane of its own
    snap('b', ['root']), // root's last child: root's lane
    snap('m', ['a', 'b'], true), // the last child of both: a's lane; b's is freed
    snap('c', ['m']), // a fork of the merge: the lowest free lane (b's old one)
    snap('d', ['m']), // the merge's last child: its lane
  ];
  const { placed, lanes } = placeLanes(lineage);
  const lane = (id: string) => placed.get(id)!.lane;
  assert.deepEqual(
    lineage.map((s) => placed.get(s.image)!.row),
    [0, 1, 2, 3, 4, 5],
  );
  assert.notEqual(lane('a'), lane('root'));
  assert.equal(lane('b'), lane('root'));
  assert.equal(lane('m'), lane('a'));
  assert.equal(lane('c'), lane('b'), 'the lane b left is taken again');
  assert.equal(lane('d'), lane('m'));
  assert.equal(lanes, 2);
});

test('a hundred forks of one snapshot, each finished before the next: two lanes, not a hundred', () => {
  const lineage = [snap('root')];
  for (let i = 0; i < 100; i++) {
    lineage.push(snap(`f${i}`, ['root']));
  }
  assert.equal(placeLanes(lineage).lanes, 2);
});

test('the host acts only on well-formed effects page messages', () => {
  const digest = `sha256:${'cd'.repeat(32)}`;
  assert.deepEqual(checkedEffectsMessage({ type: 'openSnapshot', image: digest, entry: 3 }), {
    type: 'openSnapshot',
    image: digest,
    entry: 3,
  });
  assert.deepEqual(checkedEffectsMessage({ type: 'openSnapshot', image: digest, entry: -1 }), {
    type: 'openSnapshot',
    image: digest,
  });
  for (const bad of [
    null,
    { type: 'openSnapshot', image: 'before-refactor' },
    { type: 'moreCalls', offset: 0.5 },
    { type: 'selected', key: 'k'.repeat(513) },
    { type: 'dumped', text: {} },
    { type: 'constructor' },
  ]) {
    assert.equal(checkedEffectsMessage(bad), undefined, JSON.stringify(bad));
  }
});
