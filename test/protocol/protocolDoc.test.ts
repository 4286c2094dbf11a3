// docs/protocol.md and shared/protocol.ts must describe the same methods: one section per method, no more.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { ALL_METHODS } from '../../shared/protocol';
import { REPO } from '../support/serverProcess';

test('every custom method has exactly one section in docs/protocol.md, and every section a method', () => {
  const doc = fs.readFileSync(path.join(REPO, 'docs', 'protocol.md'), 'utf8');
  const sections = [...doc.matchAll(/^## (\S+)\s*$/gm)].map((m) => m[1]);
  assert.deepEqual([...sections].sort(), [...ALL_METHODS].sort());
  assert.equal(new Set(sections).size, sections.length, 'a method is documented twice');
});

test('every method declared in shared/protocol.ts is listed in ALL_METHODS', () => {
  const source = fs.readFileSync(path.join(REPO, 'shared', 'protocol.ts'), 'utf8');
  const declared = [...source.matchAll(/method = '([^']+)' as const/g)].map((m) => m[1]);
  assert.deepEqual([...declared].sort(), [...ALL_METHODS].sort());
});
