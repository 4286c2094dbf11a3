// A blob over 4 GiB (model weights) end to end through pfstore: put, stat, verify and get all stream, so
// none of them is refused as "too large" and none holds the blob in memory. Zeros keep it cheap: the input is
// a sparse file and level 19 squeezes it to about 160 KiB.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { CLI_JS } from '../support/serverProcess';
import { tempStore } from '../support/storeFixtures';

const CLI = CLI_JS;
const SIZE = 4.5 * 1024 ** 3;

/** The SHA-256 of SIZE zero bytes, computed here without holding them. */
function zerosDigest(): string {
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(64 << 20);
  for (let left = SIZE; left > 0; left -= chunk.length) {
    hash.update(left >= chunk.length ? chunk : chunk.subarray(0, left));
  }
  return hash.digest('hex');
}

test('a 4.5 GiB blob: put, stat with its exact size, verify, and get streamed to a pipe', async () => {
  const root = tempStore();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-large-'));
  const input = path.join(work, 'weights.bin');
  fs.closeSync(fs.openSync(input, 'w'));
  fs.truncateSync(input, SIZE); // sparse: no disk used
  try {
    const expected = zerosDigest();
    const put = spawnSync(process.execPath, [CLI, '--store', root, 'put', input], { encoding: 'utf8' });
    assert.equal(put.status, 0, put.stderr);
    assert.equal(put.stdout.trim(), `sha256:${expected}`);

    const stat = spawnSync(process.execPath, [CLI, '--store', root, '--json', 'stat', `sha256:${expected}`], {
      encoding: 'utf8',
    });
    assert.equal(stat.status, 0, stat.stderr);
    assert.equal(JSON.parse(stat.stdout).decodedBytes, SIZE);

    const verify = spawnSync(process.execPath, [CLI, '--store', root, 'verify'], { encoding: 'utf8' });
    assert.equal(verify.status, 0, `${verify.stdout}${verify.stderr}`);

    // get to standard output, hashed as it arrives: nothing of the blob is kept here either.
    const child = spawn(process.execPath, [CLI, '--store', root, 'get', `sha256:${expected}`]);
    const hash = createHash('sha256');
    let bytes = 0;
    child.stdout.on('data', (d: Buffer) => {
      bytes += d.length;
      hash.update(d);
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0);
    assert.equal(bytes, SIZE);
    assert.equal(hash.digest('hex'), expected);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(root, { recursive: true, force: true });
  }
});
