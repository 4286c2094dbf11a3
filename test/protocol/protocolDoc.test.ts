// docs/protocol.md and shared/protocol/ must describe the same protocol: one section per method with the
// declared direction and types, and a hash of the folder's files so that a changed field without a doc update
// fails.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as protocol from '../../shared/protocol';
import { ALL_METHODS } from '../../shared/protocol';
import { REPO } from '../support/serverProcess';

const doc = fs.readFileSync(path.join(REPO, 'docs', 'protocol.md'), 'utf8');
const PROTOCOL = path.join(REPO, 'shared', 'protocol');
/** Every file of the protocol folder, by name, each preceded by its name (so a moved declaration counts too). */
const source = fs
  .readdirSync(PROTOCOL)
  .filter((f) => f.endsWith('.ts'))
  .sort()
  .map((f) => `// ${f}\n${fs.readFileSync(path.join(PROTOCOL, f), 'utf8').replace(/\r\n/g, '\n')}`)
  .join('\n');

/** Each `## method` section's text, up to the next heading. */
function sections(): Map<string, string> {
  const out = new Map<string, string>();
  const parts = doc.split(/^## /m).slice(1);
  for (const part of parts) {
    const [heading, ...rest] = part.split('\n');
    out.set(heading.trim(), rest.join('\n'));
  }
  return out;
}

interface Declared {
  namespace: string;
  method: string;
  direction: string;
  generics: string[];
}

/** Every message namespace of protocol.ts, read from its source (names of types are not visible at run time). */
function declarations(): Declared[] {
  const re =
    /export namespace (\w+) \{\s*export const method = '([^']+)' as const;\s*export const messageDirection = MessageDirection\.(\w+);\s*export const type = new \w+<([^>]*?)>\(method\);/g;
  return [...source.matchAll(re)].map((m) => ({
    namespace: m[1],
    method: m[2],
    direction: m[3],
    generics: m[4].split(',').map((g) => g.trim()),
  }));
}

test('every custom method has exactly one section in docs/protocol.md, and every section a method', () => {
  const headings = [...doc.matchAll(/^## (\S+)\s*$/gm)].map((m) => m[1]);
  assert.deepEqual([...headings].sort(), [...ALL_METHODS].sort());
  assert.equal(new Set(headings).size, headings.length, 'a method is documented twice');
});

test('every method is declared with a direction and named types, and listed in ALL_METHODS', () => {
  const declared = declarations();
  const methodStrings = [...source.matchAll(/method = '([^']+)' as const/g)].map((m) => m[1]);
  assert.equal(declared.length, methodStrings.length, 'a namespace lacks messageDirection or its type line');
  assert.deepEqual(declared.map((d) => d.method).sort(), [...ALL_METHODS].sort());
  for (const d of declared) {
    for (const g of d.generics.filter((t) => t !== 'void')) {
      assert.match(g, /^[A-Z]\w*(\[\])?$/, `${d.method}: inline type ${g}; name it`);
    }
    const ns = (protocol as unknown as Record<string, { method: string; messageDirection: string }>)[d.namespace];
    assert.equal(ns.method, d.method);
    assert.equal(ns.messageDirection, d.direction);
  }
});

test("each section states the method's direction and its Params and Result types", () => {
  const bySection = sections();
  const arrow = { clientToServer: 'client → server', serverToClient: 'server → client', both: 'both' } as Record<
    string,
    string
  >;
  for (const d of declarations()) {
    const text = bySection.get(d.method) ?? '';
    assert.ok(
      text.includes(`Direction: ${arrow[d.direction]}`),
      `${d.method}: the doc does not say "Direction: ${arrow[d.direction]}"`,
    );
    for (const g of d.generics.filter((t) => t !== 'void')) {
      assert.ok(text.includes(`\`${g}\``), `${d.method}: the doc does not name ${g}`);
    }
  }
});

test('docs/protocol.md carries the hash of the shared/protocol/ it describes', () => {
  const actual = createHash('sha256').update(source).digest('hex');
  const recorded = /shared\/protocol\/ sha256: `([0-9a-f]{64})`/.exec(doc)?.[1];
  assert.equal(
    recorded,
    actual,
    `shared/protocol/ changed since docs/protocol.md was updated: bring the doc up to date, then record \`${actual}\``,
  );
});
