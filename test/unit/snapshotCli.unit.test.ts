// pfstore on snapshots written in pf's own layer shapes (test/support/pfLayers.ts): verify agrees with pf verify
// image by image and says more (a ledger edited after signing, a count that disagrees), secrets are named and
// never printed, every command takes a snapshot's name, show answers what the agent said, did and carried, and
// the closure keeps what merge and CRIU records name.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { CLI_JS } from '../support/serverProcess';
import {
  entry,
  envText,
  fsTreeText,
  ledgerText,
  respawnText,
  traceText,
  writeMergedSnapshot,
  writePfImage,
} from '../support/pfLayers';
import { blobFile, tempStore, writeBlob } from '../support/storeFixtures';

const SECRET = '5e'.repeat(32);
const OPERATOR = '0c'.repeat(32);
const GITHUB_TOKEN = `ghp_${'Zq3'.repeat(12)}`;
const DB_PASSWORD = 'hunter2-correct-horse';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const VALUES = [GITHUB_TOKEN, DB_PASSWORD, AWS_SECRET, SECRET, OPERATOR];

const tools = ['read_file', 'edit_file', 'run_tests', 'git_commit', 'http_post', 'write_file'];
const SIX = tools.map((t, i) => entry(i, t, t === 'git_commit' || t === 'http_post' ? 'irreversible' : 'pure'));

function run(root: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI_JS, '--store', root, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PF_SESSION_SECRET: '', ...env },
  });
  for (const value of VALUES) {
    assert.ok(!r.stdout.includes(value) && !r.stderr.includes(value), `${args.join(' ')} printed a secret's value`);
  }
  return r;
}

describe('a store of named snapshots in pf shapes', () => {
  const root = tempStore();
  let base: ReturnType<typeof writePfImage>;
  let after: ReturnType<typeof writePfImage>;

  before(() => {
    const trace = traceText([
      { role: 'system', content: 'You are a coding agent.' },
      { role: 'user', content: 'Refactor the parser into two modules.\nKeep the tests green.' },
      { role: 'assistant', content: 'Reading parser.py first.', model: 'claude-x' },
    ]);
    base = writePfImage(root, {
      name: 'before-refactor',
      createdAt: '2026-11-20T09:14:03.512204Z',
      trace,
      ledger: ledgerText(SIX, { secretHex: SECRET }),
      env: envText({
        HOME: '/home/dev',
        OPENAI_API_KEY: '<redacted>',
        GITHUB_TOKEN,
        DATABASE_URL: `postgres://app:${DB_PASSWORD}@db:5432/app`,
      }),
      fs: fsTreeText(root, [
        { path: 'src', kind: 'dir' },
        { path: 'src/parser.py', kind: 'file', content: 'def parse(text):\n    return []\n' },
        { path: 'src/latest', kind: 'symlink', linkTarget: 'parser.py' },
      ]),
    });
    after = writePfImage(root, {
      name: 'after-refactor',
      createdAt: '2026-11-20T10:02:11.100Z',
      parents: [base.hex],
      trace: trace + traceText([{ role: 'user', content: 'Now add docs.' }]),
      ledger: ledgerText(SIX, { secretHex: SECRET, tamper: { at: 3, change: (e) => (e.tool_id = 'git_push') } }),
      procs: respawnText(['HOME=/home/dev', `AWS_SECRET_ACCESS_KEY=${AWS_SECRET}`]),
    });
    writePfImage(root, {
      name: 'operator-signed',
      createdAt: '2026-11-20T11:00:00Z',
      ledger: ledgerText(SIX.slice(0, 2), { secretHex: OPERATOR, embed: false }),
    });
  });

  test('verify: the edited ledger is bad at its entry and tool, secrets are named, pf summary line, exit 4', () => {
    const r = run(root, ['verify']);
    assert.equal(r.status, 4, r.stderr);
    assert.match(
      r.stdout,
      /BAD LEDGER after-refactor \(sha256:[0-9a-f]{12}…\) at entry 3 \(git_push\): .*edited after signing/,
    );
    assert.match(
      r.stdout,
      /SECRET IN CLEAR before-refactor .* world\.env GITHUB_TOKEN: its value looks like a GitHub token/,
    );
    assert.match(
      r.stdout,
      /SECRET IN CLEAR before-refactor .* world\.env DATABASE_URL: its value looks like a password inside a URL/,
    );
    assert.match(r.stdout, /SECRET IN CLEAR after-refactor .* world\.procs AWS_SECRET_ACCESS_KEY/);
    assert.doesNotMatch(r.stdout, /OPENAI_API_KEY/, 'a redacted variable is no secret in clear');
    assert.match(
      r.stdout,
      /verified \d+ blob\(s\); 0 bad\. effects ledgers: 1 ok \(0 via operator secret\), 1 bad, 1 skipped \(1 signed with an operator secret/,
    );
  });

  test('verify --json: ledgers per image with verdict, reason and entry; the operator secret from the environment', () => {
    const r = run(root, ['--json', 'verify'], { PF_SESSION_SECRET: OPERATOR });
    const out = JSON.parse(r.stdout);
    const byName = new Map<string, { verdict: string; entry: number | null }>(
      out.ledgers.images.map((i: { name: string }) => [i.name, i]),
    );
    assert.equal(byName.get('operator-signed')?.verdict, 'ok');
    assert.equal(out.ledgers.viaOperatorSecret, 1);
    // The operator secret wins over embedded ones, as in pf: those chains were signed with another secret.
    assert.equal(byName.get('before-refactor')?.verdict, 'bad');
    assert.equal(out.secrets.length, 3);
    assert.deepEqual(Object.keys(out.secrets[0]).sort(), ['image', 'layer', 'name', 'variable', 'why']);
  });

  test('verify --image by name; --fail-on-unverifiable-ledgers fails on a skipped ledger', () => {
    assert.equal(run(root, ['verify', '--image', 'before-refactor']).status, 0);
    const skipped = run(root, ['verify', '--image', 'operator-signed', '--fail-on-unverifiable-ledgers']);
    assert.equal(skipped.status, 4);
    assert.equal(run(root, ['verify', '--image', 'operator-signed']).status, 0);
    const withFlag = run(root, ['--json', 'verify', '--image', 'operator-signed', '--session-secret-hex', OPERATOR]);
    assert.equal(JSON.parse(withFlag.stdout).ledgers.images[0].verdict, 'ok');
    const notHex = run(root, ['verify', '--session-secret-hex', 'not-hex-at-all']);
    assert.equal(notHex.status, 1);
    assert.match(notHex.stderr, /must be hex; its value is not shown/);
    assert.ok(!notHex.stderr.includes('not-hex-at-all'));
  });

  test('names everywhere: images, log and diff take a name or a unique prefix; ambiguity lists the candidates', () => {
    const images = run(root, ['images', 'before-refactor']);
    assert.equal(images.status, 0, images.stderr);
    assert.match(images.stdout, /^before-refactor {2}sha256:/);
    const log = run(root, ['log', 'after-refactor']);
    assert.match(
      log.stdout,
      /\* after-refactor {2}sha256:[0-9a-f]{64} {2}2026-11-20T10:02:11\.100Z {2}claude-code 1\.0\.15/,
    );
    const diff = run(root, ['diff', 'before-refactor', after.hex.slice(0, 10)]);
    assert.equal(diff.status, 0, diff.stderr);
    assert.match(diff.stdout, /from before-refactor \(sha256:[0-9a-f]{12}…\) to after-refactor/);
    writePfImage(root, { name: 'twin', createdAt: '2026-11-21T00:00:00Z' });
    writePfImage(root, { name: 'twin', createdAt: '2026-11-22T00:00:00Z' });
    const ambiguous = run(root, ['show', 'twin']);
    assert.equal(ambiguous.status, 1);
    assert.match(ambiguous.stderr, /"twin" names 2 images/);
    assert.equal(ambiguous.stderr.match(/twin \(sha256:/g)?.length, 2);
    const none = run(root, ['log', 'nonexistent-name']);
    assert.match(none.stderr, /no image in the catalog \(images\/\) is named "nonexistent-name"/);
  });

  test('diff: the agent name changed, the messages added after the common prefix, the tool calls', () => {
    const r = run(root, ['diff', 'before-refactor', 'after-refactor']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^agent name: before-refactor -> after-refactor$/m);
    assert.match(r.stdout, /^conversation: 3 -> 4 messages; 3 shared from the start, 1 added after them, 0 changed$/m);
    assert.match(r.stdout, /^ {2}\+ \[3\] user: Now add docs\.$/m);
    assert.match(r.stdout, /^tool calls: 6 -> 6$/m);
    const json = JSON.parse(run(root, ['--json', 'diff', 'before-refactor', 'after-refactor']).stdout);
    assert.equal(json.snapshot.conversation.added, 1);
  });

  test('show: conversation, tool calls with the bad entry marked, environment by name, processes, files', () => {
    const r = run(root, ['show', 'after-refactor']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /parents +before-refactor \(sha256:/);
    assert.match(r.stdout, /Conversation: 4 messages \(system 1, user 2, assistant 1\)/);
    assert.match(r.stdout, /\[1\] user: Refactor the parser into two modules\. …/);
    assert.match(r.stdout, /Tool calls: 6, RECORD NOT INTACT at entry 3 \(git_push\)/);
    assert.match(r.stdout, /! \[3\] .* git_push {2}irreversible {2}BAD/);
    assert.match(r.stdout, /secret in clear: AWS_SECRET_ACCESS_KEY in world\.procs/);
    assert.match(r.stdout, /Processes: procs\.respawn\.v1/);
    const before = JSON.parse(run(root, ['--json', 'show', 'before-refactor']).stdout);
    assert.equal(before.environment.count, 4);
    assert.equal(before.environment.redacted, 1);
    assert.deepEqual(before.environment.secrets.map((s: { name: string }) => s.name).sort(), [
      'DATABASE_URL',
      'GITHUB_TOKEN',
    ]);
    assert.equal(before.files.symlinks, 1);
    assert.deepEqual(before.files.links, [{ path: 'src/latest', target: 'parser.py' }]);
    assert.equal(before.conversation.page[2].extra.model, '"claude-x"', 'extra keys are kept');
    assert.equal(before.modelBase.name, 'claude-code');
    assert.equal(before.toolCalls.verdict, 'ok');
    assert.equal(before.children[0].name, 'after-refactor');
  });
});

describe('the closure pf forgets', () => {
  test("a merge record names its parents' ledgers and a CRIU record its dump: verify, refs and gc count them", () => {
    const root = tempStore();
    const { parentA, parentB, named } = writeMergedSnapshot(root, SECRET);
    const { ledgerA, ledgerB, ancestor, dump } = named;
    const parentFiles = [parentA, parentB].map((hex) => path.join(root, 'images', `${hex}.json`));
    const hoursAgo = new Date(Date.now() - 3 * 3600_000);
    for (const dir of fs.readdirSync(path.join(root, 'blobs', 'sha256'))) {
      for (const f of fs.readdirSync(path.join(root, 'blobs', 'sha256', dir))) {
        fs.utimesSync(path.join(root, 'blobs', 'sha256', dir, f), hoursAgo, hoursAgo);
      }
    }
    // The parents' catalog files go (as after a pf gc of old images): their manifests must stay for lineage.
    parentFiles.forEach((file) => fs.rmSync(file));
    const gc = run(root, ['--json', 'gc', '--unreferenced']);
    assert.equal(gc.status, 0, gc.stderr);
    for (const hex of [ledgerA, ledgerB, ancestor, dump, parentA, parentB]) {
      assert.ok(fs.existsSync(blobFile(root, hex)), `gc removed sha256:${hex}, which the merged image needs`);
    }
    const refs = JSON.parse(run(root, ['--json', 'refs', `sha256:${ledgerB}`]).stdout);
    assert.deepEqual(refs.images[0].paths, ['effects.ledger parent_b']);
    fs.rmSync(blobFile(root, dump));
    const verify = run(root, ['--json', 'verify', '--image', 'merge:side-a+side-b']);
    assert.ok(
      JSON.parse(verify.stdout).problems.some(
        (p: { digest: string; kind: string }) => p.digest === `sha256:${dump}` && p.kind === 'not-found',
      ),
      'the missing dump is a missing blob of the closure',
    );
  });
});

test("a CRIU dump from pf's CLI: its header line and the files of its archive, listed as they stream by", () => {
  const root = tempStore();
  const dir = fs.mkdtempSync(path.join(root, '..', 'criu-'));
  fs.writeFileSync(path.join(dir, 'core-77.img'), Buffer.alloc(70_000, 1));
  fs.writeFileSync(path.join(dir, 'pstree.img'), 'tree');
  const tar = spawnSync('tar', ['-cf', '-', '-C', dir, 'core-77.img', 'pstree.img']);
  assert.equal(tar.status, 0, String(tar.stderr));
  const header = {
    kind: 'procs.criu.v1',
    schema: 1,
    pid: 77,
    leave_running: true,
    tcp_established: false,
    criu_version: '3.19',
    kernel: '6.1.0',
    machine: 'x86_64',
    captured_at: '2026-11-20T09:14:03Z',
  };
  const procs = writeBlob(root, Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), tar.stdout]));
  writePfImage(root, { name: 'with-criu', createdAt: '2026-11-20T09:14:03Z' });
  const json = fs.readFileSync(
    fs.readdirSync(path.join(root, 'images')).map((f) => path.join(root, 'images', f))[0],
    'utf8',
  );
  const m = JSON.parse(json);
  m.world.procs = `sha256:${procs}`;
  m.agent.fingerprint = 'criu-image';
  const text = JSON.stringify(m);
  const hex = writeBlob(root, text);
  fs.writeFileSync(path.join(root, 'images', `${hex}.json`), text);
  const shown = JSON.parse(run(root, ['--json', 'show', 'criu-image']).stdout);
  assert.equal(shown.processes.kind, 'procs.criu.v1');
  assert.deepEqual(
    shown.processes.fields.find((f: string[]) => f[0] === 'pid'),
    ['pid', '77'],
  );
  assert.equal(shown.processes.memberCount, 2);
  assert.deepEqual(
    shown.processes.members.map((x: { name: string; size: number }) => [x.name, x.size]),
    [
      ['core-77.img', 70_000],
      ['pstree.img', 4],
    ],
  );
});
