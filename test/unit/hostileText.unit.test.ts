// Strings from a store are data: pfstore prints them so a terminal shows them and never acts on them (ESC
// sequences, CR, bidi overrides, C1 controls), in every command, while --json keeps every value exact. The same
// strings reach Markdown only escaped.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { markdownCode, markdownText } from '../../shared/common/markdownText';
import { terminalLine, terminalLines } from '../../shared/common/terminalText';
import { CLI_JS } from '../support/serverProcess';
import { tempStore, writeBlob, writeImage } from '../support/storeFixtures';

/** What a terminal acts on: C0 controls but tab and line feed, DEL, C1, bidi controls, LS/PS. */
const ACTED_ON = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const HOSTILE = {
  kind: 'claude-code\u001b]0;window title\u0007',
  version: '1.0.15\r\u001b[2Kfake line',
  fingerprint: 'before\u202erotcafer\u009b31m',
  path: 'work/\u001b]8;;https://example.invalid\u001b\\link\u001b]8;;\u001b\\\nremoved everything',
};

function hostileStore(): { root: string; parent: string; child: string; fileBlob: string } {
  const root = tempStore();
  const fileBlob = writeBlob(root, 'print("hello")\n');
  const layer = (text: string) => writeBlob(root, text);
  const fsTree = layer(
    JSON.stringify({
      kind: 'fs.tree.v1',
      entries: [{ path: HOSTILE.path, size: 15, blob: `sha256:${fileBlob}`, mode: 0o100644, kind: 'file' }],
    }),
  );
  const spec = {
    base: layer('base'),
    diff: layer('diff'),
    cachePages: layer('{"pages":[]}'),
    fs: fsTree,
    env: layer('{"kind":"env.v1","vars":{}}'),
    procs: layer('{"kind":"procs.none.v1"}'),
    ledger: layer('{"kind":"effects.ledger.v1","entries":0}\n'),
    messages: layer('{"role":"user","content":"hi"}\n'),
    agent: { kind: HOSTILE.kind, version: HOSTILE.version, fingerprint: HOSTILE.fingerprint },
  };
  const parent = writeImage(root, spec).hex;
  const child = writeImage(root, { ...spec, parents: [parent], createdAt: '2026-11-21T10:00:00Z' }).hex;
  return { root, parent, child, fileBlob };
}

test('the helpers: every acted-on character escaped, JSON values unchanged, Markdown inert', () => {
  const all = Object.values(HOSTILE).join('|');
  assert.doesNotMatch(terminalLine(all), ACTED_ON);
  assert.doesNotMatch(terminalLine(all), /\n/);
  assert.match(terminalLine('a\u001b[31mb\rc\u202ed'), /^a\\u001b\[31mb\\rc\\u202ed$/);
  assert.equal(terminalLines('one\ntwo\u001b'), 'one\ntwo\\u001b');
  const json = JSON.stringify(HOSTILE, null, 2);
  assert.deepEqual(JSON.parse(terminalLines(json)), HOSTILE, 'escaping JSON text keeps every value');
  assert.equal(terminalLine('plain text, tabs\tkept'), 'plain text, tabs\tkept');

  const link = '[click](command:workbench.action.quit) *bold* <img src=x> https://example.invalid `code`';
  const text = markdownText(link);
  assert.doesNotMatch(text.replace(/\\[!-/:-@[-`{-~]/g, ''), /[!-/:-@[-`{-~]/, `unescaped punctuation in ${text}`);
  assert.equal(text.replace(/\\(.)/g, '$1'), link, 'only escapes were added');
  assert.equal(markdownCode('a `b` c'), '``a `b` c``');
  assert.equal(markdownCode('`start'), '`` `start ``');
  assert.doesNotMatch(markdownCode('x\ny'), /\n/);
  const many = '`'.repeat(300_000);
  assert.equal(
    markdownCode(many).length,
    many.length + 2 * 300_001 + 2,
    'a long run of backticks is fenced by one more',
  );
});

test('images, log, diff and refs print store strings escaped; --json keeps them exact', () => {
  const { root, parent, child, fileBlob } = hostileStore();
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [CLI_JS, '--store', root, ...args], { encoding: 'utf8' });
    assert.ok(r.status === 0, `${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
    return r;
  };
  const outputs = [
    run('images'),
    run('log', `sha256:${child}`),
    run('diff', `sha256:${parent}`, `sha256:${child}`),
    run('refs', `sha256:${fileBlob}`),
    run('--json', 'images'),
  ];
  for (const r of outputs) {
    assert.doesNotMatch(r.stdout, ACTED_ON, `raw control characters in:\n${JSON.stringify(r.stdout)}`);
    assert.doesNotMatch(r.stderr, ACTED_ON);
  }
  assert.match(outputs[0].stdout, /claude-code\\u001b\]0;window title\\u0007/);
  assert.match(outputs[3].stdout, /work\/\\u001b\]8;;https:\/\/example\.invalid/);
  assert.doesNotMatch(outputs[3].stdout, /\nremoved everything/, 'a line feed in a path does not start a line');
  const listed = JSON.parse(outputs[4].stdout) as Array<{ agent: string | null }>;
  assert.ok(
    listed.some((i) => i.agent === `${HOSTILE.kind} ${HOSTILE.version}`),
    'JSON keeps the exact value',
  );
});

test('an error message that quotes store data is escaped too', () => {
  const root = tempStore();
  fs.mkdirSync(path.join(root, 'images'), { recursive: true });
  const r = spawnSync(process.execPath, [CLI_JS, '--store', root, 'verify', '--image', 'sha256:\u001b[2J'], {
    encoding: 'utf8',
  });
  assert.notEqual(r.status, 0);
  assert.doesNotMatch(r.stderr, ACTED_ON);
});
