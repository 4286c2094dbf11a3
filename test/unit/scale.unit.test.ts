// Lists that grow with the store, at the sizes an attack reached: each of these once overflowed the stack (a
// spread of a large array into a call) or took quadratic time. Each must finish, with the right answer.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { test } from 'node:test';
import { parseOciRef } from '../../server/src/oci/ociRef';
import { RegistryClient } from '../../server/src/oci/registryClient';
import { lineageLog, relationOf } from '../../server/src/store/analysis/lineage';
import type { CatalogEntry } from '../../server/src/store/images/imageCatalog';
import { parseManifest } from '../../server/src/store/images/manifest';
import { CLI_JS } from '../support/serverProcess';
import { tempStore, writeBlob, writeDemoImage, writeImage } from '../support/storeFixtures';

/** The catalog as listImages reads it, for one small store (synchronously, for building large ones in memory). */
function listImagesSync(root: string): CatalogEntry[] {
  const dir = path.join(root, 'images');
  return fs.readdirSync(dir).map((fileName) => {
    const text = fs.readFileSync(path.join(dir, fileName), 'utf8');
    return {
      hex: fileName.slice(0, 64),
      fileName,
      manifest: parseManifest(text).manifest,
      problems: [],
      bytes: text.length,
    };
  });
}

const hexOf = (text: string) => createHash('sha256').update(text).digest('hex');
const pfstore = (root: string, ...args: string[]) =>
  spawnSync(process.execPath, [CLI_JS, '--store', root, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });

function assertNoOverflow(r: ReturnType<typeof pfstore>): void {
  assert.doesNotMatch(r.stderr, /Maximum call stack|RangeError/, r.stderr.slice(0, 500));
}

test('verify --image over a page manifest of 100,000 pages: each missing page named, exit 1 (missing blobs)', () => {
  const root = tempStore();
  const demo = writeDemoImage(root, 'pages');
  const pages = Array.from({ length: 100_000 }, (_, i) => ({
    k: `sha256:${hexOf(`k${i}`)}`,
    v: `sha256:${hexOf(`v${i}`)}`,
  }));
  const image = writeImage(root, {
    ...demo.spec,
    cachePages: writeBlob(root, JSON.stringify({ pages }), { fast: true }),
  });
  const r = pfstore(root, '--json', 'verify', '--image', `sha256:${image.hex}`);
  assertNoOverflow(r);
  assert.equal(r.status, 1, r.stderr.slice(0, 500));
  const result = JSON.parse(r.stdout) as { problems: Array<{ kind: string }> };
  assert.equal(result.problems.filter((p) => p.kind === 'not-found').length, 200_000);
});

test('log of an image with 200,000 parents not in the catalog', () => {
  const root = tempStore();
  const demo = writeDemoImage(root, 'family');
  const parents = Array.from({ length: 200_000 }, (_, i) => hexOf(`parent ${i}`));
  const orphan = writeImage(root, { ...demo.spec, parents, createdAt: '2026-11-22T10:00:00Z' }, { fast: true });
  const started = Date.now();
  const text = pfstore(root, 'log', `sha256:${orphan.hex}`);
  assertNoOverflow(text);
  assert.equal(text.status, 0, text.stderr.slice(0, 500));
  assert.equal(text.stdout.match(/\(not in the catalog\)/g)?.length, 200_000);
  const json = pfstore(root, '--json', 'log', `sha256:${orphan.hex}`);
  assertNoOverflow(json);
  assert.equal(JSON.parse(json.stdout).images[0].missingParents.length, 200_000);

  // Not a timed assertion of speed (that is the bench's job): a quadratic walk took 23 s at 60,000 parents.
  assert.ok(Date.now() - started < 60_000);
});

test('the lineage of 100,000 children of one image, and of a chain 100,000 images deep', () => {
  const root = tempStore();
  const demo = writeDemoImage(root, 'family');
  const [entry] = listImagesSync(root);
  const child = (i: number, parent: string): CatalogEntry => ({
    ...entry,
    hex: hexOf(`child ${i}`),
    manifest: { ...entry.manifest!, parents: [parent], createdAt: `2026-11-23T00:00:${String(i).padStart(6, '0')}Z` },
  });
  const forks = [entry, ...Array.from({ length: 100_000 }, (_, i) => child(i, demo.hex))];
  const [ofRoot] = lineageLog(forks, demo.hex);
  assert.equal(ofRoot.children.length, 100_000);

  const chain = [entry];
  for (let i = 0; i < 100_000; i++) {
    chain.push(child(i, chain[chain.length - 1].hex));
  }
  const tip = chain[chain.length - 1].hex;
  assert.equal(lineageLog(chain, tip).length, 100_001, 'the whole ancestry of the tip');
  assert.equal(relationOf(chain, demo.hex, tip), 'a-is-ancestor-of-b');
});

test('gc, verify and stats with 150,000 temporary files in one shard folder', () => {
  const root = tempStore();
  writeDemoImage(root, 'temps');
  const hex = hexOf('a writer that died');
  const shard = path.join(root, 'blobs', 'sha256', hex.slice(0, 2));
  fs.mkdirSync(shard, { recursive: true });
  for (let i = 0; i < 150_000; i++) {
    fs.writeFileSync(path.join(shard, `${hex}.tmp.999999.${i}`), '');
  }
  const verify = pfstore(root, '--json', 'verify');
  assertNoOverflow(verify);
  const checked = JSON.parse(verify.stdout) as { problems: Array<{ kind: string }> };
  assert.ok(checked.problems.filter((p) => p.kind === 'temp-file').length >= 150_000 || verify.status === 0);
  for (const args of [['stats'], ['gc', '--dry-run'], ['gc', '--unreferenced', '--dry-run']]) {
    const r = pfstore(root, ...args);
    assertNoOverflow(r);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr.slice(0, 300)}`);
  }
});

test('the tag list of a repository with 200,000 tags', async () => {
  const tags = Array.from({ length: 200_000 }, (_, i) => `t${i}`);
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/v2/many/tags/list')) {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ name: 'many', tags }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    const client = new RegistryClient(parseOciRef(`oci://127.0.0.1:${port}/many`, { env: {} }), {}, () => {}, false);
    assert.equal((await client.listTags()).length, 200_000);
  } finally {
    server.close();
  }
});
