// The demo's snapshots, as an engineer's coding agent would leave them in pf 1.0.15's shapes: `before-refactor`,
// two forks (`before-refactor-1` whose tool-call record was edited after signing, and `before-refactor-2:explore`),
// their merge, and one snapshot signed with an operator secret. Its env has a redacted key and a token in
// clear; its tree has modes, a folder and a symlink; one file blob is corrupt. Used by `npm start` and tests.
import { entry, envText, fsTreeText, ledgerText, respawnText, traceText, writePfImage } from './pfLayers';
import { blobFile, flipByte, writeBlob } from './storeFixtures';

export const DEMO_SECRET = '5e'.repeat(32);
/** The operator secret of the `operator-signed` snapshot (what PF_SESSION_SECRET held at snapshot time). */
export const DEMO_OPERATOR_SECRET = '0c'.repeat(32);

export function writeDemoSnapshots(store: string) {
  const conversation = [
    { role: 'system', content: 'You are a careful coding agent. Keep the tests green.' },
    { role: 'user', content: 'Refactor `parser.py` into a lexer and a grammar module.' },
    {
      role: 'assistant',
      content:
        'Plan:\n1. Read `parser.py`.\n2. Move tokenising into `lexer.py`.\n\n```python\ndef tokens(text):\n    ...\n```',
    },
    { role: 'tool', content: 'def parse(text):\n    return grammar(tokens(text))' },
    { role: 'assistant', content: 'Both modules written; 42 tests pass.' },
  ];
  const tools = ['read_file', 'write_file', 'run_tests', 'git_commit', 'http_post', 'read_file'];
  const calls = tools.map((t, i) => entry(i, t, t === 'git_commit' || t === 'http_post' ? 'irreversible' : 'pure'));
  const tree = fsTreeText(store, [
    { path: 'src', kind: 'dir' },
    { path: 'src/parser.py', kind: 'file', content: 'def parse(text):\n    return grammar(tokens(text))\n' },
    { path: 'src/lexer.py', kind: 'file', content: 'def tokens(text):\n    return text.split()\n' },
    { path: 'run.sh', kind: 'file', mode: '0755', content: '#!/bin/sh\npytest -q\n' },
    { path: 'src/current', kind: 'symlink', linkTarget: 'parser.py' },
  ]);
  const notes = 'Refactor notes: the grammar keeps its old entry point.\n';
  const forkTree = fsTreeText(store, [
    { path: 'src', kind: 'dir' },
    { path: 'src/parser.py', kind: 'file', content: 'def parse(text):\n    return grammar(tokens(text))\n' },
    { path: 'NOTES.md', kind: 'file', content: notes },
  ]);
  const env = envText({
    HOME: '/home/dev',
    PATH: '/usr/local/bin:/usr/bin',
    OPENAI_API_KEY: '<redacted>',
    GITHUB_TOKEN: `ghp_${'dEm0'.repeat(9)}`,
    EDITOR: 'vim',
  });
  const before = writePfImage(store, {
    name: 'before-refactor',
    createdAt: '2026-11-20T09:14:03.512204Z',
    trace: traceText(conversation.slice(0, 2)),
    ledger: ledgerText(calls.slice(0, 2), { secretHex: DEMO_SECRET }),
    env,
    fs: tree,
  });
  const edited = writePfImage(store, {
    name: 'before-refactor-1',
    createdAt: '2026-11-20T09:40:12.004Z',
    parents: [before.hex],
    trace: traceText(conversation),
    ledger: ledgerText(calls, {
      secretHex: DEMO_SECRET,
      tamper: { at: 3, change: (e) => (e.side_effect_class = 'pure') }, // an irreversible commit hidden afterwards
    }),
    env,
    fs: forkTree,
  });
  const explore = writePfImage(store, {
    name: 'before-refactor-2:explore',
    createdAt: '2026-11-20T09:52:44.5Z',
    parents: [before.hex],
    trace: traceText([
      ...conversation.slice(0, 2),
      { role: 'assistant', content: 'Trying a parser generator instead.' },
    ]),
    ledger: ledgerText(calls.slice(0, 3), { secretHex: DEMO_SECRET }),
    env,
    procs: respawnText(['HOME=/home/dev', 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY']),
  });
  const merged = writePfImage(store, {
    name: 'merge:before-r+before-r',
    createdAt: '2026-11-20T10:05:00Z',
    parents: [edited.hex, explore.hex],
    trace: traceText([...conversation, { role: 'system', content: '[merged from sibling] before-refactor-2:explore' }]),
    ledger: JSON.stringify({
      kind: 'effects.merged.v1',
      parent_a: `sha256:${edited.layers.ledger}`,
      parent_b: `sha256:${explore.layers.ledger}`,
      ancestor: `sha256:${before.layers.ledger}`,
      replay_with_new_key: ['irreversible'],
      summary: { a_entries: 6, b_entries: 3, b_irreversible_cached: 0 },
    }),
    env,
    fs: tree,
  });
  const operator = writePfImage(store, {
    name: 'operator-signed',
    createdAt: '2026-11-20T11:30:00Z',
    trace: traceText(conversation.slice(0, 1)),
    ledger: ledgerText(calls.slice(0, 2), { secretHex: DEMO_OPERATOR_SECRET, embed: false }),
    env: envText({ HOME: '/home/dev', OPENAI_API_KEY: '<redacted>' }),
  });
  // One corrupt blob, to show what verify finds: a file only the fork's tree names.
  const corrupt = writeBlob(store, notes);
  flipByte(blobFile(store, corrupt));
  return { before, edited, explore, merged, operator, corrupt };
}
