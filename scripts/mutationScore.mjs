// After `stryker run`: the score per file and in all, from Stryker's JSON report, ending with one line
//   mutation score: NN.N%
// (killed and timed-out mutants over all that ran; a mutant no test reached counts as surviving).
import * as fs from 'node:fs';

const report = JSON.parse(fs.readFileSync('.stryker-report/mutation.json', 'utf8'));
let killed = 0;
let all = 0;
for (const [file, data] of Object.entries(report.files)) {
  const count = (status) => data.mutants.filter((m) => m.status === status).length;
  const k = count('Killed') + count('Timeout');
  const n = k + count('Survived') + count('NoCoverage');
  killed += k;
  all += n;
  console.log(`${file.padEnd(40)} ${String(k).padStart(4)}/${String(n).padEnd(4)} ${((100 * k) / n).toFixed(1)}%`);
}
console.log(`mutation score: ${((100 * killed) / all).toFixed(1)}%`);
