// What can be tested here of other platforms: Windows paths through path.win32 (home folder, %VARIABLES%,
// drive-letter case), and a rename over a file that Windows reports busy for a moment.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { renameOver } from '../../server/src/store/io/durableWrite';
import { expandHome, samePath, type Platform } from '../../server/src/store/portablePaths';

const windows: Platform = {
  path: path.win32,
  home: 'C:\\Users\\ada',
  env: { USERPROFILE: 'C:\\Users\\ada', LocalAppData: 'C:\\Users\\ada\\AppData\\Local' },
};
const linux: Platform = { path: path.posix, home: '/home/ada', env: { USERPROFILE: 'nope' } };

test('store paths: ~ and %VARIABLES% on Windows, ~ only elsewhere', () => {
  assert.equal(expandHome('~', windows), 'C:\\Users\\ada');
  assert.equal(expandHome('~\\.processfork', windows), 'C:\\Users\\ada\\.processfork');
  assert.equal(expandHome('~/.processfork', windows), 'C:\\Users\\ada\\.processfork');
  assert.equal(expandHome('%USERPROFILE%\\.processfork', windows), 'C:\\Users\\ada\\.processfork');
  assert.equal(expandHome('%localappdata%\\pf', windows), 'C:\\Users\\ada\\AppData\\Local\\pf'); // any case
  assert.equal(expandHome('%UNSET%\\pf', windows), '%UNSET%\\pf'); // left as typed: the error names it
  assert.equal(expandHome('~/.processfork', linux), '/home/ada/.processfork');
  assert.equal(expandHome('~\\x', linux), '~\\x');
  assert.equal(expandHome('%USERPROFILE%/x', linux), '%USERPROFILE%/x');
});

test('the same folder by name: drive letters and case on Windows, exact elsewhere', () => {
  // VS Code's file URIs give `c:\…`; a user types `C:\…`.
  assert.ok(samePath('c:\\Users\\ada\\.processfork\\images', 'C:\\Users\\Ada\\.processfork\\images', windows));
  assert.ok(samePath('C:\\store\\images\\', 'C:\\store\\images', windows));
  assert.ok(!samePath('C:\\store\\images', 'D:\\store\\images', windows));
  assert.ok(!samePath('/Store/images', '/store/images', linux));
  assert.ok(samePath('/store/./images', '/store/images', linux));
});

test('a rename that Windows reports busy is retried briefly, then the error stands', async () => {
  let calls = 0;
  const busyTwice = async () => {
    if (++calls <= 2) {
      throw Object.assign(new Error('EPERM: operation not permitted, rename'), { code: 'EPERM' });
    }
  };
  await renameOver('a', 'b', { rename: busyTwice, transient: ['EPERM', 'EACCES', 'EBUSY'], delays: [1, 1, 1] });
  assert.equal(calls, 3);

  calls = 0;
  const alwaysBusy = async () => {
    calls++;
    throw Object.assign(new Error('EBUSY'), { code: 'EBUSY' });
  };
  await assert.rejects(renameOver('a', 'b', { rename: alwaysBusy, transient: ['EBUSY'], delays: [1, 1] }), /EBUSY/);
  assert.equal(calls, 3);

  calls = 0;
  const missing = async () => {
    calls++;
    throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  };
  await assert.rejects(renameOver('a', 'b', { rename: missing, transient: ['EPERM'], delays: [1] }), /ENOENT/);
  assert.equal(calls, 1, 'a real failure is not retried');
});
