// Decoded sizes of large pf-core blobs, learned by decoding and kept outside the store: found again for the
// same file version only, never for a changed file, and a damaged cache file costs nothing but a decode.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { DecodedSizeLog, REMEMBER_FROM_BYTES } from '../../server/src/store/blobs/decodedSizeLog';
import { CLI_JS } from '../support/serverProcess';
import { blobFile, tempStore, writePfcoreBlob } from '../support/storeFixtures';

const big = { ino: 42, size: REMEMBER_FROM_BYTES + 1, mtimeMs: 1764086400123.25 };
const hex = 'ab'.repeat(32);

function cacheDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'pf-sizes-'));
}

test('a remembered size is found again by a new reader for the same file version only', () => {
  const env = { PFSTORE_CACHE_DIR: cacheDir() };
  const log = DecodedSizeLog.forStore('/some/store', env);
  log.remember(hex, big, 9_000_000);
  log.remember('cd'.repeat(32), { ...big, size: REMEMBER_FROM_BYTES - 1 }, 5); // small: learned again instead
  const fresh = DecodedSizeLog.forStore('/some/store', env);
  assert.equal(fresh.lookup(hex, big), 9_000_000);
  assert.equal(fresh.lookup(hex, { ...big, ino: 43 }), undefined, 'replaced by a rename');
  assert.equal(fresh.lookup(hex, { ...big, mtimeMs: big.mtimeMs + 1 }), undefined, 'rewritten in place');
  assert.equal(fresh.lookup(hex, { ...big, size: big.size + 1 }), undefined);
  assert.equal(fresh.lookup('cd'.repeat(32), { ...big, size: REMEMBER_FROM_BYTES - 1 }), undefined);
  assert.equal(DecodedSizeLog.forStore('/another/store', env).lookup(hex, big), undefined, 'one file per store');
});

test('damaged lines are skipped, a link in place of the file is not read, and a long file is compacted', () => {
  const env = { PFSTORE_CACHE_DIR: cacheDir() };
  const log = DecodedSizeLog.forStore('/store', env);
  fs.mkdirSync(path.dirname(log.file!), { recursive: true });
  const good = `${hex} ${big.ino} ${big.size} ${big.mtimeMs} 777\n`;
  fs.writeFileSync(log.file!, `garbage\n${'ef'.repeat(32)} 1 2 x 3\n${good}${hex.toUpperCase()} 1 2 3 4\n`);
  assert.equal(DecodedSizeLog.forStore('/store', env).lookup(hex, big), 777);

  const elsewhere = path.join(cacheDir(), 'secret');
  fs.writeFileSync(elsewhere, good);
  fs.rmSync(log.file!);
  fs.symlinkSync(elsewhere, log.file!);
  assert.equal(DecodedSizeLog.forStore('/store', env).lookup(hex, big), undefined);
  fs.rmSync(log.file!);

  // 60,000 lines for the same digest (over 4 MiB): one line remains, the latest.
  const lines = Array.from({ length: 60_000 }, (_, i) => `${hex} ${big.ino} ${big.size} ${big.mtimeMs} ${i}\n`);
  fs.writeFileSync(log.file!, lines.join(''));
  assert.equal(DecodedSizeLog.forStore('/store', env).lookup(hex, big), 59_999);
  assert.equal(fs.readFileSync(log.file!, 'utf8'), `${hex} ${big.ino} ${big.size} ${big.mtimeMs} 59999\n`);
});

test('pfstore stat decodes a large pf-core blob once; the next stat reads the size kept outside the store', () => {
  const env = { ...process.env, PFSTORE_CACHE_DIR: cacheDir() };
  const root = tempStore();
  const data = randomBytes(REMEMBER_FROM_BYTES + 50_000); // incompressible: stays over the threshold stored
  const blob = writePfcoreBlob(root, data);
  const stat = () => {
    const r = spawnSync(process.execPath, [CLI_JS, '--store', root, '--json', 'stat', blob], { env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { decodedBytes: number };
  };
  assert.equal(stat().decodedBytes, data.length);
  const log = DecodedSizeLog.forStore(root, env);
  const [line] = fs.readFileSync(log.file!, 'utf8').split('\n');
  assert.match(line, new RegExp(`^${blob} \\d+ ${fs.statSync(blobFile(root, blob)).size} `));
  // The next stat takes the kept size without decoding: a planted value shows it is the one read.
  fs.writeFileSync(log.file!, `${line.replace(/ \d+$/, ' 12345')}\n`);
  assert.equal(stat().decodedBytes, 12345);
  // Touch the blob: the kept size is for another file version, so stat decodes again and is exact.
  const later = new Date(Date.now() + 10_000);
  fs.utimesSync(blobFile(root, blob), later, later);
  assert.equal(stat().decodedBytes, data.length);
  assert.deepEqual(fs.readdirSync(root), ['blobs'], 'nothing written into the store');
});

test('where the file goes without $PFSTORE_CACHE_DIR, and a cache folder that cannot be made costs nothing', () => {
  const xdg = cacheDir();
  assert.ok(
    DecodedSizeLog.forStore('/store', { XDG_CACHE_HOME: xdg }).file!.startsWith(path.join(xdg, 'pfstore') + path.sep),
  );
  assert.ok(DecodedSizeLog.forStore('/store', {}).file!.includes(path.join('.cache', 'pfstore')));
  const nowhere = new DecodedSizeLog(undefined);
  nowhere.remember(hex, big, 1);
  assert.equal(nowhere.lookup(hex, big), undefined);
  // A file where the folder should be: the size is kept in memory for this process and not written anywhere.
  const blocked = path.join(cacheDir(), 'a-file');
  fs.writeFileSync(blocked, '');
  const log = DecodedSizeLog.forStore('/store', { PFSTORE_CACHE_DIR: blocked });
  log.remember(hex, big, 5);
  assert.equal(log.lookup(hex, big), 5);
  assert.equal(fs.readFileSync(blocked, 'utf8'), '');
});
