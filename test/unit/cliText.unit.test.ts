// What people read in a terminal: the text forms of diff, gc, stat, log and images (the JSON forms are checked elsewhere), and the
// refusals of arguments that do not fit.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { CLI_JS } from '../support/serverProcess';
import { progressOf } from '../../shared/common/format';
import {
  blobFile,
  deadPid,
  ourTempName,
  tempStore,
  writeBlob,
  writeDemoImage,
  writeImage,
  writePfcoreBlob,
} from '../support/storeFixtures';
import { envText } from '../support/pfLayerText';

function pfstore(root: string, ...args: string[]) {
  return spawnSync(process.execPath, [CLI_JS, '--store', root, ...args], { encoding: 'utf8' });
}

test('diff in text: relation, changed layers, files marked + - M with sizes, and the pages', () => {
  const root = tempStore();
  const a = writeDemoImage(root, 'alpha');
  const b = writeDemoImage(root, 'beta', [a.hex]);
  const r = pfstore(root, 'diff', `sha256:${a.hex}`, `sha256:${b.hex}`);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^from \S+ \(sha256:[0-9a-f]{12}…\) to \S+ \(sha256:[0-9a-f]{12}…\)$/);
  assert.equal(lines[1], 'relation: a-is-ancestor-of-b');
  assert.ok(
    lines.includes(`layer world.env: sha256:${a.spec.env} -> sha256:${b.spec.env}`),
    `a changed layer line in:\n${r.stdout}`,
  );
  assert.ok(
    lines.some((l) => /^M work\/run\.sh \(\d+ B\) -> \d+ B$/.test(l)),
    r.stdout,
  );
  assert.ok(lines.includes('cache pages: 0 shared, 1 added, 1 dropped'), r.stdout);
  // Then the agent's state: here the same two tool calls, and the conversation unchanged.
  assert.equal(lines.at(-1), 'tool calls: 2 -> 2');
  assert.match(
    pfstore(root, 'diff', `sha256:${a.hex}`).stderr,
    /diff takes two images: names, digests or unique digest prefixes/,
  );
});

test('gc in text: temp files of dead writers and unreferenced blobs, as a plan and then done', () => {
  const root = tempStore();
  writeDemoImage(root, 'kept');
  const stale = writeBlob(root, 'no image names this\n');
  const old = new Date(Date.now() - 2 * 3600_000);
  fs.utimesSync(blobFile(root, stale), old, old);
  const temp = path.join(path.dirname(blobFile(root, stale)), ourTempName(stale, deadPid(), 0));
  fs.writeFileSync(temp, 'half a blob');

  const plan = pfstore(root, 'gc', '--unreferenced', '--dry-run');
  assert.equal(plan.status, 0, plan.stderr);
  assert.match(plan.stdout, new RegExp(`^would remove ${temp.replace(/[.]/g, '\\.')}$`, 'm'));
  assert.match(plan.stdout, /^1 temp file to remove, 0 kept \(writer still running\)$/m);
  assert.match(plan.stdout, new RegExp(`^would remove sha256:${stale} \\(\\d+ B\\)$`, 'm'));
  assert.match(
    plan.stdout,
    /^1 unreferenced blob would free \d+ B; \d+ younger than the grace period kept; 1 image in the catalog, whose manifests, parent manifests, merge records and CRIU dumps are kept$/m,
  );
  assert.ok(fs.existsSync(temp) && fs.existsSync(blobFile(root, stale)), 'a dry run removes nothing');

  const done = pfstore(root, 'gc', '--unreferenced');
  assert.equal(done.status, 0, done.stderr);
  assert.match(done.stdout, new RegExp(`^removed sha256:${stale} \\(\\d+ B\\)$`, 'm'));
  assert.match(done.stdout, /^1 unreferenced blob freed \d+ B;/m);
  assert.ok(!fs.existsSync(temp) && !fs.existsSync(blobFile(root, stale)));
  assert.match(pfstore(root, 'gc').stdout, /^0 temp files removed, 0 kept/m);

  assert.match(pfstore(root, 'gc', 'extra').stderr, /gc takes no arguments/);
  assert.match(pfstore(root, 'gc', '--grace', '5').stderr, /--grace and --retain-recent go with --unreferenced/);
});

test('stat, log and images in text; each refuses arguments it does not take', () => {
  const root = tempStore();
  const page = writePfcoreBlob(root, Buffer.from('{"k":"a KV-cache page"}\n'.repeat(50)));
  const stat = pfstore(root, 'stat', `sha256:${page}`);
  assert.equal(stat.status, 0, stat.stderr);
  assert.match(stat.stdout, new RegExp(`^digest: +sha256:${page}$`, 'm'));
  assert.match(stat.stdout, /^decoded: +1200 bytes \(decoded: the frames do not record it\)$/m);
  assert.match(stat.stdout, /^ratio: +\d+\.\d\dx$/m);
  assert.match(stat.stdout, /^modified: +\d{4}-\d\d-\d\dT/m);

  const a = writeDemoImage(root, 'a');
  const b = writeImage(root, {
    ...a.spec,
    env: writeBlob(root, envText({ TAG: 'b' })),
    parents: [a.hex],
    createdAt: '2026-11-21T01:00:00Z',
  });
  const c = writeImage(root, {
    ...a.spec,
    env: writeBlob(root, envText({ TAG: 'c' })),
    parents: [a.hex],
    createdAt: '2026-11-21T02:00:00Z',
  });
  const gone = 'e'.repeat(64);
  const m = writeImage(root, {
    ...a.spec,
    env: writeBlob(root, envText({ TAG: 'm' })),
    parents: [c.hex, gone],
    createdAt: '2026-11-21T03:00:00Z',
  });
  const log = pfstore(root, 'log');
  assert.equal(log.status, 0, log.stderr);
  const lines = log.stdout.trimEnd().split('\n');
  assert.match(lines[0], new RegExp(`^M \\S+  sha256:${m.hex}  2026-11-21T03:00:00Z  langgraph 1\\.0\\.15$`));
  assert.ok(lines.includes(`    parent sha256:${gone} (not in the catalog)`), log.stdout);
  assert.ok(
    lines.some((l) => new RegExp(`^F \\S+  sha256:${a.hex}`).test(l)),
    'the image forked twice is marked F',
  );

  fs.writeFileSync(path.join(root, 'images', `${'f'.repeat(64)}.json`), '{"schema_version": 1}');
  const images = pfstore(root, 'images');
  assert.equal(images.status, 0, images.stderr);
  assert.match(
    images.stdout,
    // Parents by name first, the digest short beside it (a parent not in the catalog: the short digest alone).
    new RegExp(
      `^\\S+  sha256:${m.hex}  langgraph 1\\.0\\.15  2026-11-21T03:00:00Z  parents: a \\(sha256:[0-9a-f]{12}…\\), sha256:e{12}…`,
      'm',
    ),
  );
  assert.match(images.stdout, /^ {4}! /m, 'a problem line under the broken catalog file');

  assert.match(pfstore(root, 'stat').stderr, /stat takes exactly one DIGEST/);
  assert.match(pfstore(root, 'log', a.hex, b.hex).stderr, /log takes at most one image digest/);
  assert.match(
    pfstore(root, 'log', `sha256:${'d'.repeat(64)}`).stderr,
    /no image in the catalog \(images\/\) is named/,
  );
  assert.match(pfstore(root, 'images', 'x').stderr, /no image in the catalog \(images\/\) is named "x"/);
});

test('stats in text, and verify --image of an image that is not there or not a manifest', () => {
  const root = tempStore();
  const a = writeDemoImage(root, 'counted');
  const stats = pfstore(root, 'stats');
  assert.equal(stats.status, 0, stats.stderr);
  assert.match(stats.stdout, /^blobs: +\d+$/m);
  assert.match(stats.stdout, /^raw: +[\d.]+ K?i?B$/m);
  assert.match(stats.stdout, /^stored: +[\d.]+ K?i?B \(compression \d+\.\d\dx\)$/m);
  assert.match(stats.stdout, /^dedup: +1\.00x \(sum of closures over their union\)$/m);
  assert.match(
    stats.stdout,
    new RegExp(`^sha256:${a.hex}  closure [\\d.]+ KiB, exclusive [\\d.]+ KiB, shared 0 B$`, 'm'),
  );
  assert.match(pfstore(root, 'stats', 'x').stderr, /stats takes no arguments/);

  const absent = pfstore(root, 'verify', '--image', `sha256:${'9'.repeat(64)}`);
  assert.equal(absent.status, 1);
  assert.match(absent.stderr, /no image in the catalog \(images\/\) is named "sha256:9{64}"/);
  const junk = '8'.repeat(64);
  fs.writeFileSync(path.join(root, 'images', `${junk}.json`), 'not a manifest');
  const invalid = pfstore(root, 'verify', '--image', `sha256:${junk}`);
  assert.equal(invalid.status, 1);
  assert.match(invalid.stderr, new RegExp(`images/${junk}\\.json is not a valid manifest`));
});

test('stat of the empty blob says it has no ratio; progress counts are written as every other count', () => {
  const root = tempStore();
  const empty = writeBlob(root, '');
  const stat = pfstore(root, 'stat', `sha256:${empty}`);
  assert.equal(stat.status, 0, stat.stderr);
  assert.match(stat.stdout, /^ratio: {4}none \(the blob is empty\)$/m);
  assert.doesNotMatch(stat.stdout, /0\.00x/);
  assert.equal(progressOf(12_901, 15_035, 'blobs'), '12,901 of 15,035 blobs');
});
