// pf's other registries, both ways, through pfstore: file:// folders (on disk) and s3:// prefixes (a real S3 API
// server, moto_server, on loopback; boto3 as the other client). Each: a round trip in pf's exact layout, an image
// written by another client, a forged signature and a corrupt object refused with nothing landing, a missing
// location in plain words, a pull that fails part way and resumes fetching only what it lacks, and listing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { parseRemote } from '../../server/src/remotes/remoteRef';
import { FileRegistry } from '../../server/src/remotes/fileRegistry';
import { s3RegistryFor } from '../../server/src/remotes/s3Registry';
import { writeDemoSnapshots } from '../support/demoSnapshots';
import { boto3, motoAvailable, startMoto, withServerEnv, type MotoServer } from '../support/motoServer';
import { CLI_JS } from '../support/serverProcess';
import { writePfImage } from '../support/pfLayers';
import { blobFile, flipByte, tempStore, writeBlob } from '../support/storeFixtures';

const DEFAULT_KEY = 'processfork-default-self-sign-key.v1';

function pfstore(store: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string) {
  return spawnSync(process.execPath, [CLI_JS, '--store', store, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    cwd,
    timeout: 120_000, // a hung transfer fails its test instead of the run
  });
}

/** Where a registry's objects are, as a test reads and changes them behind pfstore's back. */
interface Place {
  ref(sub: string): string;
  read(key: string): Buffer | undefined;
  write(key: string, bytes: Buffer): void;
  remove(key: string): void;
  keys(sub: string): string[];
  env: NodeJS.ProcessEnv;
}

function folderPlace(dir: string): Place {
  const file = (key: string) => path.join(dir, ...key.split('/'));
  return {
    ref: (sub) => `file://${path.join(dir, sub)}`,
    read: (key) => (fs.existsSync(file(key)) ? fs.readFileSync(file(key)) : undefined),
    write: (key, bytes) => {
      fs.mkdirSync(path.dirname(file(key)), { recursive: true });
      fs.writeFileSync(file(key), bytes);
    },
    remove: (key) => fs.rmSync(file(key)),
    keys: (sub) =>
      fs.existsSync(path.join(dir, sub))
        ? (fs.readdirSync(path.join(dir, sub), { recursive: true }) as string[])
            .filter((k) => fs.statSync(path.join(dir, sub, k)).isFile())
            .map((k) => `${sub}/${k.split(path.sep).join('/')}`)
        : [],
    env: {},
  };
}

function s3Place(server: MotoServer, bucket: string): Place {
  return {
    ref: (sub) => `s3://${bucket}/${sub}`,
    read: (key) => {
      const out = boto3(
        server,
        `
try:
    sys.stdout.write(s3.get_object(Bucket=sys.argv[1], Key=sys.argv[2])['Body'].read().hex())
except s3.exceptions.NoSuchKey:
    sys.stdout.write('-')`,
        [bucket, key],
      );
      return out === '-' ? undefined : Buffer.from(out, 'hex');
    },
    write: (key, bytes) =>
      void boto3(server, `s3.put_object(Bucket=sys.argv[1], Key=sys.argv[2], Body=bytes.fromhex(sys.argv[3]))`, [
        bucket,
        key,
        bytes.toString('hex'),
      ]),
    remove: (key) => void boto3(server, `s3.delete_object(Bucket=sys.argv[1], Key=sys.argv[2])`, [bucket, key]),
    keys: (sub) =>
      boto3(
        server,
        `
for page in s3.get_paginator('list_objects_v2').paginate(Bucket=sys.argv[1], Prefix=sys.argv[2] + '/'):
    for o in page.get('Contents', []):
        print(o['Key'])`,
        [bucket, sub],
      )
        .split('\n')
        .filter(Boolean),
    env: server.env,
  };
}

/** The image pf itself would have pushed: manifest bytes, compact signature JSON, level-19 frames from `zstd`. */
function writeAsAnotherClient(place: Place, sub: string, source: string, imageHex: string, key: string): void {
  const manifest = fs.readFileSync(path.join(source, 'images', `${imageHex}.json`));
  for (const hex of referencedHexes(manifest.toString('utf8'), source)) {
    const raw = spawnSync('zstd', ['-d', '-c', blobFile(source, hex)]).stdout;
    // pf-core's frame shape: from standard input, no content size, no checksum.
    const frame = spawnSync('zstd', ['-19', '--no-check', '-c'], { input: raw }).stdout;
    place.write(`${sub}/blobs/sha256/${hex.slice(0, 2)}/${hex}.zst`, frame);
  }
  const signature = {
    algorithm: 'hmac-sha256',
    manifest_digest: createHash('sha256').update(manifest).digest('hex'),
    signature: createHmac('sha256', key).update(manifest).digest('hex'),
  };
  place.write(`${sub}/manifest.json.sig`, Buffer.from(JSON.stringify(signature)));
  place.write(`${sub}/manifest.json`, manifest);
}

/** Every blob the manifest names, and what its fs tree names (as pf's closure walks it). */
function referencedHexes(manifest: string, source: string): string[] {
  const hexes = new Set([...manifest.matchAll(/sha256:([0-9a-f]{64})/g)].map((m) => m[1]));
  for (const hex of [...hexes]) {
    const text = spawnSync('zstd', ['-d', '-c', blobFile(source, hex)]).stdout.toString('utf8');
    if (text.includes('"fs.tree.v1"') || text.includes('"pages"')) {
      for (const m of text.matchAll(/sha256:([0-9a-f]{64})/g)) {
        hexes.add(m[1]);
      }
    }
  }
  return [...hexes].filter((hex) => fs.existsSync(blobFile(source, hex)));
}

function registryCases(name: string, setup: () => Promise<{ place: Place; done: () => Promise<void> }>) {
  describe(name, () => {
    let place: Place;
    let done: () => Promise<void>;
    let source: string;
    let images: ReturnType<typeof writeDemoSnapshots>;
    const stores: string[] = [];
    const fresh = () => {
      const s = tempStore();
      stores.push(s);
      return s;
    };

    before(() => {
      source = fresh();
      images = writeDemoSnapshots(source);
    });
    // A registry of its own for each test: what one test leaves there is never another's premise.
    beforeEach(async () => {
      ({ place, done } = await setup());
    });
    afterEach(() => done());
    after(() => {
      for (const s of stores) {
        fs.rmSync(s, { recursive: true, force: true });
      }
    });

    test("a round trip in pf's layout: manifest bytes, signature, level-19 blobs by raw digest; names listed", () => {
      const push = pfstore(
        source,
        ['--json', 'push', '--allow-secrets', 'merge:before-r+before-r', place.ref('team/merged')],
        place.env,
      );
      assert.equal(push.status, 0, push.stderr);
      const pushed = JSON.parse(push.stdout);
      assert.equal(pushed.ref, place.ref('team/merged'));
      const manifest = fs.readFileSync(path.join(source, 'images', `${images.merged.hex}.json`));
      assert.deepEqual(place.read('team/merged/manifest.json'), manifest, "the manifest's own bytes");
      const sig = place.read('team/merged/manifest.json.sig')!.toString('utf8');
      assert.equal(
        sig,
        JSON.stringify({
          algorithm: 'hmac-sha256',
          manifest_digest: images.merged.hex,
          signature: createHmac('sha256', DEFAULT_KEY).update(manifest).digest('hex'),
        }),
      );
      const blobKeys = place.keys('team/merged').filter((k) => k.endsWith('.zst'));
      assert.equal(blobKeys.length, pushed.layers);
      for (const key of blobKeys) {
        const hex = /([0-9a-f]{64})\.zst$/.exec(key)![1];
        assert.equal(key, `team/merged/blobs/sha256/${hex.slice(0, 2)}/${hex}.zst`);
        assert.deepEqual(place.read(key), fs.readFileSync(blobFile(source, hex)), 'the stored level-19 bytes');
      }
      // What the merge record names travels too (pf's own push forgets it).
      assert.ok(
        blobKeys.some((k) => k.includes(images.explore.layers.ledger)),
        "a parent's ledger is there",
      );

      const again = JSON.parse(
        pfstore(
          source,
          ['--json', 'push', '--allow-secrets', 'merge:before-r+before-r', place.ref('team/merged')],
          place.env,
        ).stdout,
      );
      assert.equal(again.uploaded, 0, 'a second push sends nothing');
      assert.equal(
        pfstore(source, ['push', '--allow-secrets', 'before-refactor', place.ref('team/before')], place.env).status,
        0,
        'a second image beside it',
      );

      const target = fresh();
      const pull = pfstore(target, ['--json', 'pull', place.ref('team/merged')], place.env);
      assert.equal(pull.status, 0, pull.stderr);
      assert.equal(JSON.parse(pull.stdout).image, `sha256:${images.merged.hex}`);
      assert.deepEqual(fs.readFileSync(path.join(target, 'images', `${images.merged.hex}.json`)), manifest);
      const verify = pfstore(target, ['verify', '--image', 'merge:before-r+before-r']);
      assert.equal(verify.status, 0, verify.stdout + verify.stderr);

      const ls = pfstore(target, ['--json', 'remote', 'ls', place.ref('team')], place.env);
      assert.equal(ls.status, 0, ls.stderr);
      assert.deepEqual(
        (JSON.parse(ls.stdout) as Array<{ name: string; location: string }>).map((i) => [i.name, i.location]),
        [
          ['before-refactor', place.ref('team/before')],
          ['merge:before-r+before-r', place.ref('team/merged')],
        ],
      );
    });

    test("an image another client wrote in pf's layout, signed with this kind's key, pulls; with another key it is refused", () => {
      const keyVar = place.ref('x').startsWith('s3://') ? 'PF_S3_REG_SIGN_KEY' : 'PF_FILE_REG_SIGN_KEY';
      writeAsAnotherClient(place, 'other/before', source, images.before.hex, 'team-key');
      const refused = fresh();
      const bad = pfstore(refused, ['pull', place.ref('other/before')], place.env);
      assert.equal(bad.status, 4, bad.stderr);
      assert.match(bad.stderr, /signature does not match/);
      assert.ok(!fs.existsSync(path.join(refused, 'blobs')), 'nothing was written before the signature was checked');
      const target = fresh();
      const ok = pfstore(target, ['pull', place.ref('other/before')], { ...place.env, [keyVar]: 'team-key' });
      assert.equal(ok.status, 0, ok.stderr);
      assert.equal(pfstore(target, ['verify']).status, 0);
    });

    test('a forged signature and a corrupt object are refused; nothing lands in the catalog', () => {
      assert.equal(
        pfstore(source, ['push', '--allow-secrets', 'before-refactor', place.ref('forged')], place.env).status,
        0,
      );
      const sig = JSON.parse(place.read('forged/manifest.json.sig')!.toString('utf8'));
      sig.signature = createHmac('sha256', 'someone else').update('x').digest('hex');
      place.write('forged/manifest.json.sig', Buffer.from(JSON.stringify(sig)));
      const target = fresh();
      const forged = pfstore(target, ['pull', place.ref('forged')], place.env);
      assert.equal(forged.status, 4, forged.stderr);
      assert.doesNotMatch(forged.stderr, /\n\s+at /, 'no stack trace');

      assert.equal(
        pfstore(source, ['push', '--allow-secrets', 'before-refactor', place.ref('corrupt')], place.env).status,
        0,
      );
      const key = `corrupt/blobs/sha256/${images.before.layers.env.slice(0, 2)}/${images.before.layers.env}.zst`;
      const bytes = place.read(key)!;
      bytes[Math.floor(bytes.length / 2)] ^= 0xff;
      place.write(key, bytes);
      const corrupt = pfstore(target, ['pull', place.ref('corrupt')], place.env);
      assert.notEqual(corrupt.status, 0);
      assert.ok(!fs.existsSync(path.join(target, 'images', `${images.before.hex}.json`)), 'no image in the catalog');
      assert.ok(!fs.existsSync(blobFile(target, images.before.layers.env)), 'the corrupt blob did not land');
      // Its round's blobs are made durable together before any is named: none of them has a name either.
      for (const [layer, hex] of Object.entries(images.before.layers)) {
        assert.ok(!fs.existsSync(blobFile(target, hex as string)), `${layer} did not land`);
      }
      const left = (fs.readdirSync(target, { recursive: true }) as string[]).filter((f) => /\.tmp\./.test(f));
      assert.deepEqual(left, [], 'no temp file');
    });

    test('a location that holds no image: exit 1 in plain words', () => {
      const r = pfstore(fresh(), ['pull', place.ref('no/such/place')], place.env);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /^pfstore: there is no image at .*no\/such\/place \(no manifest\.json there\)\n$/);
    });

    test('a pull that fails part way resumes, fetching only what it still lacks', () => {
      assert.equal(
        pfstore(source, ['push', '--allow-secrets', 'before-refactor', place.ref('resume')], place.env).status,
        0,
      );
      const key = `resume/blobs/sha256/${images.before.layers.procs.slice(0, 2)}/${images.before.layers.procs}.zst`;
      const held = place.read(key)!;
      place.remove(key);
      const target = fresh();
      const first = pfstore(target, ['pull', place.ref('resume')], place.env);
      assert.equal(first.status, 1, first.stderr);
      assert.match(first.stderr, /lacks 1 blob\(s\) of the image's closure \(first: world\.procs/);
      assert.ok(!fs.existsSync(path.join(target, 'images', `${images.before.hex}.json`)));
      place.write(key, held);
      const second = JSON.parse(pfstore(target, ['--json', 'pull', place.ref('resume')], place.env).stdout);
      assert.equal(second.downloaded, 1, 'only the blob the first pull could not fetch');
      assert.equal(second.alreadyHad, second.layers - 1);
    });
  });
}

registryCases('file:// registries', async () => {
  const dir = tempStore('pf-file-registry-');
  return { place: folderPlace(dir), done: async () => fs.rmSync(dir, { recursive: true, force: true }) };
});

describe('file:// paths and links', () => {
  test('relative paths as pf takes them, and Windows drive forms through path.win32', () => {
    assert.deepEqual(parseRemote('file://snaps/one', { cwd: '/home/dev', platform: 'linux' }), {
      kind: 'file',
      dir: '/home/dev/snaps/one',
      text: 'file://snaps/one',
    });
    assert.equal(
      (parseRemote('file:///C:/Users/dev/snaps', { platform: 'win32' }) as { dir: string }).dir,
      'C:\\Users\\dev\\snaps',
    );
    assert.equal(
      (parseRemote('file://D:\\share\\snaps', { platform: 'win32' }) as { dir: string }).dir,
      'D:\\share\\snaps',
    );
    assert.throws(() => parseRemote('file:///C:/snaps', { platform: 'linux' }), /is a Windows path/);
    assert.throws(() => parseRemote('file://'), /needs a folder/);
    assert.throws(() => parseRemote('s3://Bad_Bucket/x'), /not an S3 bucket name/);
    assert.throws(() => parseRemote('s3://bucket/a/../b'), /not an S3 key prefix/);
    assert.deepEqual(parseRemote('s3://bucket/team/'), {
      kind: 's3',
      bucket: 'bucket',
      prefix: 'team',
      text: 's3://bucket/team/',
    });
  });

  test('a push batch: nothing has its final name before the commit; an abort leaves nothing; a commit leaves all', async () => {
    const dir = tempStore('pf-file-batch-');
    const source = path.join(dir, 'source.bin');
    fs.writeFileSync(source, randomBytes(3000));
    const registry = new FileRegistry(path.join(dir, 'reg'));
    const names = (root: string) =>
      (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(root, f)).isFile());
    try {
      const aborted = registry.batch();
      await aborted.write('blobs/sha256/aa/one.zst', Buffer.from('one'));
      await aborted.upload('blobs/sha256/bb/two.zst', source, 3000);
      assert.deepEqual(
        names(path.join(dir, 'reg')).filter((n) => !path.basename(n).startsWith('.')),
        [],
        'nothing under a final name before the commit',
      );
      await aborted.abort();
      assert.ok(!fs.existsSync(path.join(dir, 'reg')), 'an abort leaves no temp file, nor the folders it made');

      const good = registry.batch();
      await good.write('blobs/sha256/aa/one.zst', Buffer.from('one'));
      await good.upload('blobs/sha256/bb/two.zst', source, 3000);
      // A source that is not the size it was said to be is refused and leaves nothing; the rest stands.
      await assert.rejects(good.upload('blobs/sha256/cc/three.zst', source, 2999), /held 3000 bytes, not the 2999/);
      await good.commit();
      assert.deepEqual(names(path.join(dir, 'reg')).sort(), [
        path.join('blobs', 'sha256', 'aa', 'one.zst'),
        path.join('blobs', 'sha256', 'bb', 'two.zst'),
      ]);
      assert.deepEqual(
        fs.readFileSync(path.join(dir, 'reg', 'blobs', 'sha256', 'bb', 'two.zst')),
        fs.readFileSync(source),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a snapshot missing a blob of its closure, or whose manifest is not one, is refused before anything goes', () => {
    const source = tempStore();
    const dir = tempStore('pf-file-registry-');
    try {
      const content = writeBlob(source, 'a file the tree names\n');
      const tree = JSON.stringify({
        kind: 'fs.tree.v1',
        entries: [{ path: 'notes.txt', mode: '0644', size: 22, kind: 'file', blob: `sha256:${content}` }],
      });
      const { hex } = writePfImage(source, { name: 'gappy', createdAt: '2026-12-07T10:00:00Z', fs: tree });
      fs.rmSync(blobFile(source, content));
      const missing = pfstore(source, ['push', '--allow-secrets', 'gappy', `file://${dir}/gappy`]);
      assert.notEqual(missing.status, 0);
      assert.match(
        missing.stderr,
        /1 blob\(s\) of the image's closure are missing \(first: sha256:[0-9a-f]{64}, world\.fs/,
      );
      // The catalog file made into something that is not a manifest (its name is still its digest's).
      fs.writeFileSync(path.join(source, 'images', `${hex}.json`), JSON.stringify({ schema_version: 1 }));
      const invalid = pfstore(source, ['push', '--allow-secrets', `sha256:${hex}`, `file://${dir}/invalid`]);
      assert.notEqual(invalid.status, 0);
      assert.match(invalid.stderr, /is not a valid manifest/);
      assert.deepEqual(fs.readdirSync(dir), [], 'nothing went');
    } finally {
      for (const d of [source, dir]) {
        fs.rmSync(d, { recursive: true, force: true });
      }
    }
  });

  test('a folder upload whose check fails leaves nothing under the key, nor a temp file', async () => {
    const dir = tempStore('pf-file-registry-');
    try {
      const registry = new FileRegistry(dir);
      const source = path.join(dir, 'source.bin');
      fs.writeFileSync(source, randomBytes(1 << 20));
      const failing = new Promise<void>((_, reject) => setTimeout(() => reject(new Error('the check failed')), 200));
      await assert.rejects(
        registry.upload('blobs/sha256/ab/bad.zst', source, 1 << 20, undefined, failing),
        /the check failed/,
      );
      assert.deepEqual(fs.readdirSync(path.join(dir, 'blobs', 'sha256', 'ab')), [], 'no object, no temp file');
      await registry.upload('blobs/sha256/ab/good.zst', source, 1 << 20, undefined, Promise.resolve());
      assert.ok(fs.readFileSync(path.join(dir, 'blobs', 'sha256', 'ab', 'good.zst')).equals(fs.readFileSync(source)));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a damaged blob over the streaming size is refused by a folder push, and nothing lands', () => {
    const source = tempStore();
    const dir = tempStore('pf-file-registry-');
    try {
      const big = randomBytes(9 << 20);
      const hex = writeBlob(source, big, { fast: true });
      const tree = JSON.stringify({
        kind: 'fs.tree.v1',
        entries: [{ path: 'data/weights.bin', mode: '0644', size: big.length, kind: 'file', blob: `sha256:${hex}` }],
      });
      writePfImage(source, { name: 'big', createdAt: '2026-12-03T10:00:00Z', fs: tree });
      flipByte(blobFile(source, hex), 4 << 20);
      const push = pfstore(source, ['push', '--allow-secrets', 'big', `file://${dir}/big`]);
      assert.equal(push.status, 4, push.stderr);
      assert.match(push.stderr, /failed verification \(fs entry data\/weights\.bin|failed verification/);
      const left = fs.existsSync(path.join(dir, 'big'))
        ? (fs.readdirSync(path.join(dir, 'big'), { recursive: true }) as string[]).filter((f) =>
            fs.statSync(path.join(dir, 'big', f)).isFile(),
          )
        : [];
      assert.deepEqual(left, [], 'no object, no temp file, no manifest');
    } finally {
      for (const d of [source, dir]) {
        fs.rmSync(d, { recursive: true, force: true });
      }
    }
  });

  test('a blob over the streaming size goes up streamed and comes back intact', () => {
    const source = tempStore();
    const target = tempStore();
    const dir = tempStore('pf-file-registry-');
    try {
      const big = randomBytes(9 << 20); // incompressible: stored at over 8 MiB, so it is streamed from its file
      const hex = writeBlob(source, big, { fast: true });
      const tree = JSON.stringify({
        kind: 'fs.tree.v1',
        entries: [{ path: 'data/weights.bin', mode: '0644', size: big.length, kind: 'file', blob: `sha256:${hex}` }],
      });
      writePfImage(source, { name: 'big', createdAt: '2026-12-03T10:00:00Z', fs: tree });
      const push = pfstore(source, ['push', '--allow-secrets', 'big', `file://${dir}/big`]);
      assert.equal(push.status, 0, push.stderr);
      assert.match(push.stdout, /^pushed sha256:[0-9a-f]{64} to file:\/\/.*\/big \(9 blobs: 9 uploaded/);
      assert.deepEqual(
        fs.readFileSync(path.join(dir, 'big', 'blobs', 'sha256', hex.slice(0, 2), `${hex}.zst`)),
        fs.readFileSync(blobFile(source, hex)),
      );
      const pull = pfstore(target, ['pull', `file://${dir}/big`]);
      assert.equal(pull.status, 0, pull.stderr);
      assert.equal(pfstore(target, ['verify']).status, 0);
    } finally {
      for (const d of [source, target, dir]) {
        fs.rmSync(d, { recursive: true, force: true });
      }
    }
  });

  test('a push to a relative file:// path lands under the working folder; a symlink inside the folder is refused', () => {
    const source = tempStore();
    const work = tempStore('pf-cwd-');
    const outside = tempStore('pf-outside-');
    try {
      writeDemoSnapshots(source);
      const push = pfstore(source, ['push', '--allow-secrets', 'before-refactor', 'file://shared/before'], {}, work);
      assert.equal(push.status, 0, push.stderr);
      assert.ok(fs.existsSync(path.join(work, 'shared', 'before', 'manifest.json')));
      // The blobs folder becomes a link leading out of the registry folder: a pull must not follow it.
      const blobs = path.join(work, 'shared', 'before', 'blobs');
      fs.renameSync(blobs, path.join(outside, 'blobs'));
      fs.symlinkSync(path.join(outside, 'blobs'), blobs);
      const target = tempStore();
      const pull = pfstore(target, ['pull', 'file://shared/before'], {}, work);
      fs.rmSync(target, { recursive: true, force: true });
      assert.equal(pull.status, 1, pull.stderr);
      assert.match(pull.stderr, /refusing .*blobs: it is a symbolic link inside the registry folder/);
    } finally {
      for (const dir of [source, work, outside]) {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});

if (!motoAvailable()) {
  process.stderr.write(
    "\n!!! moto_server is not installed: the s3:// tests are SKIPPED. Run: python3 -m pip install --user 'moto[server]' boto3\n\n",
  );
}
const skipS3 = !motoAvailable() && process.env.CI !== 'true';

describe('s3:// registries', { skip: skipS3 }, () => {
  registryCases('on moto_server', async () => {
    const server = await startMoto();
    boto3(server, `s3.create_bucket(Bucket='pf-snapshots')`);
    return { place: s3Place(server, 'pf-snapshots'), done: () => server.stop() };
  });

  test('more than 1,000 images under a prefix are all listed (the listing pages)', async () => {
    const server = await startMoto();
    try {
      boto3(
        server,
        `
s3.create_bucket(Bucket='many')
body = b'{"schema_version":1}'
for i in range(1005):
    s3.put_object(Bucket='many', Key='team/img-%04d/manifest.json' % i, Body=body)`,
      );
      const ls = pfstore(tempStore(), ['--json', 'remote', 'ls', 's3://many/team'], server.env);
      assert.equal(ls.status, 0, ls.stderr);
      const listed = JSON.parse(ls.stdout) as Array<{ location: string }>;
      assert.equal(listed.length, 1005);
      assert.equal(listed[1004].location, 's3://many/team/img-1004');
    } finally {
      await server.stop();
    }
  });

  test('a damaged blob over the streaming size is refused while it goes up, in one PUT or in parts; nothing lands', async () => {
    const server = await startMoto();
    const source = tempStore();
    try {
      boto3(server, `s3.create_bucket(Bucket='checked')`);
      // 9 MiB goes up in one PUT, 65 MiB in parts: the check runs beside either, and gates its last bytes.
      for (const [name, mib] of [
        ['put', 9],
        ['parts', 65],
      ] as const) {
        const big = randomBytes(mib << 20);
        const hex = writeBlob(source, big, { fast: true });
        const tree = JSON.stringify({
          kind: 'fs.tree.v1',
          entries: [{ path: 'data/weights.bin', mode: '0644', size: big.length, kind: 'file', blob: `sha256:${hex}` }],
        });
        writePfImage(source, { name, createdAt: '2026-12-07T10:00:00Z', fs: tree });
        flipByte(blobFile(source, hex), (mib << 20) - 4096); // near its end: most of it has gone up by then
        const push = pfstore(source, ['push', '--allow-secrets', name, `s3://checked/team/${name}`], server.env);
        assert.equal(push.status, 4, push.stderr);
        assert.match(
          push.stderr,
          /^pfstore: a blob of the image's closure failed verification \(world\.fs → data\/weights\.bin/m,
        );
        assert.doesNotMatch(push.stderr, /non-retryable|\n\s+at /, 'only our own words');
        const left = boto3(
          server,
          `
import json
keys = [o['Key'] for o in s3.list_objects_v2(Bucket='checked').get('Contents', [])]
parts = [u['Key'] for u in s3.list_multipart_uploads(Bucket='checked').get('Uploads', [])]
sys.stdout.write(json.dumps([keys, parts]))`,
        );
        assert.deepEqual(JSON.parse(left), [[], []], `${name}: no object, no manifest, no upload left open`);
      }
    } finally {
      fs.rmSync(source, { recursive: true, force: true });
      await server.stop();
    }
  });

  test('an upload whose check is still running waits for it, whether it would be done long before or not', async () => {
    const server = await startMoto();
    const dir = tempStore('pf-s3-gate-');
    try {
      await withServerEnv(server, async () => {
        boto3(server, `s3.create_bucket(Bucket='gated')`);
        const registry = await s3RegistryFor('gated', 'team', server.env);
        const later = (ms: number, fail: boolean) =>
          new Promise<void>((resolve, reject) =>
            setTimeout(() => (fail ? reject(new Error('the check failed')) : resolve()), ms),
          );
        for (const [what, mib] of [
          ['one PUT', 1],
          ['parts', 65],
        ] as const) {
          const file = path.join(dir, `${mib}.bin`);
          fs.writeFileSync(file, randomBytes(mib << 20));
          // The bytes are all sent well before the check ends: the object must still not appear.
          await assert.rejects(
            registry.upload(`bad-${mib}.zst`, file, mib << 20, undefined, later(3000, true)),
            /the check failed/,
            what,
          );
          assert.equal(await registry.size(`bad-${mib}.zst`), undefined, `${what}: an object from bytes that failed`);
          await registry.upload(`good-${mib}.zst`, file, mib << 20, undefined, later(1500, false));
          assert.equal(await registry.size(`good-${mib}.zst`), mib << 20, what);
        }
        // An upload that fails on its own (no such bucket) says so, whatever its check says.
        const nowhere = await s3RegistryFor('no-such-bucket', 'team', server.env);
        const file = path.join(dir, '1.bin');
        await assert.rejects(nowhere.upload('x.zst', file, 1 << 20, undefined, Promise.resolve()), /no such bucket/);
        const open = boto3(
          server,
          `sys.stdout.write(str(len(s3.list_multipart_uploads(Bucket='gated').get('Uploads', []))))`,
        );
        assert.equal(open, '0', 'no multipart upload left open');
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await server.stop();
    }
  });

  test('wrong credentials are refused in plain words (the secret never echoed); the right ones work', async () => {
    const server = await startMoto({ auth: true });
    const source = tempStore();
    try {
      writeDemoSnapshots(source);
      boto3(server, `s3.create_bucket(Bucket='locked')`);
      const wrong = { ...server.env, AWS_SECRET_ACCESS_KEY: 'not-the-secret-value-0123456789' };
      const refused = pfstore(source, ['push', '--allow-secrets', 'before-refactor', 's3://locked/team/before'], wrong);
      assert.equal(refused.status, 1, refused.stderr);
      assert.match(refused.stderr, /S3 answered 403 (SignatureDoesNotMatch|Forbidden) \(the credentials were refused/);
      assert.ok(!refused.stderr.includes('not-the-secret-value'), 'the secret is not printed');
      assert.doesNotMatch(refused.stderr, /\n\s+at /, 'no stack trace');
      const push = pfstore(
        source,
        ['push', '--allow-secrets', 'before-refactor', 's3://locked/team/before'],
        server.env,
      );
      assert.equal(push.status, 0, push.stderr);
      const target = tempStore();
      const pull = pfstore(target, ['pull', 's3://locked/team/before'], server.env);
      fs.rmSync(target, { recursive: true, force: true });
      assert.equal(pull.status, 0, pull.stderr);
    } finally {
      fs.rmSync(source, { recursive: true, force: true });
      await server.stop();
    }
  });
});
