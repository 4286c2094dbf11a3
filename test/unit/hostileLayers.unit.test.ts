// The third attack round on stored bytes (issue 35, items 1, 2 and 6), at the scale the attack used: JSON nested
// 100,000 deep in a ledger entry, an env variable and a trace line; an env layer over 64 MiB; a parser message
// that would quote a password; URLs whose password the old rule missed; layers of blank lines stored in 8 KiB;
// roles named like Object.prototype's members. Each case runs pfstore as a user does and checks what it says.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { CLI_JS } from '../support/serverProcess';
import { entry, envText, ledgerText, traceText, writePfImage } from '../support/pfLayers';
import { pfcoreFrame, sha256Hex, tempStore, writeBlob, blobFile } from '../support/storeFixtures';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FsBlobStore } from '../../server/src/store/blobs/fsBlobStore';
import { isUnreadable, readTrace } from '../../server/src/store/layers/readLayers';
import { previewTrace } from '../../server/src/store/layers/trace/traceScan';
import { checkSignature } from '../../server/src/oci/signature';
import { parseStoredJson, describeJsonFailure, firstJsonError } from '../../shared/common/boundedJson';
import type { TraceReport } from '../../shared/snapshots/snapshotView';

const SECRET = '5e'.repeat(32);
const GITHUB_TOKEN = `ghp_${'Zq3'.repeat(12)}`;
const PG_PASSWORD = 'plain-Pg-Pass-42';
const REDIS_PASSWORD = 'r3dis-Only-Pass';
const QUERY_PASSWORD = 'qu3ry-Pass-Word';
const VALUES = [GITHUB_TOKEN, PG_PASSWORD, REDIS_PASSWORD, QUERY_PASSWORD, SECRET];

const DEEP = 100_000;
const T = '2026-11-20T09:14:03.512204Z';
const deepArray = () => `${'['.repeat(DEEP)}${']'.repeat(DEEP)}`;

function pfstore(root: string, args: string[]) {
  const r = spawnSync(process.execPath, [CLI_JS, '--store', root, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, PF_SESSION_SECRET: '' },
  });
  for (const value of VALUES) {
    assert.ok(!r.stdout.includes(value) && !r.stderr.includes(value), `${args.join(' ')} printed a secret's value`);
  }
  assert.ok(!/at .*\.js:\d+/.test(r.stderr), `no stack trace: ${r.stderr.slice(0, 500)}`);
  return r;
}

/** A blob written as pf-core writes it: a streamed frame with no content size and an 8 MiB window. */
function writePfBlob(root: string, data: Buffer): string {
  const hex = sha256Hex(data);
  fs.mkdirSync(path.dirname(blobFile(root, hex)), { recursive: true });
  fs.writeFileSync(blobFile(root, hex), pfcoreFrame(data));
  return hex;
}

describe('JSON nested deeper than pf reads costs only the item at fault', () => {
  test('a ledger entry whose args_hash is nested 100,000 deep is BAD (exit 4), as pf counts it, not skipped', () => {
    const root = tempStore();
    const lines = ledgerText([entry(0, 'read_file'), entry(1, 'git_push', 'irreversible')], {
      secretHex: SECRET,
    }).split('\n');
    // The tamper: entry 1's args_hash replaced after signing by a deep array (JSON.stringify of it would overflow).
    lines[2] = lines[2].replace(/"args_hash":"sha256:[0-9a-f]{64}"/, `"args_hash":${deepArray()}`);
    assert.ok(lines[2].length > 2 * DEEP);
    writePfImage(root, { name: 'deep-ledger', createdAt: T, ledger: lines.join('\n') });
    const r = pfstore(root, ['verify']);
    assert.equal(r.status, 4, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /BAD LEDGER deep-ledger .* at entry 1: entry 1 is not valid: nested 128 or more levels deep/,
    );
    const json = JSON.parse(pfstore(root, ['--json', 'verify']).stdout);
    assert.equal(json.ledgers.bad, 1);
    assert.equal(json.ledgers.skipped, 0);
  });

  test('an env variable nested 100,000 deep does not hide the GitHub token beside it, and is named as unread', () => {
    const root = tempStore();
    const env = envText({ GITHUB_TOKEN, HOME: '/home/dev', ZZ_DEEP: '@@DEEP@@' }).replace('"@@DEEP@@"', deepArray());
    writePfImage(root, { name: 'deep-env', createdAt: T, env });
    const r = pfstore(root, ['verify']);
    assert.match(r.stdout, /SECRET IN CLEAR deep-env .* world\.env GITHUB_TOKEN/);
    assert.match(
      r.stdout,
      /NOT CHECKED deep-env .* world\.env: 1 variable could not be read \(nested too deep: ZZ_DEEP\): secrets not checked/,
    );
    assert.notEqual(r.status, 0);
    const show = pfstore(root, ['show', 'deep-env']);
    assert.equal(show.status, 0, show.stderr);
    assert.match(show.stdout, /GITHUB_TOKEN/);
  });

  test('an env layer over 64 MiB is a finding ("could not be read: secrets not checked") with a non-zero exit', () => {
    const root = tempStore();
    const env = envText({ BIG: 'x'.repeat(65 << 20), GITHUB_TOKEN });
    const hex = writeBlob(root, env, { fast: true });
    writePfImage(root, { name: 'huge-env', createdAt: T, env: 'placeholder' });
    // Point the image's env at the big blob: rewrite the manifest as pf would have written it.
    const images = fs.readdirSync(path.join(root, 'images'));
    const file = path.join(root, 'images', images[0]);
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
    manifest.world.env = `sha256:${hex}`;
    fs.rmSync(file);
    const json = JSON.stringify(manifest);
    const imageHex = writeBlob(root, json);
    fs.writeFileSync(path.join(root, 'images', `${imageHex}.json`), json);
    const r = pfstore(root, ['verify']);
    assert.match(
      r.stdout,
      /NOT CHECKED huge-env .* world\.env: could not be read: 65(\.0)? MiB, more than this reader holds: secrets not checked/,
    );
    assert.notEqual(r.status, 0);
  });

  test('one trace line nested 100,000 deep costs that line only, in show and in the first-page preview', async () => {
    const root = tempStore();
    const good = traceText([
      { role: 'user', content: 'deploy to staging' },
      { role: 'assistant', content: 'deploying' },
    ]);
    const trace = `${good}{"role":"assistant","content":${deepArray()}}\n${good}`;
    const img = writePfImage(root, { name: 'deep-trace', createdAt: T, trace });
    const r = pfstore(root, ['--json', 'show', 'deep-trace']);
    assert.equal(r.status, 0, r.stderr);
    const conv = JSON.parse(r.stdout).conversation as TraceReport;
    assert.equal(conv.messages, 5);
    assert.equal(conv.malformed, 1);
    assert.deepEqual(conv.roles, [
      ['user', 2],
      ['assistant', 2],
    ]);
    assert.match(conv.page[2].problem ?? '', /nested 128 or more levels deep/);
    // The editor's first paint of a long trace reads its head before the hash: the same rule there.
    const head = previewTrace(Buffer.from(trace), { take: 10 });
    assert.equal(head.malformed, 1);
    assert.equal(head.page.length, 5);
    const store = new FsBlobStore(root);
    try {
      const whole = await readTrace(store, img.layers.messages, { take: 10 });
      assert.ok(!isUnreadable(whole));
      assert.equal(whole.messages, 5);
    } finally {
      await store.close();
    }
  });

  test('roles named constructor and __proto__ are counted like any other role', () => {
    const head = previewTrace(
      Buffer.from(
        traceText([
          { role: '__proto__', content: 'a' },
          { role: 'constructor', content: 'b' },
          { role: 'constructor', content: 'c' },
          { role: 'toString', content: 'd' },
        ]),
      ),
      { take: 10 },
    );
    assert.deepEqual(head.roles, [
      ['__proto__', 1],
      ['constructor', 2],
      ['toString', 1],
    ]);
  });
});

describe('no message built from stored bytes quotes them', () => {
  test('an env layer that is not JSON says where, never what: the unquoted password stays out of show', () => {
    const root = tempStore();
    const env = `{"kind":"env.v1","cwd":"/home/dev","vars":{"HOME":"/home/dev","PGPASSWORD":${PG_PASSWORD}}}`;
    writePfImage(root, { name: 'broken-env', createdAt: T, env });
    for (const args of [['show', 'broken-env'], ['--json', 'show', 'broken-env'], ['verify']]) {
      const r = pfstore(root, args); // asserts the password is nowhere in the output
      assert.match(r.stdout, /not valid JSON: an unexpected character at line 1, column \d+/);
    }
  });

  test('the describer names the place and the kind of fault for each kind of broken JSON', () => {
    const cases: Array<[string, RegExp]> = [
      ['{"a":1,}', /an unexpected character at line 1, column 8/],
      ['{"a":"x', /an unexpected end at line 1, column 8/],
      ['{"a":"x\u0001"}', /a control character inside a string at line 1, column 8/],
      ['{"a":"\\q"}', /an invalid escape at line 1, column 7/],
      ['{"a":-}', /an invalid number at line 1, column 6/],
      ['[1]\n x', /more after the value at line 2, column 2/],
      ['{"a" 1}', /an unexpected character at line 1, column 6/],
      ['[tru]', /an unexpected character at line 1, column 2/],
    ];
    for (const [text, expected] of cases) {
      assert.throws(() => JSON.parse(text));
      assert.match(describeJsonFailure(text), expected, text);
    }
    for (const text of ['{"a":[1,2,{"b":null}],"c":"\\u00e9\\n","d":-1.5e3}', ' [] ', '"s"', 'true']) {
      assert.equal(firstJsonError(text).what, 'nothing wrong', text);
    }
    assert.deepEqual(parseStoredJson(`${'['.repeat(127)}${']'.repeat(127)}`).ok, true);
    assert.deepEqual(parseStoredJson(`${'['.repeat(128)}${']'.repeat(128)}`).ok, false);
  });

  test('URL passwords with no user name, a slash, or in the query are secrets, named and never shown', () => {
    const root = tempStore();
    writePfImage(root, {
      name: 'urls',
      createdAt: T,
      env: envText({
        CACHE_URL: `redis://:${REDIS_PASSWORD}@cache.internal:6379/0`,
        DATABASE_URL: `postgres://db.internal/app?sslmode=require&password=${QUERY_PASSWORD}`,
        PG_URL: `postgres://app:${PG_PASSWORD}/x@db.internal/app`,
        REGISTRY: 'http://localhost:4873/@scope/pkg',
      }),
    });
    const r = pfstore(root, ['verify']);
    for (const v of ['CACHE_URL', 'DATABASE_URL', 'PG_URL']) {
      assert.match(r.stdout, new RegExp(`SECRET IN CLEAR urls .* world\\.env ${v}:`));
    }
    assert.doesNotMatch(r.stdout, /REGISTRY/);
    pfstore(root, ['--json', 'show', 'urls']);
  });
});

describe('layers of blank lines stored in 8 KiB', () => {
  const root = tempStore();
  const blank = Buffer.alloc(256 << 20, 10); // 256 MiB of line feeds
  const bombHex = writePfBlob(root, blank);
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  test('the bomb is what the attack stored: about 8 KiB on disk', () => {
    assert.ok(fs.statSync(blobFile(root, bombHex)).size < 16 << 10);
  });

  test('get of it into `| head` streams what head takes and stages nothing on disk', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-get-tmp-'));
    const r = spawnSync(
      'sh',
      ['-c', `"${process.execPath}" "${CLI_JS}" --store "${root}" get ${bombHex} | head -c 10 | od -An -c`],
      {
        encoding: 'utf8',
        env: { ...process.env, TMPDIR: tmp },
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.replace(/\s+/g, ' ').trim(), Array(10).fill('\\n').join(' '));
    assert.deepEqual(fs.readdirSync(tmp), [], 'nothing left in TMPDIR');
    assert.deepEqual(
      fs.readdirSync(path.dirname(blobFile(root, bombHex))).filter((n) => n.includes('.tmp.')),
      [],
    );
  });

  test('a trace of them stops at the line limit and says so; a ledger of them is bad at entry 0, read no further than the limit', async () => {
    const store = new FsBlobStore(root);
    try {
      const trace = await readTrace(store, bombHex, { take: 3 });
      assert.ok(!isUnreadable(trace));
      assert.equal(trace.stoppedAt, 1 << 24);
      assert.equal(trace.messages, 1 << 24);
    } finally {
      await store.close();
    }
    const ledger = Buffer.concat([
      Buffer.from(`{"kind":"effects.ledger.v1","entries":1,"session_secret_hex":"${SECRET}"}\n`),
      blank,
    ]);
    const ledgerHex = writePfBlob(root, ledger);
    const imageRoot = root;
    writePfImage(imageRoot, { name: 'blank-ledger', createdAt: T, ledger: 'unused' });
    const file = path.join(root, 'images', fs.readdirSync(path.join(root, 'images'))[0]);
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
    manifest.effects.ledger = `sha256:${ledgerHex}`;
    manifest.trace.messages = `sha256:${bombHex}`;
    fs.rmSync(file);
    const json = JSON.stringify(manifest);
    fs.writeFileSync(path.join(root, 'images', `${writeBlob(root, json)}.json`), json);
    const r = pfstore(root, ['verify', '--image', 'blank-ledger']);
    assert.equal(r.status, 4, r.stdout + r.stderr);
    assert.match(r.stdout, /BAD LEDGER blank-ledger .* at entry 0: entry 0 is not valid: an empty line, not JSON/);
    const show = pfstore(root, ['show', 'blank-ledger']);
    assert.equal(show.status, 0, show.stderr);
    assert.match(show.stdout, /stopped at line 16,777,216/);
  });
});

test('show --full streams a conversation of 300 MiB a page at a time instead of holding it on one worker', () => {
  const root = tempStore();
  const big = 'x'.repeat(50 << 20);
  const messages = Array.from({ length: 6 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: big }));
  const trace = Buffer.from(traceText(messages));
  const img = writePfImage(root, { name: 'long-talk', createdAt: T, trace: 'placeholder' });
  const traceHex = writeBlob(root, trace, { fast: true });
  const file = img.file;
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
  manifest.trace.messages = `sha256:${traceHex}`;
  fs.rmSync(file);
  const json = JSON.stringify(manifest);
  fs.writeFileSync(path.join(root, 'images', `${writeBlob(root, json)}.json`), json);
  const r = spawnSync(
    'sh',
    ['-c', `"${process.execPath}" "${CLI_JS}" --store "${root}" show --full long-talk | grep -c '^  \\[[0-5]\\] '`],
    { encoding: 'utf8' },
  );
  assert.equal(r.stdout.trim(), '6', r.stderr.slice(0, 2000));
  assert.ok(!/heap|stack/i.test(r.stderr), r.stderr.slice(0, 2000));
});

describe('a hostile catalog file and registry documents (second reading of the attack)', () => {
  test('a manifest field nested 100,000 deep or holding a password is a problem in words, not a crash or a quote', () => {
    const root = tempStore();
    const good = writePfImage(root, { name: 'good', createdAt: T });
    const text = fs.readFileSync(good.file, 'utf8');
    const deep = text.replace('"schema_version":1', `"schema_version":${deepArray()}`);
    const leaky = text.replace('"created_at":"2026-11-20T09:14:03.512204Z"', `"created_at":"${PG_PASSWORD}"`);
    for (const bad of [deep, leaky]) {
      fs.writeFileSync(path.join(root, 'images', `${sha256Hex(bad)}.json`), bad);
    }
    for (const args of [['images'], ['verify'], ['show', 'good'], ['stats']]) {
      const r = pfstore(root, args); // no value printed, no stack trace
      assert.notEqual(r.status, 70, `${args.join(' ')}: ${r.stderr.slice(0, 300)}`);
    }
    assert.match(
      pfstore(root, ['images']).stdout,
      /nested 128 or more levels deep|created_at must be an RFC 3339 timestamp, found a string of 16 characters/,
    );
  });

  test('a signature layer that is null, or names a deep algorithm, gets a verdict, not an exception', () => {
    const manifest = Buffer.from('{}');
    assert.match(checkSignature(Buffer.from('null'), manifest, 'k') ?? '', /not a JSON object/);
    const deep = Buffer.from(`{"algorithm":${deepArray()}}`);
    assert.match(checkSignature(deep, manifest, 'k') ?? '', /an algorithm other than hmac-sha256/);
  });

  test('a trace of 200,000 made-up roles counts at most 64 of them by name', async () => {
    const lines = Array.from({ length: 200_000 }, (_, i) => `{"role":"r${i}${'x'.repeat(80)}","content":""}\n`);
    const root = tempStore();
    const hex = writeBlob(root, lines.join(''), { fast: true });
    const store = new FsBlobStore(root);
    const head = await readTrace(store, hex, { take: 2 }).finally(() => store.close());
    assert.ok(!isUnreadable(head));
    assert.equal(head.roles.length, 65);
    assert.deepEqual(head.roles[64], ['(other roles)', 200_000 - 64]);
    assert.ok(head.roles.every(([r]) => r.length <= 65));
  });
});

test('get of a damaged blob too large to check first streams, then says the bytes are not the blob (exit 4)', () => {
  const root = tempStore();
  const data = Buffer.alloc(20 << 20);
  for (let i = 0; i < data.length; i += 4) {
    data.writeUInt32LE((i * 2654435761) >>> 0, i); // varied, so the frame is long enough to damage in its middle
  }
  const hex = writeBlob(root, data, { fast: true });
  const file = blobFile(root, hex);
  const bytes = fs.readFileSync(file);
  bytes[bytes.length - 8] ^= 0xff; // near the end: most of the output has gone out when the damage is found
  fs.writeFileSync(file, bytes);
  const r = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI_JS}" --store "${root}" get ${hex} | wc -c`], {
    encoding: 'utf8',
  });
  assert.match(r.stderr, /is damaged .*the bytes already written are not the blob: discard them/);
  assert.ok(Number(r.stdout.trim()) > 16 << 20, 'it streamed before the check failed');
  const status = spawnSync(process.execPath, [CLI_JS, '--store', root, 'get', hex], { maxBuffer: 64 << 20 }).status;
  assert.equal(status, 4);
});
