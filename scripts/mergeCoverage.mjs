// Merges V8 coverage files the safe way: each process's coverage of each script is converted to Istanbul's form
// on its own (v8-to-istanbul, through tsc's source maps), then the per-process results are added up line by
// line (istanbul-lib-coverage). c8's own merge adds V8's byte ranges across processes first, and with a few
// hundred processes that loaded the same module it came out wrong: the registry client's lines read 100%
// covered while each half of the processes gave 58% and 90%, and converting each process first gives 90%.
import fs from 'node:fs';
import path from 'node:path';
import libCoverage from 'istanbul-lib-coverage';
import libReport from 'istanbul-lib-report';
import reports from 'istanbul-reports';
import v8toIstanbul from 'v8-to-istanbul';

/**
 * Reads every coverage file in `rawDir`, keeps the scripts under `out/<area>/` for the given areas, adds files
 * no test loaded as uncovered, and writes `coverage-summary.json` and an HTML report to `reportDir`.
 * Returns the summary: source path → Istanbul totals.
 */
export async function mergeCoverage({ root, rawDir, reportDir, areas }) {
  const outDir = path.join(root, 'out');
  // Only compiled files whose TypeScript source still exists (out/ keeps files of modules since moved or removed).
  const wanted = (file) =>
    areas.some((a) => file.startsWith(path.join(outDir, a) + path.sep)) &&
    file.endsWith('.js') &&
    fs.existsSync(path.join(root, path.relative(outDir, file)).replace(/\.js$/, '.ts'));
  const map = libCoverage.createCoverageMap({});
  const seen = new Set();
  for (const name of fs.readdirSync(rawDir)) {
    const { result } = JSON.parse(fs.readFileSync(path.join(rawDir, name), 'utf8'));
    for (const script of result) {
      if (!script.url.startsWith('file://')) {
        continue;
      }
      const file = new URL(script.url).pathname;
      if (!wanted(file)) {
        continue;
      }
      seen.add(file);
      map.merge(await toIstanbul(file, script.functions));
    }
  }
  // Files no process loaded count as not covered at all (what c8 --all does).
  for (const file of walk(outDir).filter((f) => wanted(f) && !seen.has(f))) {
    const length = fs.readFileSync(file, 'utf8').length;
    map.merge(
      await toIstanbul(file, [{ ranges: [{ startOffset: 0, endOffset: length, count: 0 }], isBlockCoverage: true }]),
    );
  }
  // Type-only modules compile to nothing that runs: leave them out, as c8 did with --exclude **/*.d.ts.
  map.filter((file) => !file.endsWith('.d.ts'));
  fs.rmSync(reportDir, { recursive: true, force: true });
  const context = libReport.createContext({ dir: reportDir, coverageMap: map, defaultSummarizer: 'nested' });
  reports.create('json-summary').execute(context);
  reports.create('html').execute(context);
  return JSON.parse(fs.readFileSync(path.join(reportDir, 'coverage-summary.json'), 'utf8'));
}

async function toIstanbul(file, functions) {
  const converter = v8toIstanbul(file, 0);
  await converter.load();
  converter.applyCoverage(functions);
  return converter.toIstanbul();
}

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : [p];
  });
}
