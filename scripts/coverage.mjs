// npm run coverage: line coverage of server/src, shared and client/src across the unit, protocol and editor
// tests, with every process they start counted (the spawned server, pfstore, the store workers, and the
// extension host inside code-server): NODE_V8_COVERAGE is inherited by each. Every process runs tsc's output, so
// its source maps lead back to the TypeScript; each process's coverage is converted on its own and then added
// up (mergeCoverage.mjs says why). The installed-.vsix runs are left out (a minified build). Ends with one line:
//   coverage: server NN.N% shared NN.N% client NN.N%
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mergeCoverage } from './mergeCoverage.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const raw = path.join(root, '.coverage', 'raw');
const report = path.join(root, '.coverage', 'report');
fs.rmSync(path.join(root, '.coverage'), { recursive: true, force: true });
fs.mkdirSync(raw, { recursive: true });

const run = (cmd, args, env = {}) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
  }
};
run('npm', ['run', 'build']);
run('npm', ['run', 'compile-tests']);
const tests = ['unit', 'protocol'].flatMap((tier) =>
  fs
    .readdirSync(path.join(root, 'out', 'test', tier))
    .filter((f) => f.endsWith('.test.js'))
    .map((f) => path.join('out', 'test', tier, f)),
);
// The spawned server and pfstore run from tsc's output (PF_TEST_FROM_OUT): its source maps map line for line,
// while an esbuild bundle's uncovered ranges do not map back (every line of a bundle came out covered).
const env = { NODE_V8_COVERAGE: raw, NODE_OPTIONS: '--enable-source-maps', PF_TEST_FROM_OUT: '1' };
// Failures still produce coverage; the figures are what the tests reached.
spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...tests], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, ...env },
});
// The editor loads the extension from tsc's output too, through a one-line dist/extension.js (the bundle is
// rebuilt afterwards): the extension host then records client/src line for line.
const bundle = path.join(root, 'dist', 'extension.js');
fs.writeFileSync(bundle, "module.exports = require('../out/client/src/extension.js');\n");
try {
  spawnSync(
    process.execPath,
    ['--test', '--test-name-pattern=trusted workspace|Restricted Mode', 'out/test/e2e/editor.e2e.test.js'],
    { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } },
  );
} finally {
  run('npm', ['run', 'build']);
}
// The server still runs as a bundle inside the editor: only tsc's output under out/ is counted (a bundle's
// uncovered ranges do not map back), so the server's figure comes from the unit and protocol tiers.

const summary = await mergeCoverage({
  root,
  rawDir: raw,
  reportDir: report,
  areas: ['server/src', 'shared', 'client/src'],
});
const areas = { server: 'server/src/', shared: 'shared/', client: 'client/src/' };
const totals = Object.fromEntries(Object.keys(areas).map((a) => [a, { covered: 0, total: 0 }]));
for (const [file, data] of Object.entries(summary)) {
  const rel = path.relative(root, file);
  for (const [area, prefix] of Object.entries(areas)) {
    if (rel.startsWith(prefix)) {
      totals[area].covered += data.lines.covered;
      totals[area].total += data.lines.total;
    }
  }
}
const pct = (a) => (totals[a].total === 0 ? 0 : (100 * totals[a].covered) / totals[a].total).toFixed(1);
console.log(`HTML report: ${path.join(report, 'index.html')}`);
console.log(`coverage: server ${pct('server')}% shared ${pct('shared')}% client ${pct('client')}%`);
