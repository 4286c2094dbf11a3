// The search grammar alone (issue 37): precedence, every kind of term, globs and instants, and the column a
// malformed query names. Fast, with no store: it is what `npm run mutate` runs against shared/search/query.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compareInstants,
  globMatcher,
  parseInstant,
  parseQuery,
  QueryError,
  type Query,
} from '../../shared/search/query';

describe('the query grammar', () => {
  test('NOT binds tighter than AND, AND tighter than OR; fields, phrases and regexes are terms', () => {
    assert.deepEqual(parseQuery('a b OR -c'), {
      kind: 'or',
      items: [
        {
          kind: 'and',
          items: [
            { kind: 'term', term: { kind: 'text', text: 'a' }, column: 1 },
            { kind: 'term', term: { kind: 'text', text: 'b' }, column: 3 },
          ],
        },
        { kind: 'not', item: { kind: 'term', term: { kind: 'text', text: 'c' }, column: 8 } },
      ],
    });
    const q = parseQuery('NOT (tool:git_* OR "to prod") /dep.oy/i content:"BEGIN RSA"');
    assert.equal(q.kind, 'and');
    const items = (q as Extract<Query, { kind: 'and' }>).items;
    assert.equal(items[0].kind, 'not');
    assert.deepEqual(items[1], { kind: 'term', term: { kind: 'regex', source: 'dep.oy', flags: 'i' }, column: 31 });
    assert.deepEqual(items[2], {
      kind: 'term',
      term: { kind: 'field', field: 'content', value: 'BEGIN RSA' },
      column: 41,
    });
    // A word with a colon that names no field is a word (a URL, a time).
    assert.deepEqual(parseQuery('http://x'), { kind: 'term', term: { kind: 'text', text: 'http://x' }, column: 1 });
  });

  test('a malformed query names its column', () => {
    const cases: Array<[string, number, RegExp]> = [
      ['"open', 1, /never closed/],
      ['a (b', 3, /never closed/],
      ['a )', 3, /closes nothing/],
      ['OR a', 1, /OR needs a term before/],
      ['a OR', 5, /OR needs a term after/],
      ['tool:', 6, /needs a value/],
      ['chain:maybe', 7, /chain:ok/],
      ['after:yesterday', 7, /UTC date/],
      ['/(/', 1, /not a valid regular expression/],
      ['/abc/g', 6, /flags/],
      ['x - y', 3, /"-"/],
      ['', 1, /empty/],
      ['()', 1, /empty parentheses/],
    ];
    for (const [text, column, why] of cases) {
      assert.throws(
        () => parseQuery(text),
        (err: unknown) => err instanceof QueryError && err.column === column && why.test(err.message),
        text,
      );
    }
  });
});

describe('globs and instants', () => {
  test('* is any run of characters, ? one; everything else is itself; case folds unless asked not to', () => {
    const g = globMatcher('infra/*.t?');
    assert.ok(g('infra/main.tf'));
    assert.ok(g('INFRA/a/b.tf'), '* crosses folders and the case folds');
    assert.ok(!g('infra/main.tfvars'));
    assert.ok(!g('xinfra/main.tf'), 'anchored at both ends');
    assert.ok(globMatcher('a.b')('a.b') && !globMatcher('a.b')('axb'), 'a dot is a dot');
    assert.ok(!globMatcher('Main.tf', true)('main.tf'), 'exact case when asked');
    assert.ok(globMatcher('(x)+[y]')('(x)+[y]'), 'regex characters are literal');
  });

  test('a date is its first instant UTC; fractions and offsets order as time does', () => {
    const at = (t: string) => parseInstant(t)!;
    assert.equal(compareInstants(at('2026-11-20'), at('2026-11-20T00:00:00Z')), 0);
    assert.equal(compareInstants(at('2026-11-20T09:00:00.000001Z'), at('2026-11-20T09:00:00Z')), 1);
    assert.equal(compareInstants(at('2026-11-20T10:00:00+01:00'), at('2026-11-20T09:00:00Z')), 0);
    assert.equal(compareInstants(at('2026-11-20T09:00:00Z'), at('2026-11-20T09:00:01Z')), -1);
    for (const bad of ['2026-13-01', '2026-11-32', 'yesterday', '2026-11-20T25:00:00Z', '20261120']) {
      assert.equal(parseInstant(bad), undefined, bad);
    }
  });

  test('AND is optional, quotes keep their escapes, a field takes a quoted value', () => {
    const shape = (text: string) => JSON.stringify(parseQuery(text), (k, v: unknown) => (k === 'column' ? 0 : v));
    assert.equal(shape('a AND b'), shape('a b'));
    assert.equal(shape('NOT a OR b c'), shape('(-a) OR (b AND c)'));
    assert.deepEqual(parseQuery('"say \\"hi\\""'), {
      kind: 'term',
      term: { kind: 'text', text: 'say "hi"' },
      column: 1,
    });
    assert.deepEqual(parseQuery('-(a OR b)'), {
      kind: 'not',
      item: {
        kind: 'or',
        items: [
          { kind: 'term', term: { kind: 'text', text: 'a' }, column: 3 },
          { kind: 'term', term: { kind: 'text', text: 'b' }, column: 8 },
        ],
      },
    });
  });
});
