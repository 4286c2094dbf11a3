// pfstore diff and log on images built with shared and changed files and pages, a fork and a merge, with a
// nested manifest in pf-core's frame shape.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, describe, test } from 'node:test';
import { CLI_JS } from '../support/serverProcess';
import { tempStore, writeBlob, writeDemoImage, writeImage, writePfcoreBlob } from '../support/storeFixtures';
import { envText } from '../support/pfLayerText';

const CLI = CLI_JS;
const json = (args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, '--json', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
};

describe('diff and log', () => {
  let root: string;
  let a: ReturnType<typeof writeDemoImage>;
  let b: { hex: string };
  let c: { hex: string };
  let merge: { hex: string };
  let changedRun: string;
  let added: string;
  let sharedK: string;
  let sharedV: string;
  let bPagesHex: string;

  before(() => {
    root = tempStore();
    a = writeDemoImage(root, 'alpha');
    changedRun = writeBlob(root, '#!/bin/sh\necho changed\n');
    added = writeBlob(root, 'a new file\n');
    const tree = JSON.stringify({
      kind: 'fs.tree.v1',
      entries: [
        { path: 'work', size: 0 },
        { path: 'work/run.sh', size: 22, blob: `sha256:${changedRun}` },
        { path: 'work/new.txt', size: 11, blob: `sha256:${added}` },
      ],
    });
    // The alpha image's one page is kept; one page is new.
    const alphaPages = JSON.parse(
      spawnSync(process.execPath, [CLI, '--store', root, 'get', `sha256:${a.spec.cachePages}`], { encoding: 'utf8' })
        .stdout,
    );
    sharedK = alphaPages.pages[0].k;
    sharedV = alphaPages.pages[0].v;
    const newPage = { k: `sha256:${writeBlob(root, 'k2')}`, v: `sha256:${writeBlob(root, 'v2')}` };
    b = writeImage(root, {
      ...a.spec,
      fs: writePfcoreBlob(root, tree), // a nested manifest in pf-core's frame shape
      cachePages: (bPagesHex = writeBlob(root, JSON.stringify({ pages: [{ k: sharedK, v: sharedV }, newPage] }))),
      env: writeBlob(root, envText({ PATH: '/usr/bin', TAG: 'beta' })),
      parents: [a.hex],
      createdAt: '2026-11-21T10:00:00Z',
    });
    c = writeImage(root, {
      ...a.spec,
      env: writeBlob(root, envText({ TAG: 'gamma' })),
      parents: [a.hex],
      createdAt: '2026-11-21T11:00:00Z',
    });
    merge = writeImage(root, { ...a.spec, parents: [b.hex, c.hex], createdAt: '2026-11-22T09:00:00Z' });
  });

  test('diff names changed layers, files added, removed and changed with sizes, and pages', () => {
    const d = json(['--store', root, 'diff', `sha256:${a.hex}`, `sha256:${b.hex}`]);
    assert.equal(d.relation, 'a-is-ancestor-of-b');
    assert.deepEqual(d.layers.map((l: { layer: string }) => l.layer).sort(), [
      'cache.manifest',
      'world.env',
      'world.fs',
    ]);
    assert.deepEqual(d.files.added, [{ path: 'work/new.txt', digest: `sha256:${added}`, size: 11 }]);
    assert.deepEqual(d.files.removed, [
      { path: 'work/notes.txt', digest: `sha256:${a.fileBlobs[1]}`, size: 'alpha notes\n'.length },
    ]);
    assert.deepEqual(d.files.changed, [
      {
        path: 'work/run.sh',
        from: `sha256:${a.fileBlobs[0]}`,
        to: `sha256:${changedRun}`,
        fromSize: '#!/bin/sh\necho alpha\n'.length,
        toSize: 22,
      },
    ]);
    assert.deepEqual(d.pages, { shared: 1, added: 1, removed: 0 });
  });

  test('diff the other way round, and of unrelated siblings', () => {
    const back = json(['--store', root, 'diff', `sha256:${b.hex}`, `sha256:${a.hex}`]);
    assert.equal(back.relation, 'b-is-ancestor-of-a');
    assert.equal(back.files.added[0].path, 'work/notes.txt');
    assert.deepEqual(back.pages, { shared: 1, added: 0, removed: 1 });
    assert.equal(json(['--store', root, 'diff', `sha256:${b.hex}`, `sha256:${c.hex}`]).relation, 'unrelated');
  });

  test("page lists in another shape (key order, spacing) compare the same as pf's own", () => {
    const pages = JSON.parse(
      spawnSync(process.execPath, [CLI, '--store', root, 'get', `sha256:${bPagesHex}`], { encoding: 'utf8' }).stdout,
    ).pages as Array<{ k: string; v: string }>;
    const reordered = `{ "pages": [ ${pages.map((p) => `{ "v": "${p.v}", "k": "${p.k}" }`).join(', ')} ] }`;
    const d = writeImage(root, {
      ...a.spec,
      cachePages: writeBlob(root, reordered),
      createdAt: '2026-11-19T09:00:00Z',
    });
    assert.deepEqual(json(['--store', root, 'diff', `sha256:${b.hex}`, `sha256:${d.hex}`]).pages, {
      shared: 2,
      added: 0,
      removed: 0,
    });
  });

  test("a page listed twice counts once, in pf's shape and in another alike", () => {
    const pages = JSON.parse(
      spawnSync(process.execPath, [CLI, '--store', root, 'get', `sha256:${bPagesHex}`], { encoding: 'utf8' }).stdout,
    ).pages as Array<{ k: string; v: string }>;
    const twice = [...pages, pages[0]];
    const compact = writeBlob(root, JSON.stringify({ pages: twice }));
    const spaced = writeBlob(root, JSON.stringify({ pages: twice.map((p) => ({ v: p.v, k: p.k })) }, null, 1));
    for (const [i, list] of [compact, spaced].entries()) {
      const d = writeImage(root, { ...a.spec, cachePages: list, createdAt: `2026-11-19T10:0${i}:00Z` });
      for (const [from, to] of [
        [b.hex, d.hex],
        [d.hex, b.hex],
      ]) {
        assert.deepEqual(json(['--store', root, 'diff', `sha256:${from}`, `sha256:${to}`]).pages, {
          shared: 2,
          added: 0,
          removed: 0,
        });
      }
    }
  });

  test('log: newest first, with merges and forks; with an image, only its ancestry', () => {
    const all = json(['--store', root, 'log']).images;
    assert.equal(all[0].image, `sha256:${merge.hex}`);
    assert.equal(all[0].merge, true);
    assert.deepEqual(all[0].parents, [`sha256:${b.hex}`, `sha256:${c.hex}`]);
    const alpha = all.find((e: { image: string }) => e.image === `sha256:${a.hex}`);
    assert.deepEqual(alpha.children.sort(), [`sha256:${b.hex}`, `sha256:${c.hex}`].sort(), 'alpha forks into two');
    const ofB = json(['--store', root, 'log', `sha256:${b.hex}`]).images.map((e: { image: string }) => e.image);
    assert.deepEqual(ofB, [`sha256:${b.hex}`, `sha256:${a.hex}`]);
  });
});
