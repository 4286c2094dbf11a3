// The manifest parser and the images/ catalog against manifests in pf-core's exact byte form.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { listImages } from '../../server/src/store/images/imageCatalog';
import {
  manifestReferences,
  parseManifest,
  parseNestedReferences,
  unsafeEntryPath,
} from '../../server/src/store/images/manifest';
import { manifestJson, sha256Hex, tempStore, writeDemoImage } from '../support/storeFixtures';

const h = (c: string) => c.repeat(64);
const SPEC = {
  base: h('1'),
  diff: h('2'),
  cachePages: h('3'),
  fs: h('4'),
  env: h('5'),
  procs: h('6'),
  ledger: h('7'),
  messages: h('8'),
};

test('reads the compact snake_case form pf-core writes', () => {
  const { manifest, problems } = parseManifest(manifestJson({ ...SPEC, parents: [h('9')] }));
  assert.deepEqual(problems, []);
  assert.equal(manifest!.schemaVersion, 1);
  assert.equal(manifest!.agent.kind, 'langgraph');
  assert.equal(manifest!.world.fs, h('4'));
  assert.deepEqual(manifest!.parents, [h('9')]);
  const refs = manifestReferences(manifest!);
  assert.deepEqual(
    refs.map((r) => r.layer),
    [
      'model.base',
      'model.diff',
      'cache.manifest',
      'world.fs',
      'world.env',
      'world.procs',
      'effects.ledger',
      'trace.messages',
      'parents[0]',
    ],
  );
  assert.equal(refs[8].kind, 'image');
});

test('reads the camelCase form of the prose docs, and parents may be absent', () => {
  const snake = JSON.parse(manifestJson(SPEC));
  const camel = {
    schemaVersion: 1,
    mediaType: snake.media_type,
    agent: snake.agent,
    model: snake.model,
    cache: snake.cache,
    world: snake.world,
    effects: snake.effects,
    trace: snake.trace,
    createdAt: snake.created_at,
  };
  const { manifest, problems } = parseManifest(JSON.stringify(camel));
  assert.deepEqual(problems, []);
  assert.deepEqual(manifest!.parents, []);
  assert.equal(manifest!.createdAt, snake.created_at);
});

test('reports each schema problem at its path, never throws', () => {
  const m = JSON.parse(manifestJson(SPEC));
  m.schema_version = 2;
  m.media_type = 'application/json';
  m.model.base = 'sha256:XYZ';
  delete m.world.env;
  m.created_at = 'yesterday';
  m.parents = [h('a'), h('b'), h('c')].map((x) => `sha256:${x}`);
  m.extra = true;
  const { problems } = parseManifest(JSON.stringify(m));
  const paths = problems.map((p) => p.path);
  for (const p of ['schema_version', 'media_type', 'model.base', 'world.env', 'created_at', 'parents', 'extra']) {
    assert.ok(paths.includes(p), `no problem at ${p}: ${paths.join(', ')}`);
  }
  assert.equal(problems.find((p) => p.path === 'extra')!.severity, 'warning');
  for (const bad of ['', 'not json', '[]', 'null', '{"schema_version":1}']) {
    assert.ok(parseManifest(bad).problems.length > 0, bad);
  }
});

test('nested trees and page manifests yield their digests; unsafe entry paths are problems', () => {
  const tree = JSON.stringify({
    kind: 'fs.tree.v1',
    entries: [
      { path: 'a/b', size: 1, blob: `sha256:${h('1')}` },
      { path: 'dir', size: 0 },
      { path: '../../etc/passwd', size: 1, blob: `sha256:${h('2')}` },
      { path: '/abs', size: 1 },
    ],
  });
  const t = parseNestedReferences(tree);
  assert.equal(t.kind, 'fs.tree.v1');
  assert.deepEqual(
    t.refs.map((r) => [r.hex, r.path]),
    [
      [h('1'), 'a/b'],
      [h('2'), '../../etc/passwd'],
    ],
  );
  assert.deepEqual(
    t.problems.map((p) => p.path),
    ['entries[2].path', 'entries[3].path'],
  );
  const pages = parseNestedReferences(JSON.stringify({ pages: [{ k: `sha256:${h('3')}`, v: `sha256:${h('4')}` }] }));
  assert.equal(pages.kind, 'cache.pages');
  assert.deepEqual(
    pages.refs.map((r) => r.layer),
    ['pages[0].k', 'pages[0].v'],
  );
  for (const p of ['..', 'a/../b', '/x', 'C:\\x', 'a\0b']) {
    assert.equal(unsafeEntryPath(p), true, p);
  }
  for (const p of ['a', 'a/b', '.hidden', 'a..b']) {
    assert.equal(unsafeEntryPath(p), false, p);
  }
});

test('each malformed part of a nested manifest is a problem at its path, never a throw', () => {
  const cases: Array<[unknown, string | null, Array<[string, RegExp]>]> = [
    [{ kind: 'fs.tree.v1' }, 'fs.tree.v1', [['entries', /needs an entries array/]]],
    [
      { kind: 'fs.tree.v1', entries: [7, { size: 1 }, { path: 'x', blob: 'sha256:nope' }] },
      'fs.tree.v1',
      [
        ['entries[0]', /must be an object/],
        ['entries[1].path', /needs a string path/],
        ['entries[2].blob', /malformed digest/],
      ],
    ],
    [
      { pages: ['k', { v: `sha256:${h('5')}` }, { k: `sha256:${h('6')}`, v: 'sha256:ZZ' }] },
      'cache.pages',
      [
        ['pages[0]', /must be an object \{k, v\}/],
        ['pages[1].k', /a page needs k/],
        ['pages[2].v', /malformed digest/],
      ],
    ],
    [[1, 2], null, []],
    [{ something: 'else' }, null, []],
  ];
  for (const [raw, kind, problems] of cases) {
    const parsed = parseNestedReferences(JSON.stringify(raw));
    assert.equal(parsed.kind, kind, JSON.stringify(raw));
    assert.deepEqual(
      parsed.problems.map((p) => p.path),
      problems.map(([at]) => at),
    );
    parsed.problems.forEach((p, i) => assert.match(p.message, problems[i][1]));
  }
  const broken = parseNestedReferences('{"pages": [');
  assert.equal(broken.kind, null);
  assert.match(broken.problems[0].message, /not valid JSON at line 1/);
});

test('the catalog lists images, checks each file hashes to its name, and shows what pf-core skips', async () => {
  const root = tempStore();
  try {
    const img = writeDemoImage(root, 'catalog');
    assert.equal(sha256Hex(fs.readFileSync(img.file)), img.hex);
    fs.writeFileSync(path.join(root, 'images', 'notes.json'), '{}');
    const edited = path.join(root, 'images', `${h('f')}.json`);
    fs.writeFileSync(edited, JSON.stringify(JSON.parse(img.json), null, 2));
    const entries = await listImages(root);
    const byName = new Map(entries.map((e) => [e.fileName, e]));
    assert.deepEqual(byName.get(`${img.hex}.json`)!.problems, []);
    assert.match(byName.get('notes.json')!.problems[0].message, /not named/);
    assert.match(byName.get(`${h('f')}.json`)!.problems[0].message, /hash to/);
    assert.deepEqual(await listImages(path.join(root, 'nowhere')), []);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
