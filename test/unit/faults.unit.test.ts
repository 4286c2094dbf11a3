// Faults and hostile input against pfstore as a user runs it (dist/cli.js in a child process, a real store on
// disk): a full disk, FIFOs and symlinks where files belong, a mistyped store, bad `get -o` destinations, and a
// hostile registry. Each of these once lost data, hung, escaped the store or crashed.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI_JS } from '../support/serverProcess';
import { blobFile, manifestJson, sha256Hex, tempStore, writeBlob } from '../support/storeFixtures';

const CLI = CLI_JS;

function pfstore(args: string[], timeout = 30_000): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout, maxBuffer: 1 << 26 });
}

/** A command that must finish: a FIFO once made these hang forever. */
function finished(r: SpawnSyncReturns<string>): SpawnSyncReturns<string> {
  assert.equal(r.signal, null, `the command was killed after hanging (stderr: ${r.stderr})`);
  return r;
}

function mkfifo(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const r = spawnSync('mkfifo', [file]);
  assert.equal(r.status, 0, `mkfifo failed: ${r.stderr}`);
}

describe('a full disk', () => {
  // A real small filesystem: tmpfs in a private mount namespace (root), or in a user namespace otherwise.
  const unshareArgs = process.getuid?.() === 0 ? ['-m'] : ['-r', '-m'];
  const canMount = spawnSync('unshare', [...unshareArgs, 'true']).status === 0;

  test('a put that does not fit fails with "no space left on device" and leaves no blob', (t) => {
    if (!canMount) {
      assert.notEqual(process.env.CI, 'true', 'CI must be able to mount a small tmpfs (unshare -m)');
      t.skip('no mount namespace here');
      return;
    }
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-full-'));
    const input = path.join(work, 'big.bin');
    fs.writeFileSync(input, crypto.randomBytes(3 << 20)); // random: stays ~3 MiB at level 19
    const mnt = path.join(work, 'mnt');
    fs.mkdirSync(mnt);
    const script = `mount -t tmpfs -o size=1m tmpfs "$1" && "$2" "$3" --store "$1/store" put "$4"; code=$?; ls -R "$1/store" >&2; exit $code`;
    const r = spawnSync('unshare', [...unshareArgs, 'sh', '-c', script, 'sh', mnt, process.execPath, CLI, input], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.notEqual(r.status, 0, `put exited 0 on a full disk: ${r.stdout}`);
    assert.ok([1, 70].includes(r.status!), `exit ${r.status}`);
    assert.match(r.stderr, /no space left on device|ENOSPC/i);
    assert.doesNotMatch(r.stderr, /^[0-9a-f]{64}\.zst$/m, 'a blob file was left under its final name');
    assert.equal(r.stdout, '', 'no digest may be printed for a failed put');
  });

  test('a put of content whose blob file is truncated or empty replaces it with a good one', () => {
    const root = tempStore();
    const data = Buffer.from('content that was cut short by a full disk\n'.repeat(200));
    const hex = writeBlob(root, data);
    const file = blobFile(root, hex);
    const whole = fs.readFileSync(file);
    fs.writeFileSync(file, whole.subarray(0, Math.floor(whole.length / 2)));
    assert.equal(pfstore(['--store', root, 'verify', `sha256:${hex}`]).status, 4);
    const input = path.join(root, '..', `${hex}.txt`);
    fs.writeFileSync(input, data);
    const put = pfstore(['--store', root, '--json', 'put', input]);
    assert.equal(put.status, 0, put.stderr);
    assert.equal(JSON.parse(put.stdout)[0]?.created ?? JSON.parse(put.stdout).created, true);
    assert.equal(pfstore(['--store', root, 'verify', `sha256:${hex}`]).status, 0);
    fs.writeFileSync(file, '');
    assert.equal(pfstore(['--store', root, 'put', input]).status, 0);
    assert.equal(pfstore(['--store', root, 'verify', `sha256:${hex}`]).status, 0, 'an empty blob file was kept');
  });
});

describe('FIFOs and symlinks where files belong', () => {
  let root: string;
  let fifoHex: string;
  before(() => {
    root = tempStore();
    writeBlob(root, 'a good blob\n');
    fifoHex = sha256Hex('content behind a pipe');
    mkfifo(blobFile(root, fifoHex));
  });

  test('stat, get and verify of a FIFO blob finish and name it as not a regular file', () => {
    for (const args of [
      ['stat', `sha256:${fifoHex}`],
      ['get', `sha256:${fifoHex}`],
      ['verify', `sha256:${fifoHex}`],
      ['verify'],
    ]) {
      const r = finished(pfstore(['--store', root, ...args], 15_000));
      assert.equal(r.status, 4, `${args.join(' ')}: exit ${r.status} ${r.stderr}`);
      assert.match(r.stdout + r.stderr, /named pipe/, args.join(' '));
    }
  });

  test('a socket or a directory at a blob path is named for what it is, in stat and verify', async () => {
    const store = tempStore();
    const sockHex = sha256Hex('a socket stands here');
    const dirHex = sha256Hex('a directory stands here');
    fs.mkdirSync(path.dirname(blobFile(store, sockHex)), { recursive: true });
    fs.mkdirSync(blobFile(store, dirHex), { recursive: true });
    const listener = net.createServer();
    await new Promise<void>((resolve) => listener.listen(blobFile(store, sockHex), resolve));
    try {
      for (const [hex, what] of [
        [sockHex, /a socket/],
        [dirHex, /a directory/],
      ] as const) {
        for (const args of [
          ['stat', `sha256:${hex}`],
          ['verify', `sha256:${hex}`],
        ]) {
          const r = await runAsync(['--store', store, ...args]);
          assert.equal(r.code, 4, `${args.join(' ')}: exit ${r.code} ${r.stderr}`);
          assert.match(r.stdout + r.stderr, what, args.join(' '));
        }
      }
    } finally {
      listener.close();
    }
  });

  test('a FIFO or a symlink to /etc/passwd in images/ is reported, never read or echoed', () => {
    const images = path.join(root, 'images');
    fs.mkdirSync(images, { recursive: true });
    mkfifo(path.join(images, `${'a'.repeat(64)}.json`));
    fs.symlinkSync('/etc/passwd', path.join(images, `${'b'.repeat(64)}.json`));
    const r = finished(pfstore(['--store', root, '--json', 'images'], 15_000));
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /root:/, 'bytes of /etc/passwd reached the output');
    assert.match(r.stdout, /named pipe/);
    assert.match(r.stdout, /symbolic link/);
  });

  test('put refuses a shard directory that is a symlink out of the store, and writes nothing there', () => {
    const store = tempStore();
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-outside-'));
    const data = 'escape attempt\n';
    const hex = sha256Hex(data);
    fs.mkdirSync(path.join(store, 'blobs', 'sha256'), { recursive: true });
    fs.symlinkSync(outside, path.join(store, 'blobs', 'sha256', hex.slice(0, 2)));
    const input = path.join(outside, '..', `escape-${process.pid}.txt`);
    fs.writeFileSync(input, data);
    const r = pfstore(['--store', store, 'put', input]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /outside the store/);
    assert.deepEqual(fs.readdirSync(outside), []);
  });

  test('reading a blob through a shard symlinked out of the store is refused', () => {
    const store = tempStore();
    const elsewhere = tempStore('pf-elsewhere-');
    const hex = writeBlob(elsewhere, 'a blob kept outside\n');
    fs.mkdirSync(path.join(store, 'blobs', 'sha256'), { recursive: true });
    fs.symlinkSync(path.dirname(blobFile(elsewhere, hex)), path.join(store, 'blobs', 'sha256', hex.slice(0, 2)));
    const r = finished(pfstore(['--store', store, 'get', `sha256:${hex}`]));
    assert.equal(r.status, 4, r.stderr);
    assert.match(r.stderr, /leaves the store/);
    assert.equal(r.stdout, '');
  });
});

describe('commands on a store or destination that is not there', () => {
  test('read commands on a missing store fail with "no store at"', () => {
    const missing = path.join(os.tmpdir(), `pf-mistyped-${process.pid}`);
    for (const args of [['verify'], ['ls'], ['images'], ['stat', `sha256:${'0'.repeat(64)}`]]) {
      const r = pfstore(['--store', missing, ...args]);
      assert.equal(r.status, 1, `${args[0]}: exit ${r.status}`);
      assert.match(r.stderr, /no store at/, args[0]);
    }
    assert.equal(fs.existsSync(missing), false, 'a read command created the store');
  });

  test('get -o into a missing folder or onto a folder says what is wrong with the destination', () => {
    const root = tempStore();
    const hex = writeBlob(root, 'destination test\n');
    const intoMissing = pfstore([
      '--store',
      root,
      'get',
      `sha256:${hex}`,
      '-o',
      path.join(root, 'no', 'such', 'dir', 'f'),
    ]);
    assert.equal(intoMissing.status, 1);
    assert.match(intoMissing.stderr, /does not exist/);
    assert.doesNotMatch(intoMissing.stderr, /not in the store/);
    const ontoFolder = pfstore(['--store', root, 'get', `sha256:${hex}`, '-o', root]);
    assert.equal(ontoFolder.status, 1);
    assert.match(ontoFolder.stderr, /is a folder/);
    assert.doesNotMatch(ontoFolder.stderr, /\n\s+at /, 'a stack trace was printed');
  });

  test('an error about a huge argument quotes only a short prefix of it', () => {
    const r = pfstore(['--store', tempStore(), 'stat', `sha256:${'z'.repeat(100_000)}`]);
    assert.equal(r.status, 1);
    assert.ok(r.stderr.length < 1000, `the error is ${r.stderr.length} characters long`);
  });
});

describe('a hostile registry', () => {
  let server: http.Server;
  let base: string;
  let requests = 0;
  const routes = new Map<string, (res: http.ServerResponse) => void>();

  before(async () => {
    server = http.createServer((req, res) => {
      requests++;
      const route = [...routes].find(([prefix]) => req.url!.startsWith(prefix));
      if (route) {
        route[1](res);
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  test('an endless manifest body is cut off with a clear error, not read into memory', async () => {
    routes.set('/v2/endless/manifests/', (res) => {
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' });
      const chunk = Buffer.alloc(1 << 20, 0x20);
      const pump = () => {
        while (res.write(chunk)) {
          /* keep the socket full */
        }
      };
      res.on('drain', pump);
      res.on('error', () => undefined);
      pump();
    });
    const r = await runAsync(['--store', tempStore(), 'pull', `oci://${base}/endless:v1`]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /larger than \d+ bytes/);
  });

  test('a Link header that loops is detected', async () => {
    routes.set('/v2/loop/tags/list', (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', Link: `</v2/loop/tags/list?n=100>; rel="next"` });
      res.end(JSON.stringify({ name: 'loop', tags: ['a'] }));
    });
    requests = 0;
    const r = await runAsync(['--store', tempStore(), 'remote', 'ls', `oci://${base}/loop`]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /links back to a page/);
    assert.ok(requests < 10, `${requests} requests for a two-page loop`);
  });

  test('an image with no signature layer is refused unless the pull allows unsigned images', async () => {
    const config = Buffer.from(
      manifestJson({
        base: 'a'.repeat(64),
        diff: 'b'.repeat(64),
        cachePages: 'c'.repeat(64),
        fs: 'd'.repeat(64),
        env: 'e'.repeat(64),
        procs: 'f'.repeat(64),
        ledger: '1'.repeat(64),
        messages: '2'.repeat(64),
      }),
    );
    const configDigest = `sha256:${sha256Hex(config)}`;
    routes.set('/v2/unsigned/manifests/', (res) => {
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' });
      res.end(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.processfork.image.v1+json', digest: configDigest, size: config.length },
          layers: [],
        }),
      );
    });
    routes.set(`/v2/unsigned/blobs/${configDigest}`, (res) => {
      res.writeHead(200, { 'Content-Length': String(config.length) });
      res.end(config);
    });
    const store = tempStore();
    const r = await runAsync(['--store', store, 'pull', `oci://${base}/unsigned:v1`]);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /no signature layer/);
    assert.equal(fs.existsSync(path.join(store, 'images')), false, 'an unsigned image reached the catalog');
  });

  test('a manifest with a null layer is refused as bad input, not a crash', async () => {
    routes.set('/v2/nulllayer/manifests/', (res) => {
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' });
      res.end(
        JSON.stringify({
          schemaVersion: 2,
          config: {
            mediaType: 'application/vnd.processfork.image.v1+json',
            digest: `sha256:${'1'.repeat(64)}`,
            size: 2,
          },
          layers: [null],
        }),
      );
    });
    const r = await runAsync(['--store', tempStore(), 'pull', `oci://${base}/nulllayer:v1`]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /layers\[0\] is null/);
    assert.doesNotMatch(r.stderr, /TypeError/);
  });
});

/** pfstore in the background, so the in-process fake registry can answer it. */
function runAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, PF_OCI_SCHEME: 'http' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
