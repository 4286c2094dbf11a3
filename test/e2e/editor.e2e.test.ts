// `npm test` runs the real-editor suites through node's test runner, so their outcome is part of the count.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execFileSync, spawnSync } from 'node:child_process';
import { buildFixture, ensureCodeServer, runMode } from './runE2E';
import { driveGcConfirmation } from './drivenGc';
import { driveFirstRun } from './drivenFirstRun';
import { REPO } from '../support/serverProcess';
import { writeDemoSnapshots } from '../support/demoSnapshots';

/**
 * The pfstore inside a package runs as the package holds it: its launcher finds the bundles of `search` and
 * `verify` and of every other command beside it, and zstd comes from the engine the package carries.
 */
function checkPackagedCli(vsix: string, dir: string, engine: 'native' | 'wasm'): void {
  execFileSync('unzip', ['-q', vsix, '-d', dir]);
  const store = path.join(dir, 'store');
  writeDemoSnapshots(store);
  const pfstore = (args: string[]) =>
    spawnSync(process.execPath, [path.join(dir, 'extension', 'dist', 'cli.js'), '--store', store, ...args], {
      encoding: 'utf8',
      timeout: 60_000,
    });
  assert.match(pfstore(['--version']).stdout, new RegExp(`^pfstore \\S+ \\(zstd \\S+, ${engine} engine\\)\\n$`));
  // The demo store holds one blob damaged on purpose: the packaged verify finds it, as pfstore does.
  const verify = pfstore(['verify']);
  assert.equal(verify.status, 4, verify.stdout + verify.stderr);
  assert.match(verify.stdout, /checked \d+ blobs: \d+ ok, 1 failed/);
  const search = pfstore(['search', '--images', 'lexer']);
  assert.equal(search.status, 0, search.stderr);
  assert.match(search.stdout, /^before-refactor /m);
  const images = pfstore(['images']);
  assert.equal(images.status, 0, images.stderr);
}

describe('the extension in a real VS Code (code-server 4.100.3, VS Code 1.100.3)', () => {
  let base: string;
  before(() => {
    ensureCodeServer();
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-e2e-'));
  });
  after(() => fs.rmSync(base, { recursive: true, force: true }));

  test(
    'trusted workspace: tree, commands, documents, hovers, links, diagnostics',
    { timeout: 15 * 60_000 },
    async () => {
      const result = await runMode('trusted', buildFixture(path.join(base, 'trusted')));
      const failed = result.log.filter((l) => /\sFAIL /.test(l));
      assert.equal(
        result.exitCode,
        0,
        `suite failed:\n${failed.join('\n')}\n(full log in test-artifacts/log-trusted.txt)`,
      );
    },
  );

  for (const target of ['linux-x64', 'universal']) {
    test(
      `the packaged ${target} .vsix installs and runs from the extensions folder`,
      { timeout: 10 * 60_000 },
      async () => {
        if (target === 'linux-x64') {
          execFileSync('npm', ['run', 'package'], { cwd: REPO, stdio: 'pipe' }); // makes both packages
        }
        const vsix = path.join(REPO, `processfork-store-${target}.vsix`);
        assert.ok(fs.statSync(vsix).size < 2 * 1024 * 1024, 'the .vsix should stay small');
        if (target === 'universal') {
          const listing = execFileSync('unzip', ['-l', vsix]).toString();
          assert.doesNotMatch(listing, /binding\.node/, 'the universal package must not ship a native module');
        }
        checkPackagedCli(vsix, path.join(base, `cli-${target}`), target === 'universal' ? 'wasm' : 'native');
        const result = await runMode('installed', buildFixture(path.join(base, `installed-${target}`)), vsix);
        const failed = result.log.filter((l) => /\sFAIL /.test(l));
        assert.equal(
          result.exitCode,
          0,
          `suite failed:\n${failed.join('\n')}\n(full log in test-artifacts/log-installed.txt)`,
        );
      },
    );
  }

  test(
    'trusted workspace, driven by keyboard and mouse: Remove Unreferenced Blobs confirms with count and size',
    { timeout: 5 * 60_000 },
    () => driveGcConfirmation(path.join(base, 'driven-gc')),
  );

  test(
    'first run on a store pf wrote, no manifest in the workspace: the view and status item appear unasked, one click opens the container',
    { timeout: 5 * 60_000 },
    () => driveFirstRun(path.join(base, 'first-run')),
  );

  test(
    'Restricted Mode: reads work, writes are refused, workspace store path ignored',
    { timeout: 10 * 60_000 },
    async () => {
      const result = await runMode('restricted', buildFixture(path.join(base, 'restricted')));
      const failed = result.log.filter((l) => /\sFAIL /.test(l));
      assert.equal(
        result.exitCode,
        0,
        `suite failed:\n${failed.join('\n')}\n(full log in test-artifacts/log-restricted.txt)`,
      );
    },
  );
});
