// Stores written the way pf-core writes them: frames with no content size, no checksum and an 8 MiB window.
// Every reader of ours must give exact answers on them: ls, stat (exact decoded size), verify, get.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { before, describe, test } from 'node:test';
import { CLI_JS } from '../support/serverProcess';
import { blobFile, flipByte, pfcoreFrame, sha256Hex, tempStore, writePfcoreBlob } from '../support/storeFixtures';

const CLI = CLI_JS;
const pfstore = (args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });

describe('a store in pf-core frame shape', () => {
  let root: string;
  const contents = [
    Buffer.alloc(0),
    Buffer.from('x'),
    Buffer.from('{"role":"assistant","content":"a page"}\n'.repeat(500)),
    Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251)),
  ];
  let hexes: string[];

  before(() => {
    root = tempStore();
    hexes = contents.map((c) => writePfcoreBlob(root, c));
  });

  test('the fixture writes what pf-core writes: descriptor 0x00, 8 MiB window, no size, and zstd -d reads it', () => {
    const frame = pfcoreFrame(Buffer.from('hello'));
    assert.equal(frame.readUInt32LE(0), 0xfd2fb528);
    assert.equal(frame[4], 0x00, 'frame header descriptor');
    assert.equal(frame[5], 0x68, 'window descriptor: 8 MiB');
    const viaCli = spawnSync('sh', ['-c', 'printf hello | zstd -19 --no-check -q -c']);
    assert.equal(viaCli.stdout[4], 0x00, 'zstd -19 --no-check from a pipe writes the same descriptor');
    assert.equal(spawnSync('zstd', ['-d', '-q', '-c'], { input: frame }).stdout.toString(), 'hello');
  });

  test('stat gives the exact decoded size and ratio of every blob', () => {
    contents.forEach((content, i) => {
      const r = pfstore(['--store', root, '--json', 'stat', `sha256:${hexes[i]}`]);
      assert.equal(r.status, 0, r.stderr);
      const info = JSON.parse(r.stdout);
      assert.equal(info.decodedBytes, content.length, `blob ${i}`);
      assert.equal(info.storedBytes, fs.statSync(blobFile(root, hexes[i])).size);
      if (content.length > 0) {
        assert.ok(Math.abs(info.ratio - content.length / info.storedBytes) < 1e-9);
      }
    });
  });

  test('ls lists them, verify passes them and get returns their bytes', () => {
    const ls = pfstore(['--store', root, '--json', 'ls']);
    assert.equal(ls.status, 0, ls.stderr);
    assert.deepEqual(
      JSON.parse(ls.stdout)
        .items.map((i: { digest: string }) => i.digest)
        .sort(),
      hexes.map((h) => `sha256:${h}`).sort(),
    );
    const verify = pfstore(['--store', root, '--json', 'verify']);
    assert.equal(verify.status, 0, verify.stdout);
    assert.equal(JSON.parse(verify.stdout).ok, contents.length);
    hexes.forEach((hex, i) => {
      const get = spawnSync(process.execPath, [CLI, '--store', root, 'get', `sha256:${hex}`], { maxBuffer: 1 << 26 });
      assert.equal(get.status, 0);
      assert.equal(sha256Hex(get.stdout), hex, `blob ${i}`);
    });
  });

  test('a corrupted pf-core frame fails verify and stat', () => {
    const store = tempStore();
    const hex = writePfcoreBlob(store, Buffer.from('corrupt me please\n'.repeat(100)));
    flipByte(blobFile(store, hex));
    assert.equal(pfstore(['--store', store, 'verify']).status, 4);
    assert.equal(pfstore(['--store', store, 'stat', `sha256:${hex}`]).status, 4);
  });
});
