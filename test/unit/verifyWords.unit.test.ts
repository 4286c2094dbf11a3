// The editor's verify summary in its users' words: records intact or not (by snapshot name), the ones that need
// the operator secret, secrets in clear counted by snapshot; only bad records and leaks make it a warning.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ImageCheck } from '../../shared/protocol';
import { NEEDS_OPERATOR_SECRET } from '../../shared/snapshots/snapshotView';
import { snapshotsSummary } from '../../shared/checks/verifyWords';

const check = (name: string | undefined, ledger: ImageCheck['ledger'], more: Partial<ImageCheck> = {}): ImageCheck => ({
  image: `sha256:${'ab'.repeat(32)}`,
  ...(name ? { name } : {}),
  ledger,
  ledgerReason: '',
  viaOperatorSecret: false,
  secrets: [],
  ...more,
});

test('intact, edited after signing, needing the operator secret, and secrets in clear, by name', () => {
  const summary = snapshotsSummary([
    check('before-refactor', 'ok'),
    check('after-refactor', 'bad', { entry: 3, tool: 'git_push', ledgerReason: 'entry 3 was edited after signing' }),
    check('operator', 'skipped', { ledgerReason: `${NEEDS_OPERATOR_SECRET} (set it)` }),
    check('empty', 'skipped', { ledgerReason: 'the ledger has no entries' }),
    check(undefined, 'ok', {
      secrets: [
        { layer: 'world.env', variable: 'GITHUB_TOKEN', why: 'a GitHub token' },
        { layer: 'world.env', variable: 'DB_PASSWORD', why: 'its name' },
      ],
    }),
  ]);
  assert.equal(
    summary.text,
    'Tool-call records: 2 intact, 1 NOT INTACT (after-refactor), 1 needs the operator secret. 2 secrets in clear in sha256:abababababab…',
  );
  assert.equal(summary.alarming, true);
});

test('all intact is not a warning; one that needs the secret alone is not either', () => {
  const quiet = snapshotsSummary([
    check('a', 'ok'),
    check('b', 'skipped', { ledgerReason: `${NEEDS_OPERATOR_SECRET} (set it)` }),
  ]);
  assert.deepEqual(quiet, { text: 'Tool-call records: 1 intact, 1 needs the operator secret', alarming: false });
  assert.equal(
    snapshotsSummary([check('c', 'ok', { secrets: [{ layer: 'world.procs', variable: 'X', why: 'y' }] })]).alarming,
    true,
  );
});
