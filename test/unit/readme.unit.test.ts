// The README's pictures are files in the repository (the editor suite writes them: npm run screenshots), and the
// ones the suite is asked to keep current are the ones the README shows.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { README_SHOTS } from '../e2e/runE2E';
import { REPO } from '../support/serverProcess';

test('every picture the README shows exists, is a small PNG, and is one the editor suite refreshes', () => {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const shown = [...readme.matchAll(/!\[[^\]]*\]\((docs\/images\/[^)]+)\)/g)].map((m) => m[1]);
  assert.ok(shown.length >= 4, 'the README shows the tree, a hover, verify results and a compare');
  for (const rel of shown) {
    const file = path.join(REPO, rel);
    assert.ok(fs.existsSync(file), `${rel} is missing`);
    const bytes = fs.readFileSync(file);
    assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG', `${rel} is not a PNG`);
    assert.ok(bytes.length < 200 * 1024, `${rel} is ${bytes.length} bytes; keep README pictures small`);
    assert.ok(README_SHOTS.includes(path.basename(rel, '.png')), `${rel} is not kept current by the suite`);
  }
});
