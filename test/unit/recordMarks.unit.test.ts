// What a newcomer missed (issue 39 items 3, 7, 9): a merge whose parent's record was edited, a diff into a
// tampered snapshot, a listing that marks neither, parents listed as bare digests, and show without the names of
// the environment's variables. Snapshots in pf's shapes: chained ledgers, a merge record naming both parents'.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, describe, test } from 'node:test';
import { CLI_JS } from '../support/serverProcess';
import { entry, envText, ledgerText, writePfImage } from '../support/pfLayers';
import { tempStore, writeBlob } from '../support/storeFixtures';

const SECRET = '4b'.repeat(32);
const GITHUB_TOKEN = `ghp_${'Mn2'.repeat(12)}`;
const calls = ['read_file', 'edit_file', 'run_tests', 'git_push'].map((t, i) =>
  entry(i, t, t === 'git_push' ? 'irreversible' : 'pure'),
);

describe('records and names where a person looks', () => {
  const root = tempStore();
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [CLI_JS, '--store', root, ...args], {
      encoding: 'utf8',
      env: { ...process.env, PF_SESSION_SECRET: '' },
    });
    assert.ok(!r.stdout.includes(GITHUB_TOKEN) && !r.stderr.includes(GITHUB_TOKEN), 'a value printed');
    return r;
  };
  let base: string;

  before(() => {
    base = writePfImage(root, {
      name: 'base',
      createdAt: '2026-11-20T09:00:00Z',
      ledger: ledgerText(calls.slice(0, 2), { secretHex: SECRET }),
    }).hex;
    const tamperedLedger = ledgerText(calls.slice(0, 3), {
      secretHex: SECRET,
      tamper: { at: 2, change: (e) => (e.tool_id = 'git_status') },
    });
    const intactLedger = ledgerText(calls, { secretHex: SECRET });
    const sideA = writePfImage(root, {
      name: 'side-a',
      createdAt: '2026-11-20T09:10:00Z',
      parents: [base],
      ledger: tamperedLedger,
      env: envText({ GITHUB_TOKEN, HOME: '/home/dev', OPENAI_API_KEY: '<redacted>' }),
    });
    const sideB = writePfImage(root, {
      name: 'side-b',
      createdAt: '2026-11-20T09:20:00Z',
      parents: [base],
      ledger: intactLedger,
    });
    const ancestor = writeBlob(root, ledgerText(calls.slice(0, 2), { secretHex: SECRET }));
    const record = JSON.stringify({
      kind: 'effects.merged.v1',
      parent_a: `sha256:${sideA.layers.ledger}`,
      parent_b: `sha256:${sideB.layers.ledger}`,
      ancestor: `sha256:${ancestor}`,
      replay_with_new_key: ['irreversible'],
      summary: { a_entries: 3, b_entries: 4, b_irreversible_cached: 1 },
    });
    writePfImage(root, {
      name: 'merge:side-a+side-b',
      createdAt: '2026-11-20T09:30:00Z',
      parents: [sideA.hex, sideB.hex],
      ledger: record,
    });
  });

  test('images marks the tampered snapshot, the merge that carries it, and secrets in clear; parents by name', () => {
    const r = run('images');
    assert.equal(r.status, 0, r.stderr);
    const line = (name: string) => r.stdout.split('\n').find((l) => l.startsWith(`${name}  `)) ?? '';
    assert.match(line('side-a'), /\[record not intact; secrets in clear: GITHUB_TOKEN\]/);
    assert.match(line('merge:side-a\+side-b'), /\[record not intact \(parent side-a\)\]/);
    assert.match(
      line('merge:side-a\+side-b'),
      /parents: side-a \(sha256:[0-9a-f]{12}…\), side-b \(sha256:[0-9a-f]{12}…\)/,
    );
    assert.doesNotMatch(line('side-b'), /\[/);
    assert.match(line('side-a'), new RegExp(`parents: base \\(sha256:${base.slice(0, 12)}…\\)`));
    const json = JSON.parse(run('--json', 'images').stdout) as Array<{
      name: string;
      record: string;
      secretsInClear: string[];
    }>;
    assert.deepEqual(json.map((x) => [x.name, x.record, x.secretsInClear]).sort(), [
      ['base', 'intact', []],
      ['merge:side-a+side-b', 'not intact', []],
      ['side-a', 'not intact', ['GITHUB_TOKEN']],
      ['side-b', 'intact', []],
    ]);
  });

  test('show of the merge names the parent whose record is not intact', () => {
    const r = run('show', 'merge:side-a+side-b');
    assert.match(r.stdout, /RECORD NOT INTACT: the record of merged parent side-a is not intact: entry 2/);
  });

  test('diff from an intact snapshot to the tampered one says the record went bad', () => {
    const r = run('diff', 'base', 'side-a');
    assert.match(r.stdout, /^record: intact -> not intact \(entry 2 does not match its signature/m);
    assert.doesNotMatch(run('diff', 'base', 'side-b').stdout, /^record:/m);
  });

  test('show lists the environment variables by name, secret ones marked and never their values', () => {
    const r = run('show', 'side-a');
    assert.match(r.stdout, /^  GITHUB_TOKEN  \(secret in clear: value not shown\)$/m);
    assert.match(r.stdout, /^  HOME$/m);
    assert.match(r.stdout, /^  OPENAI_API_KEY  \(redacted by pf\)$/m);
  });
});
