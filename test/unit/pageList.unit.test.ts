// The page-list scan reads pf's page lists from their bytes without JSON.parse. It is only safe if every text it
// accepts is one JSON.parse reads as the same pages: checked on pf's shape (compact and indented) and on
// thousands of one-character mutations of it, and every other shape must be left to the parser.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { packPageList, PAGE_RECORD_BYTES } from '../../server/src/store/workers/pageList';

const hexOf = (s: string) => createHash('sha256').update(s).digest('hex');
const pages = Array.from({ length: 5 }, (_, i) => ({ k: `sha256:${hexOf(`k${i}`)}`, v: `sha256:${hexOf(`v${i}`)}` }));

/** The digests JSON.parse finds in `text`, in scan order (k, v, k, v...), or undefined when it is not a page list. */
function parsedDigests(text: string): string[] | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const list = (raw as { pages?: Array<{ k?: unknown; v?: unknown }> } | null)?.pages;
  return Array.isArray(list) ? list.flatMap((p) => [String(p?.k), String(p?.v)]) : undefined;
}

function scannedDigests(text: string): string[] | undefined {
  const records = packPageList(Buffer.from(text, 'utf8'));
  if (!records) {
    return undefined;
  }
  const digests: string[] = [];
  for (let at = 0; at < records.length; at += 32) {
    digests.push(`sha256:${records.toString('hex', at, at + 32)}`);
  }
  return digests;
}

test('pf-shaped page lists, compact or indented, scan to the digests JSON.parse reads', () => {
  for (const text of [
    JSON.stringify({ pages }),
    JSON.stringify({ pages }, null, 2),
    ` \r\n${JSON.stringify({ pages }, null, '\t')}\n`,
    '{"pages":[]}',
    '{ "pages" : [ ] }',
  ]) {
    const scanned = scannedDigests(text);
    assert.ok(scanned, `scanned: ${text.slice(0, 40)}`);
    assert.deepEqual(scanned, parsedDigests(text));
    assert.equal(packPageList(Buffer.from(text))!.length, (scanned.length / 2) * PAGE_RECORD_BYTES);
  }
});

test('every other shape is left to the parser', () => {
  const [p] = pages;
  const k = p.k.slice(7);
  const v = p.v.slice(7);
  for (const text of [
    `{"pages":[{"v":"sha256:${v}","k":"sha256:${k}"}]}`, // other key order
    `{"pages":[{"k":"sha256:${k}","v":"sha256:${v}","n":1}]}`, // another key
    `{"layout":"x","pages":[]}`,
    `{"pages":[{"k":"sha256:${k.toUpperCase()}","v":"sha256:${v}"}]}`,
    `{"pages":[{"k":"sha256:${k.slice(1)}","v":"sha256:${v}"}]}`,
    `{"pages":[{"k":"\\u0073ha256:${k}","v":"sha256:${v}"}]}`, // an escape JSON.parse would resolve
    `{"pages":[{"k":"sha256:${k}","v":"sha256:${v}"},]}`,
    `{"pages":[{"k":"sha256:${k}","v":"sha256:${v}"}]}x`,
    `{"pages":[{"k":"sha256:${k}","v":"sha256:${v}"}]`,
    `\ufeff{"pages":[]}`,
    `{"pages":[{"k":"sha512:${k}","v":"sha256:${v}"}]}`,
    `{"pages":[{"k":"sha256:${k}","v":"sha256:${v}"}]}\u00a0`, // a space JSON does not allow
    '',
  ]) {
    assert.equal(packPageList(Buffer.from(text, 'utf8')), undefined, text.slice(0, 60));
  }
});

test('a one-character change is either refused or read exactly as JSON.parse reads it', () => {
  const base = JSON.stringify({ pages }, null, 1);
  // A small deterministic generator: the same mutations on every run.
  let seed = 12345;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const alphabet = ' \t\n{}[]:,"\\0123456789abcdefABCDEFksvpagh-';
  let accepted = 0;
  for (let round = 0; round < 5000; round++) {
    const at = next(base.length);
    const c = alphabet[next(alphabet.length)];
    const op = next(3);
    const text =
      op === 0
        ? base.slice(0, at) + c + base.slice(at + 1) // replace
        : op === 1
          ? base.slice(0, at) + c + base.slice(at) // insert
          : base.slice(0, at) + base.slice(at + 1); // delete
    const scanned = scannedDigests(text);
    if (scanned) {
      accepted++;
      assert.deepEqual(scanned, parsedDigests(text), `mutation ${op} of ${JSON.stringify(c)} at ${at}`);
    }
  }
  assert.ok(accepted > 100, `some mutations keep the shape (whitespace, hex digits): ${accepted}`);
});
