// The house rules of docs/architecture.md, checked as the tools enforce them: no import circle anywhere (type-only
// imports included), and each room of server/src/store/ and of client/src/ refused an import of a room above it
// by the lint.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { REPO } from '../support/serverProcess';

function importCycles(...folders: string[]) {
  return spawnSync(process.execPath, [path.join(REPO, 'scripts', 'importCycles.mjs'), ...folders], {
    cwd: REPO,
    encoding: 'utf8',
  });
}

test('client, server and shared have no import circle', () => {
  const run = importCycles();
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /no import circles among \d+ files/);
});

test('a circle through a type-only import is found and named', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-cycles-'));
  try {
    fs.mkdirSync(path.join(dir, 'room'));
    fs.writeFileSync(path.join(dir, 'room', 'a.ts'), "import type { B } from './b';\nexport type A = B;\n");
    fs.writeFileSync(path.join(dir, 'room', 'b.ts'), "export { type A as B } from './a';\n");
    fs.writeFileSync(path.join(dir, 'room', 'c.ts'), "import type { A } from './a';\nexport type C = A;\n");
    const run = importCycles(dir);
    assert.equal(run.status, 1, run.stdout);
    assert.match(run.stderr, /import circle of 2 file\(s\)/);
    assert.match(run.stderr, /room\/a\.ts -> .*room\/b\.ts/);
    assert.doesNotMatch(run.stderr, /c\.ts/, 'a file that only imports into the circle is not part of it');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** Each room (store, registries, client, pages) and an import it must not make (a room or layer above it). */
const WRONG_IMPORTS: Array<[folder: string, specifier: string]> = [
  ['server/src/store', './io/safeOpen'],
  ['server/src/store/io', '../workers/workerPool'],
  ['server/src/store/workers', '../blobs/blobPaths'],
  ['server/src/store/blobs', '../images/manifest'],
  ['server/src/store/images', '../layers/anyReader'],
  ['server/src/store/layers', '../analysis/lineage'],
  ['server/src/store/analysis', '../../host/storeHost'],
  ['server/src/store/blobs', '../../oci/ociRef'],
  ['server/src/store/images', '../../remotes/remoteRef'],
  ['server/src/oci', '../remotes/remotes'],
  ['server/src/remotes', '../requests/remoteRequests'],
  ['server/src/remotes', '../cli/main'],
  ['client/src', './settings/settings'],
  ['client/src/settings', '../connection/storeApi'],
  ['client/src/connection', '../documents/reports'],
  ['client/src/documents', '../problems/knownProblems'],
  ['client/src/problems', '../tree/nodes'],
  ['client/src/tree', '../snapshotView/snapshotPanel'],
  ['client/src/snapshotView', '../effectsView/effectsPanel'],
  ['client/src/effectsView', '../commands/register'],
  ['client/src/commands', '../activation/storeServer'],
  ['client/src/tree', '../../../server/src/store/storePath'],
  ['client/pages/snapshot', 'vscode'],
];

test('the lint refuses an import of a higher room from each store and client room, and of a higher layer from the registries', () => {
  const planted: string[] = [];
  const madeRooms: string[] = [];
  try {
    for (const [folder, specifier] of WRONG_IMPORTS) {
      const dir = path.join(REPO, folder);
      if (!fs.existsSync(dir)) {
        fs.mkdirSync(dir);
        madeRooms.push(dir);
      }
      const file = path.join(dir, `plantedWrongImport${planted.length}.ts`);
      fs.writeFileSync(file, `import '${specifier}';\n`);
      planted.push(file);
    }
    const run = spawnSync(
      process.execPath,
      [path.join(REPO, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--format', 'json', ...planted],
      { cwd: REPO, encoding: 'utf8' },
    );
    const results = JSON.parse(run.stdout) as Array<{ filePath: string; messages: Array<{ ruleId: string }> }>;
    for (const file of planted) {
      const result = results.find((r) => r.filePath === file);
      const refused = result?.messages.some((m) => m.ruleId === 'no-restricted-imports');
      assert.ok(refused, `${path.relative(REPO, file)} was not refused: ${JSON.stringify(result?.messages)}`);
    }
  } finally {
    for (const file of planted) {
      fs.rmSync(file, { force: true });
    }
    for (const dir of madeRooms) {
      fs.rmdirSync(dir);
    }
  }
});

test('the lint refuses a counter object keyed by stored text (count in a Map)', () => {
  const file = path.join(REPO, 'server', 'src', 'store', 'layers', 'plantedCounter.ts');
  fs.writeFileSync(
    file,
    'export function roles(keys: string[]): Record<string, number> {\n  const c: Record<string, number> = {};\n  for (const k of keys) {\n    c[k] = (c[k] ?? 0) + 1;\n  }\n  return c;\n}\n',
  );
  try {
    const run = spawnSync(
      process.execPath,
      [path.join(REPO, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--format', 'json', file],
      { cwd: REPO, encoding: 'utf8' },
    );
    const results = JSON.parse(run.stdout) as Array<{ messages: Array<{ ruleId: string; message: string }> }>;
    assert.ok(
      results[0].messages.some((m) => m.ruleId === 'no-restricted-syntax' && /count in a Map/.test(m.message)),
      JSON.stringify(results[0].messages),
    );
  } finally {
    fs.rmSync(file, { force: true });
  }
});
