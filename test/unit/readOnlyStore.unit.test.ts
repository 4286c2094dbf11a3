// A put into a store on a read-only file system must say so plainly, exit with the I/O code and leave nothing
// behind. A recursive mkdir there reports ENOENT ("not found") for the first folder it could not make; this test
// needs a real read-only mount, because tests run as root, whom folder permissions do not stop.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { CLI_JS } from '../support/serverProcess';
import { readOnlyMount } from '../support/readOnlyMount';

const cases: Array<[what: string, prepare: (dir: string) => void, store: string]> = [
  ['a new store', () => undefined, 'store'],
  [
    'a new shard of an existing store',
    (dir) => fs.mkdirSync(path.join(dir, 'store', 'blobs', 'sha256'), { recursive: true }),
    'store',
  ],
];

for (const [what, prepare, store] of cases) {
  test(`put into ${what} on a read-only file system: "read-only", exit 1, nothing written`, (t) => {
    const mount = readOnlyMount(prepare);
    if (!mount) {
      // Without mount rights there is no read-only file system to try: say so loudly where it matters.
      assert.notEqual(
        process.env.CI,
        'true',
        'cannot mount a read-only tmpfs here (tests need root with mount rights)',
      );
      t.skip('mount is refused on this machine');
      return;
    }
    try {
      const input = path.join(os.tmpdir(), `pf-readonly-input-${process.pid}.txt`);
      fs.writeFileSync(input, 'a file to put\n');
      const r = spawnSync(process.execPath, [CLI_JS, '--store', path.join(mount.dir, store), 'put', input], {
        encoding: 'utf8',
      });
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stdout, '', 'no digest is reported as stored');
      assert.match(r.stderr, /the store is read-only .*\(EROFS\)/);
      assert.doesNotMatch(r.stderr, /ENOENT|no such file|not found/);
    } finally {
      mount.unmount();
    }
  });
}
