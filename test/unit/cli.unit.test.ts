// pfstore as a user runs it: the built dist/cli.js in child processes, a real store on disk.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI_JS } from '../support/serverProcess';
import { PassThrough } from 'node:stream';
import { progressOnStderr } from '../../server/src/cli/progress';
import { blobFile, flipByte, sha256Hex, tempStore, writeBlob, writeDemoImage } from '../support/storeFixtures';
import { writeTextFile } from '../../bench/benchData';
import { writerOrigin } from '../../server/src/store/blobs/writerOrigin';

const CLI = CLI_JS;

function pfstore(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: Buffer | string; uid?: number; gid?: number } = {},
): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...opts.env },
    input: opts.input,
    uid: opts.uid,
    gid: opts.gid,
    maxBuffer: 1 << 26,
  });
}

/** Every file under the store, for "nothing was written" checks. */
function snapshot(root: string): string[] {
  if (!fs.existsSync(root)) {
    return [];
  }
  return (fs.readdirSync(root, { recursive: true }) as string[]).sort();
}

describe('pfstore', () => {
  let work: string;
  let root: string;
  let fileA: string;
  let fileB: string;

  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'pfstore-cli-'));
    root = path.join(work, 'store');
    fileA = path.join(work, 'a.txt');
    fileB = path.join(work, 'b.txt');
    fs.writeFileSync(fileA, 'alpha\n');
    fs.writeFileSync(fileB, 'beta\n');
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  test('put prints one digest per file in order, and get returns the bytes', () => {
    const put = pfstore(['--store', root, 'put', fileA, fileB]);
    assert.equal(put.status, 0, put.stderr);
    assert.deepEqual(put.stdout.trim().split('\n'), [
      `sha256:${sha256Hex('alpha\n')}`,
      `sha256:${sha256Hex('beta\n')}`,
    ]);
    const get = pfstore(['--store', root, 'get', `sha256:${sha256Hex('beta\n')}`]);
    assert.equal(get.status, 0, get.stderr);
    assert.equal(get.stdout, 'beta\n');
    const out = path.join(work, 'out.txt');
    assert.equal(pfstore(['get', `sha256:${sha256Hex('alpha\n')}`, '-o', out, '--store', root]).status, 0);
    assert.equal(fs.readFileSync(out, 'utf8'), 'alpha\n');
  });

  test('put - reads standard input; $PF_STORE picks the store', () => {
    const put = pfstore(['put', '-'], { input: 'from stdin\n', env: { PF_STORE: root } });
    assert.equal(put.status, 0, put.stderr);
    assert.equal(put.stdout.trim(), `sha256:${sha256Hex('from stdin\n')}`);
    assert.ok(fs.existsSync(blobFile(root, sha256Hex('from stdin\n'))));
  });

  test('ls, stat and verify, as text and as --json', () => {
    const ls = pfstore(['--store', root, 'ls']);
    assert.equal(ls.status, 0);
    assert.equal(ls.stdout.trim().split('\n').length, 3);
    const lsJson = JSON.parse(pfstore(['--store', root, '--json', 'ls', '--limit', '2']).stdout);
    assert.equal(lsJson.items.length, 2);
    assert.ok(lsJson.nextCursor);
    const rest = JSON.parse(pfstore(['--store', root, '--json', 'ls', '--after', lsJson.nextCursor]).stdout);
    assert.equal(rest.items.length, 1);
    const stat = JSON.parse(pfstore(['--store', root, 'stat', '--json', `sha256:${sha256Hex('alpha\n')}`]).stdout);
    assert.equal(stat.decodedBytes, 6);
    assert.equal(stat.storedBytes, fs.statSync(blobFile(root, sha256Hex('alpha\n'))).size);
    const verify = pfstore(['--store', root, 'verify']);
    assert.equal(verify.status, 0, verify.stderr);
    assert.match(verify.stdout, /checked 3 blobs: 3 ok, 0 failed/);
    assert.match(verify.stderr, /verify: 3\/3/); // plain progress lines when stderr is not a terminal
  });

  test('verify says what a damaged blob means, which snapshots it hurts, and what to do', () => {
    const store = tempStore();
    try {
      const image = writeDemoImage(store, 'before-refactor');
      writeDemoImage(store, 'after-refactor', [image.hex]);
      fs.truncateSync(blobFile(store, image.spec.messages), 9);
      flipByte(blobFile(store, image.spec.base));
      const run = pfstore(['--store', store, 'verify']);
      assert.equal(run.status, 4);
      const lines = run.stdout.split('\n');
      const at = lines.findIndex((l) => l.startsWith(`FAIL sha256:${image.spec.messages} truncated`));
      assert.ok(at >= 0, run.stdout);
      assert.match(lines[at + 1], /^ {5}The file is cut short/);
      assert.equal(lines[at + 2], '     used by snapshot before-refactor (trace.messages)');
      const base = lines.findIndex((l) => l.startsWith(`FAIL sha256:${image.spec.base}`));
      assert.match(
        lines[base + 2],
        /^ {5}used by snapshots (before|after)-refactor \(model\.base\) and (after|before)-refactor \(model\.base\)$/,
      );
      assert.match(run.stdout, /^what to do: fetch a damaged blob again/m);
    } finally {
      fs.rmSync(store, { recursive: true, force: true });
    }
  });

  test('verify names a corrupted blob and exits 4', () => {
    const hex = sha256Hex('beta\n');
    const file = blobFile(root, hex);
    const good = fs.readFileSync(file);
    fs.writeFileSync(file, Buffer.concat([good.subarray(0, good.length - 3)]));
    try {
      const all = pfstore(['--store', root, 'verify']);
      assert.equal(all.status, 4);
      assert.match(all.stdout, new RegExp(`FAIL sha256:${hex} (truncated|corrupt-frame|hash-mismatch)`));
      const one = pfstore(['--store', root, '--json', 'verify', `sha256:${hex}`]);
      assert.equal(one.status, 4);
      assert.equal(JSON.parse(one.stdout).problems[0].digest, `sha256:${hex}`);
      const get = pfstore(['--store', root, 'get', `sha256:${hex}`]);
      assert.equal(get.status, 4);
      assert.equal(get.stdout, '', 'no bytes of a bad blob reach standard output');
    } finally {
      fs.writeFileSync(file, good);
    }
    flipByte(file);
    assert.equal(pfstore(['--store', root, 'verify', `sha256:${hex}`]).status, 4);
    fs.writeFileSync(file, good);
  });

  test("verify of the whole store names a misplaced blob and stray files, and leaves a writer's temp file alone", () => {
    const store = tempStore('pf-cli-scan-');
    const kept = writeBlob(store, 'stays where it is\n');
    const moved = writeBlob(store, 'moved to another shard\n');
    const otherShard = path.join(store, 'blobs', 'sha256', moved.startsWith('00') ? '01' : '00');
    fs.mkdirSync(otherShard, { recursive: true });
    fs.renameSync(blobFile(store, moved), path.join(otherShard, `${moved}.zst`));
    const shardOfKept = path.dirname(blobFile(store, kept));
    fs.writeFileSync(path.join(shardOfKept, 'notes.txt'), 'not a blob');
    fs.writeFileSync(path.join(shardOfKept, `${kept}.tmp.${process.pid}.1`), 'a put in progress');
    fs.mkdirSync(path.join(store, 'blobs', 'sha256', 'not-a-shard'));
    const out = pfstore(['--store', store, '--json', 'verify']);
    assert.equal(out.status, 4, out.stderr);
    const report = JSON.parse(out.stdout) as {
      checked: number;
      ok: number;
      problems: Array<{ kind: string; path: string }>;
    };
    assert.equal(report.checked, 1);
    assert.equal(report.ok, 1);
    assert.deepEqual(report.problems.map((p) => `${p.kind} ${path.basename(p.path)}`).sort(), [
      `misplaced ${moved}.zst`,
      'stray not-a-shard',
      'stray notes.txt',
    ]);
    assert.ok(fs.existsSync(path.join(shardOfKept, `${kept}.tmp.${process.pid}.1`)), 'the temp file is still there');
  });

  test('verify of a named blob refuses it when its shard folder is a link out of the store', () => {
    // The blob is good where the link leads: only the folder check stands between verify and reading it.
    const elsewhere = tempStore('pf-cli-elsewhere-');
    const hex = writeBlob(elsewhere, 'a good blob in another store\n');
    const store = tempStore('pf-cli-linked-');
    fs.mkdirSync(path.join(store, 'blobs', 'sha256'), { recursive: true });
    fs.symlinkSync(path.dirname(blobFile(elsewhere, hex)), path.dirname(blobFile(store, hex)));
    const out = pfstore(['--store', store, '--json', 'verify', `sha256:${hex}`]);
    assert.equal(out.status, 4, out.stdout);
    const [problem] = (JSON.parse(out.stdout) as { problems: Array<{ kind: string; message: string }> }).problems;
    assert.equal(problem.kind, 'not-a-file');
    assert.match(problem.message, /leaves the store/);
  });

  test('bad input to every command: a clear message, exit 1, nothing written', () => {
    const before = snapshot(root);
    const hex = sha256Hex('alpha\n');
    const cases: Array<[string[], RegExp]> = [
      [['put'], /at least one FILE/],
      [['put', fileA, path.join(work, 'missing.txt')], /no such file/],
      [['put', work], /not a regular file/],
      [['get', `sha256:${hex.toUpperCase()}`], /upper-case/],
      [['get', 'sha256:abcdef012'], /no blob in the store starts with abcdef012/],
      [['get', 'a'], /too short a prefix/],
      [['get', 'sha256:../../etc/passwd'], /position/],
      [['get', `sha256:${hex.slice(1)}\u0001`], /U\+0001/],
      [['get', `sha256:${'0'.repeat(64)}`], /not in the store/],
      [['get'], /exactly one/],
      [['stat', 'nope'], /prefix/],
      [['verify', 'sha256:zz'], /hex/],
      [['ls', '--limit', 'lots'], /whole number/],
      [['ls', '--shard', '../'], /shard/],
      [['ls', 'extra'], /no arguments/],
      [['gc', '--older-than', '-5'], /unknown option|whole number/],
      [['frobnicate'], /unknown command/],
      [['put', '--bogus', fileA], /unknown option --bogus/],
      [['--store'], /needs a value/],
    ];
    for (const [args, message] of cases) {
      const r = pfstore(['--store', root, ...args]);
      assert.equal(r.status, 1, `${args.join(' ')}: exit ${r.status}, ${r.stderr}`);
      assert.match(r.stderr, /^pfstore: /, args.join(' '));
      assert.match(r.stderr, message, args.join(' '));
      assert.doesNotMatch(r.stderr, /\n\s+at /, `${args.join(' ')} printed a stack trace`);
    }
    assert.deepEqual(snapshot(root), before);
  });

  test('several processes putting the same and different files at once', async () => {
    const shared = path.join(work, 'shared.txt');
    fs.writeFileSync(shared, 'x'.repeat(100_000));
    const own = Array.from({ length: 6 }, (_, i) => {
      const f = path.join(work, `own${i}.txt`);
      fs.writeFileSync(f, `own file ${i}\n`.repeat(1000));
      return f;
    });
    const runs = own.map(
      (f) =>
        new Promise<number>((resolve) => {
          const child = spawn(process.execPath, [CLI, '--store', root, 'put', shared, f], { stdio: 'ignore' });
          child.on('exit', (code) => resolve(code ?? -1));
        }),
    );
    assert.deepEqual(
      await Promise.all(runs),
      own.map(() => 0),
    );
    const verify = pfstore(['--store', root, '--json', 'verify']);
    assert.equal(verify.status, 0, verify.stdout);
    assert.equal(JSON.parse(verify.stdout).checked, 3 + 1 + 6);
    const temps = snapshot(root).filter((n) => n.includes('.tmp.'));
    assert.deepEqual(temps, []);
  });

  test('a writer killed mid-put leaves no blob, only a temp file that gc removes', async () => {
    const big = path.join(work, 'big.txt');
    writeTextFile(big, 24 << 20, 77); // several seconds of level-19 work
    const hex = sha256Hex(fs.readFileSync(big));
    const shardDir = path.dirname(blobFile(root, hex));
    const child = spawn(process.execPath, [CLI, '--store', root, 'put', big], { stdio: 'ignore' });
    // Wait for the temp file to appear (polling the directory is the test's business, not the product's).
    const deadline = Date.now() + 60_000;
    while (!(fs.existsSync(shardDir) && fs.readdirSync(shardDir).some((n) => n.startsWith(`${hex}.tmp.`)))) {
      assert.ok(Date.now() < deadline, 'the writer never created its temp file');
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.equal(fs.existsSync(blobFile(root, hex)), false, 'no final blob is visible');
    assert.equal(pfstore(['--store', root, 'get', `sha256:${hex}`]).status, 1);
    const gc = pfstore(['--store', root, '--json', 'gc']);
    assert.equal(gc.status, 0, gc.stderr);
    const removed: string[] = JSON.parse(gc.stdout).removed;
    assert.equal(removed.length, 1);
    assert.match(path.basename(removed[0]), new RegExp(`^${hex}\\.tmp\\.${child.pid}\\.\\d+\\.${writerOrigin()}$`));
    assert.deepEqual(
      fs.readdirSync(shardDir).filter((n) => n.includes('.tmp.')),
      [],
    );
    assert.equal(pfstore(['--store', root, 'verify']).status, 0);
  });

  test('a read-only store: reads work, a put fails clearly and leaves nothing', () => {
    const ro = tempStore('pf-ro-');
    const hex = sha256Hex('alpha\n');
    assert.equal(pfstore(['--store', ro, 'put', fileA]).status, 0);
    fs.chmodSync(ro, 0o755);
    for (const d of [ro, path.join(ro, 'blobs'), path.join(ro, 'blobs', 'sha256'), path.dirname(blobFile(ro, hex))]) {
      fs.chmodSync(d, 0o555);
    }
    fs.chmodSync(blobFile(ro, hex), 0o444);
    fs.chmodSync(work, 0o755); // so that the unprivileged user can read the input file
    fs.chmodSync(fileB, 0o644);
    // Root ignores permission bits, so as root run the CLI as "nobody" for a real refusal.
    const as = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    try {
      const get = pfstore(['--store', ro, 'get', `sha256:${hex}`], as);
      assert.equal(get.status, 0, get.stderr);
      assert.equal(get.stdout, 'alpha\n');
      const before = snapshot(ro);
      const put = pfstore(['--store', ro, 'put', fileB], as);
      assert.equal(put.status, 1, put.stderr);
      assert.match(put.stderr, /EACCES|permission/i);
      assert.deepEqual(snapshot(ro), before);
    } finally {
      for (const d of [ro, path.join(ro, 'blobs'), path.join(ro, 'blobs', 'sha256'), path.dirname(blobFile(ro, hex))]) {
        fs.chmodSync(d, 0o755);
      }
      fs.rmSync(ro, { recursive: true, force: true });
    }
  });

  test('images lists the catalog, and verify --image checks one closure', () => {
    const store = tempStore('pf-images-');
    try {
      const img = writeDemoImage(store, 'cli');
      const listed = JSON.parse(pfstore(['--store', store, '--json', 'images']).stdout);
      assert.deepEqual(
        listed.map((i: { digest: string; agent: string }) => [i.digest, i.agent]),
        [[`sha256:${img.hex}`, 'langgraph 1.0.15']],
      );
      assert.equal(pfstore(['--store', store, 'verify', '--image', `sha256:${img.hex}`]).status, 0);
      fs.rmSync(blobFile(store, img.fileBlobs[0]));
      const missing = pfstore(['--store', store, '--json', 'verify', '--image', `sha256:${img.hex}`]);
      assert.equal(missing.status, 1, 'a missing blob is bad input, not an integrity failure');
      assert.equal(JSON.parse(missing.stdout).checked, 12);
      flipByte(blobFile(store, img.spec.env));
      assert.equal(pfstore(['--store', store, 'verify', '--image', `sha256:${img.hex}`]).status, 4);
    } finally {
      fs.rmSync(store, { recursive: true, force: true });
    }
  });

  test('--help and --version', () => {
    const help = pfstore(['--help']);
    assert.equal(help.status, 0);
    for (const c of ['put', 'get', 'ls', 'stat', 'verify', 'gc']) {
      assert.match(help.stdout, new RegExp(`\\n  ${c} `));
    }
    assert.match(pfstore(['--version']).stdout, /^pfstore \d+\.\d+\.\d+/);
    assert.match(pfstore(['verify', '--help']).stdout, /usage: pfstore verify/);
  });
});

test('get and stat take a unique hex prefix (with or without sha256:), and say when one is ambiguous or unknown', () => {
  const root = tempStore();
  // Blobs until two share a shard: then a two-character prefix is ambiguous for certain.
  const texts = new Map<string, string>();
  let twins: [string, string] | undefined;
  for (let i = 0; !twins; i++) {
    const text = `prefix test ${i}\n`;
    const hex = writeBlob(root, text);
    const sibling = [...texts.keys()].find((h) => h.slice(0, 2) === hex.slice(0, 2));
    texts.set(hex, text);
    twins = sibling ? [sibling, hex] : undefined;
  }
  const [hex, other] = twins;
  let n = 2;
  while (other.startsWith(hex.slice(0, n))) {
    n++;
  }
  const bare = pfstore(['--store', root, 'get', hex]); // the whole hex without sha256:, a unique prefix too
  assert.equal(bare.status, 0, bare.stderr);
  const viaPrefix = pfstore(['--store', root, 'get', hex.slice(0, n)]);
  assert.equal(viaPrefix.status, 0, viaPrefix.stderr);
  assert.equal(viaPrefix.stdout, texts.get(hex));
  const stat = pfstore(['--store', root, '--json', 'stat', `sha256:${hex.slice(0, n)}`]);
  assert.equal(stat.status, 0, stat.stderr);
  assert.equal(JSON.parse(stat.stdout).digest, `sha256:${hex}`);
  const ambiguous = pfstore(['--store', root, 'get', hex.slice(0, 2)]);
  assert.equal(ambiguous.status, 1);
  assert.match(ambiguous.stderr, /is ambiguous/);
  const none = pfstore(['--store', root, 'get', `${hex.slice(0, 2)}${'0'.repeat(20)}`]);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /no blob in the store starts with/);
});

test('a reader that stops early (`pfstore ls | head -1`) ends the output quietly, as a shell pipeline expects', () => {
  const root = tempStore();
  for (let i = 0; i < 3000; i++) {
    writeBlob(root, `line ${i}\n`);
  }
  // bash reports each side's status; the listing is far larger than a pipe's buffer, so ls meets a closed pipe.
  const r = spawnSync(
    'bash',
    [
      '-c',
      `set -o pipefail; "$0" "$1" --store "$2" ls | head -1; echo "status \${PIPESTATUS[0]}" >&2`,
      process.execPath,
      CLI,
      root,
    ],
    {
      encoding: 'utf8',
    },
  );
  assert.match(r.stdout, /^sha256:[0-9a-f]{64} +\d+\n$/);
  assert.doesNotMatch(r.stderr, /EPIPE|Unhandled|at /, 'no stack trace');
  assert.match(r.stderr, /^status 141\n$/, 'the status a shell gives a command stopped by SIGPIPE (128 + 13)');
});

test('progress on a terminal is one redrawn bar; elsewhere a plain line now and then', () => {
  const written: string[] = [];
  const tty = Object.assign(new PassThrough(), { isTTY: true }) as unknown as NodeJS.WriteStream;
  (tty as unknown as PassThrough).on('data', (c: Buffer) => written.push(c.toString()));
  const bar = progressOnStderr('verify', tty);
  bar.update(5, 10, 'shard 3f');
  bar.update(10, 10);
  bar.finish();
  const text = written.join('');
  assert.match(text, /^\rverify \[#{15}\.{15}\] 50% 5\/10 shard 3f\x1b\[K/);
  assert.match(text, /\rverify \[#{30}\] 100% 10\/10\x1b\[K\n$/);
});
