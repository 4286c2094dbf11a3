// The bounded reader's shortcut (issue 40 item 4): text with fewer `[`/`{` than the depth limit cannot nest that
// deep, so only lines that could are walked. Whatever the shortcut decides, the answer is the walk's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_JSON_DEPTH, mayNestDeeply, nestedAtLeast, parseStoredJson } from '../../shared/common/boundedJson';

const nested = (depth: number, pad = '') => `${'['.repeat(depth - 1)}["${pad}"]${']'.repeat(depth - 1)}`;

test('values nested from 1 to 200 deep: refused exactly from the limit on, short or long, as the walk says', () => {
  for (const pad of ['', 'x'.repeat(300)]) {
    for (let depth = 1; depth <= 200; depth++) {
      const text = nested(depth, pad);
      const parsed = parseStoredJson(text);
      assert.equal(parsed.ok, depth < MAX_JSON_DEPTH, `depth ${depth}, pad ${pad.length}`);
      assert.equal(parsed.ok, !nestedAtLeast(JSON.parse(text)), 'the same answer as the walk');
    }
  }
});

test('the shortcut: short text and text with few brackets are decided without a walk; brackets in strings count', () => {
  assert.equal(mayNestDeeply('{"role":"user","content":"hello"}'), false);
  assert.equal(mayNestDeeply(`{"role":"user","content":"${'y'.repeat(10_000)}"}`), false);
  // Brackets inside a string make the shortcut say "maybe": the walk then finds the value shallow.
  const bracketsInText = `{"content":"${'['.repeat(300)}"}`;
  assert.equal(mayNestDeeply(bracketsInText), true);
  assert.equal(parseStoredJson(bracketsInText).ok, true);
  assert.equal(mayNestDeeply(nested(MAX_JSON_DEPTH)), true);
});
