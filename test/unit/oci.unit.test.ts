// Sharing through an OCI registry, against a real docker-registry (distribution 2.8) on loopback: push and
// pull with pfstore, skip what is already there, refuse wrong bodies and bad signatures, resume after the
// registry dies mid-push, basic auth, and the registry's garbage collector keeping every pushed blob.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseOciRef } from '../../server/src/oci/ociRef';
import { pushImage } from '../../server/src/oci/push';
import { RegistryClient } from '../../server/src/oci/registryClient';
import { FsBlobStore } from '../../server/src/store/blobs/fsBlobStore';
import { REGISTRY_BIN, registryAvailable, startRegistry, type Registry } from '../support/registry';
import { CLI_JS } from '../support/serverProcess';
import { writeMergedSnapshot } from '../support/pfLayers';
import { blobFile, flipByte, tempStore, writeDemoImage } from '../support/storeFixtures';

const CLI = CLI_JS;

/** For tests whose registry side runs in this process (a proxy): spawnSync would block it. */
function pfstoreAsync(store: string, args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, '--store', store, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('exit', (status) => resolve({ status, stderr }));
  });
}

function pfstore(store: string, args: string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, '--store', store, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
}

if (!registryAvailable()) {
  // Loud, so a skipped suite is never mistaken for a passing one (CI installs docker-registry).
  process.stderr.write(
    `\n!!! ${REGISTRY_BIN} is not installed: the OCI registry tests are SKIPPED. Run scripts/install-system-deps.sh.\n\n`,
  );
}

describe('OCI registry', { skip: !registryAvailable() && process.env.CI !== 'true' }, () => {
  let registry: Registry;
  let source: string;
  let image: ReturnType<typeof writeDemoImage>;

  before(async () => {
    registry = await startRegistry();
    source = tempStore();
    image = writeDemoImage(source, 'oci');
  });
  after(async () => {
    await registry.stop();
    fs.rmSync(source, { recursive: true, force: true });
  });

  test('push, list, pull into a fresh store, verify', () => {
    const push = pfstore(source, [
      '--json',
      'push',
      '--allow-secrets',
      `sha256:${image.hex}`,
      `oci://${registry.host}/agents/demo:v1`,
    ]);
    assert.equal(push.status, 0, push.stderr);
    const pushed = JSON.parse(push.stdout);
    assert.equal(pushed.layers, 12); // the 8 manifest layers, 2 files of the fs tree, 2 cache pages
    assert.equal(pushed.skipped, 0);
    const ls = pfstore(source, ['remote', 'ls', `oci://${registry.host}/agents/demo`]);
    assert.equal(ls.status, 0, ls.stderr);
    // Tag, image, and the manifest digest the push reported (what `@sha256:…` pulls pin).
    assert.equal(ls.stdout.trim(), `v1\tsha256:${image.hex}\t${pushed.manifestDigest}`);

    const target = tempStore();
    try {
      const pull = pfstore(target, ['--json', 'pull', `oci://${registry.host}/agents/demo:v1`]);
      assert.equal(pull.status, 0, pull.stderr);
      assert.equal(JSON.parse(pull.stdout).downloaded, pushed.layers);
      assert.deepEqual(fs.readFileSync(path.join(target, 'images', `${image.hex}.json`)), fs.readFileSync(image.file));
      for (const hex of Object.values(image.spec).filter(
        (v): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v),
      )) {
        assert.deepEqual(
          fs.readFileSync(blobFile(target, hex)),
          fs.readFileSync(blobFile(source, hex)),
          'the stored zstd bytes travel unchanged',
        );
      }
      assert.equal(pfstore(target, ['verify']).status, 0);
      // Pulling again moves nothing but a layer that no longer verifies; every layer it keeps is checked and
      // its time refreshed (the gc protocol: a gc running beside the pull must not take an old layer).
      const layerHexes = fs
        .readdirSync(path.join(target, 'blobs', 'sha256'))
        .flatMap((d) => fs.readdirSync(path.join(target, 'blobs', 'sha256', d)).map((f) => f.slice(0, 64)));
      const hoursAgo = new Date(Date.now() - 2 * 3600_000);
      for (const hex of layerHexes) {
        fs.utimesSync(blobFile(target, hex), hoursAgo, hoursAgo);
      }
      flipByte(blobFile(target, image.spec.procs));
      const again = JSON.parse(pfstore(target, ['--json', 'pull', `oci://${registry.host}/agents/demo:v1`]).stdout);
      assert.equal(again.downloaded, 1, 'the corrupt layer, and only it, is fetched again');
      for (const hex of layerHexes) {
        assert.ok(fs.statSync(blobFile(target, hex)).mtimeMs > Date.now() - 60_000, `sha256:${hex} was not refreshed`);
      }
      assert.equal(pfstore(target, ['verify']).status, 0);
      // Pushing again uploads nothing either.
      const repush = JSON.parse(
        pfstore(source, [
          '--json',
          'push',
          '--allow-secrets',
          `sha256:${image.hex}`,
          `oci://${registry.host}/agents/demo:v1`,
        ]).stdout,
      );
      assert.equal(repush.uploaded, 0);
    } finally {
      fs.rmSync(target, { recursive: true, force: true });
    }
  });

  test("a merged snapshot travels whole: its parents' ledgers and its CRIU dump are pushed and pulled", () => {
    const from = tempStore();
    const target = tempStore();
    try {
      const { merged, named } = writeMergedSnapshot(from, '5e'.repeat(32));
      const reference = `oci://${registry.host}/agents/merged:v1`;
      const push = pfstore(from, ['push', '--allow-secrets', 'merge:side-a+side-b', reference]);
      assert.equal(push.status, 0, push.stderr);
      const pull = pfstore(target, ['pull', reference]);
      assert.equal(pull.status, 0, pull.stderr);
      for (const [what, hex] of Object.entries(named)) {
        assert.ok(fs.existsSync(blobFile(target, hex)), `the pull lacks ${what} (sha256:${hex})`);
      }
      const verify = pfstore(target, ['verify', '--image', `sha256:${merged}`]);
      assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    } finally {
      fs.rmSync(from, { recursive: true, force: true });
      fs.rmSync(target, { recursive: true, force: true });
    }
  });

  test('a registry serving a wrong body: the pull fails and nothing lands', () => {
    const push = pfstore(source, [
      'push',
      '--allow-secrets',
      `sha256:${image.hex}`,
      `oci://${registry.host}/agents/tampered:v1`,
    ]);
    assert.equal(push.status, 0, push.stderr);
    // Corrupt the registry's copy of one layer (the filesystem driver keeps it at .../blobs/sha256/xx/<hex>/data).
    const layerFile = fs
      .readdirSync(path.join(registry.storage, 'docker/registry/v2/blobs/sha256'), { recursive: true })
      .map(String)
      .find(
        (p) =>
          p.endsWith('/data') &&
          fs.statSync(path.join(registry.storage, 'docker/registry/v2/blobs/sha256', p)).size ===
            fs.statSync(blobFile(source, image.spec.env)).size,
      );
    assert.ok(layerFile, 'found the env layer in the registry storage');
    const full = path.join(registry.storage, 'docker/registry/v2/blobs/sha256', layerFile);
    const bytes = fs.readFileSync(full);
    bytes[bytes.length - 2] ^= 0xff;
    fs.writeFileSync(full, bytes);
    const target = tempStore();
    try {
      const pull = pfstore(target, ['pull', `oci://${registry.host}/agents/tampered:v1`]);
      assert.equal(pull.status, 4, pull.stderr);
      assert.match(pull.stderr, /hash/);
      assert.equal(fs.existsSync(blobFile(target, image.spec.env)), false);
      assert.equal(
        fs.existsSync(path.join(target, 'images', `${image.hex}.json`)),
        false,
        'no image appears without its closure',
      );
      const leftovers = fs.existsSync(path.join(target, 'blobs'))
        ? fs
            .readdirSync(path.join(target, 'blobs'), { recursive: true })
            .map(String)
            .filter((n) => n.includes('.tmp.'))
        : [];
      assert.deepEqual(leftovers, []);
    } finally {
      bytes[bytes.length - 2] ^= 0xff;
      fs.writeFileSync(full, bytes);
      fs.rmSync(target, { recursive: true, force: true });
    }
  });

  test('a signature made with another key is refused unless explicitly allowed', () => {
    const push = pfstore(
      source,
      ['push', '--allow-secrets', `sha256:${image.hex}`, `oci://${registry.host}/agents/signed:v1`],
      {
        PF_OCI_REG_SIGN_KEY: 'team-secret',
      },
    );
    assert.equal(push.status, 0, push.stderr);
    const target = tempStore();
    try {
      const refused = pfstore(target, ['pull', `oci://${registry.host}/agents/signed:v1`]);
      assert.equal(refused.status, 4);
      assert.match(refused.stderr, /signature/);
      assert.equal(
        pfstore(target, ['pull', `oci://${registry.host}/agents/signed:v1`], { PF_OCI_REG_SIGN_KEY: 'team-secret' })
          .status,
        0,
      );
      const target2 = tempStore();
      assert.equal(pfstore(target2, ['pull', '--allow-unsigned', `oci://${registry.host}/agents/signed:v1`]).status, 0);
      fs.rmSync(target2, { recursive: true, force: true });
    } finally {
      fs.rmSync(target, { recursive: true, force: true });
    }
  });

  test('a push interrupted by the registry dying resumes, moving only what is missing', async () => {
    const store = new FsBlobStore(source);
    const ref = parseOciRef(`oci://${registry.host}/agents/resume:v1`);
    // The registry is killed right after the third upload, as a crash mid-push would.
    class DyingClient extends RegistryClient {
      async uploadBlob(digest: string, body: Uint8Array): Promise<void> {
        await super.uploadBlob(digest, body);
        if (this.stats.uploaded === 3) {
          await registry.kill();
        }
      }
    }
    try {
      await assert.rejects(
        pushImage(store, image.hex, ref, { client: new DyingClient(ref) }),
        /cannot reach the registry/,
      );
      await registry.restart();
      const resumed = await pushImage(store, image.hex, ref);
      assert.equal(resumed.layers, 12);
      // Everything pushed before the crash (on this repository or an earlier one: blobs are shared) is skipped.
      assert.ok(resumed.skipped >= 3, `skipped ${resumed.skipped}`);
      const target = tempStore();
      assert.equal(pfstore(target, ['pull', `oci://${registry.host}/agents/resume:v1`]).status, 0);
      assert.equal(pfstore(target, ['verify']).status, 0);
      fs.rmSync(target, { recursive: true, force: true });
    } finally {
      await store.close();
    }
  });

  test('large layers go up in chunked PATCH uploads and pull back intact', async () => {
    const store = new FsBlobStore(source);
    const ref = parseOciRef(`oci://${registry.host}/agents/chunked:v1`);
    try {
      // Thresholds scaled down so every layer of the small demo image is sent in several pieces: counted.
      const realFetch = globalThis.fetch;
      let patches = 0;
      globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
        if (init?.method === 'PATCH') {
          patches++;
        }
        return realFetch(input, init);
      }) as typeof fetch;
      let result;
      try {
        result = await pushImage(store, image.hex, ref, { chunkedAbove: 16, chunkBytes: 7 });
      } finally {
        globalThis.fetch = realFetch;
      }
      assert.equal(result.layers, 12);
      const stored = [
        ...new Set(Object.values(image.spec).filter((v) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v))),
      ]
        .map((h) => fs.statSync(blobFile(source, h)).size)
        .filter((size) => size > 16);
      const expected = stored.reduce((n, size) => n + Math.ceil(size / 7), 0);
      assert.ok(stored.length >= 6, 'most layers are above the chunking threshold');
      assert.ok(patches >= expected, `${patches} PATCH requests for ${expected} pieces of 7 bytes`);
      const target = tempStore();
      const pull = pfstore(target, ['--json', 'pull', `oci://${registry.host}/agents/chunked:v1`]);
      assert.equal(pull.status, 0, pull.stderr);
      assert.equal(pfstore(target, ['verify']).status, 0);
      fs.rmSync(target, { recursive: true, force: true });
    } finally {
      await store.close();
    }
  });

  test('a registry that drops the connection mid-blob: retried, and nothing partial lands', async () => {
    // A loopback proxy in front of the registry that cuts layer downloads halfway, `cuts` times in a row.
    let cuts = 0;
    const proxy = http.createServer((req, res) => {
      const upstream = http.request(`${registry.url}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
        const isLayer =
          req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '') && Number(up.headers['content-length']) > 40;
        res.writeHead(up.statusCode ?? 502, up.headers);
        if (isLayer && cuts > 0) {
          cuts--;
          up.once('data', (chunk: Buffer) => {
            res.write(chunk.subarray(0, Math.floor(chunk.length / 2)));
            res.socket?.destroy();
            up.destroy();
          });
          return;
        }
        up.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const proxied = `127.0.0.1:${(proxy.address() as { port: number }).port}`;
    try {
      assert.equal(
        pfstore(source, ['push', '--allow-secrets', `sha256:${image.hex}`, `oci://${registry.host}/agents/flaky:v1`])
          .status,
        0,
      );
      const target = tempStore();
      cuts = 2; // fewer than the retries
      const pull = await pfstoreAsync(target, ['pull', `oci://${proxied}/agents/flaky:v1`]);
      assert.equal(pull.status, 0, pull.stderr);
      assert.equal(pfstore(target, ['verify']).status, 0);
      const target2 = tempStore();
      cuts = 1000; // every attempt fails
      const failed = await pfstoreAsync(target2, ['pull', `oci://${proxied}/agents/flaky:v1`]);
      assert.equal(failed.status, 1);
      assert.match(failed.stderr, /dropped the connection|other side closed/);
      const files = fs.existsSync(path.join(target2, 'blobs'))
        ? fs
            .readdirSync(path.join(target2, 'blobs'), { recursive: true })
            .map(String)
            .filter((n) => n.endsWith('.zst') || n.includes('.tmp.'))
        : [];
      // Only layers that arrived whole may be there (small ones are not cut); no temp files, no image.
      assert.ok(
        files.every((n) => n.endsWith('.zst')),
        files.join(', '),
      );
      assert.equal(fs.existsSync(path.join(target2, 'images', `${image.hex}.json`)), false);
      // The interrupted pull resumes: a second pull moves only what the first did not store.
      const resumed = JSON.parse(pfstore(target2, ['--json', 'pull', `oci://${registry.host}/agents/flaky:v1`]).stdout);
      assert.equal(resumed.downloaded + resumed.alreadyHad, 12);
      assert.equal(resumed.alreadyHad, files.length);
      assert.equal(pfstore(target2, ['verify']).status, 0);
      fs.rmSync(target, { recursive: true, force: true });
      fs.rmSync(target2, { recursive: true, force: true });
    } finally {
      proxy.close();
    }
  });

  test('DELETE removes a blob from the registry', async () => {
    const client = new RegistryClient(parseOciRef(`oci://${registry.host}/agents/delete:v1`));
    const body = Buffer.from('to be deleted');
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    await client.uploadBlob(digest, body);
    assert.equal(await client.hasBlob(digest), true);
    assert.equal(await client.deleteBlob(digest), true);
    assert.equal(await client.hasBlob(digest), false);
    assert.equal(await client.deleteBlob(digest), false);
  });

  test('the registry garbage collector keeps every blob a pushed image references', async () => {
    await registry.kill();
    const env = { ...process.env };
    delete env.AWS_CA_BUNDLE;
    const gc = spawnSync(REGISTRY_BIN, ['garbage-collect', path.join(path.dirname(registry.storage), 'config.yml')], {
      encoding: 'utf8',
      env,
    });
    assert.equal(gc.status, 0, gc.stderr);
    await registry.restart();
    const target = tempStore();
    try {
      const pull = pfstore(target, ['--json', 'pull', `oci://${registry.host}/agents/demo:v1`]);
      assert.equal(pull.status, 0, pull.stderr);
      assert.equal(JSON.parse(pull.stdout).downloaded, 12);
    } finally {
      fs.rmSync(target, { recursive: true, force: true });
    }
  });

  test('basic auth: refused without credentials, accepted with them', async () => {
    const secured = await startRegistry({ htpasswd: { user: 'pf', password: 's3cret' } });
    try {
      const ref = `oci://${secured.host}/agents/auth:v1`;
      const denied = pfstore(source, ['push', '--allow-secrets', `sha256:${image.hex}`, ref]);
      assert.equal(denied.status, 1);
      assert.match(denied.stderr, /401 unauthorized/);
      assert.doesNotMatch(denied.stderr, /s3cret/);
      const ok = pfstore(source, ['push', '--allow-secrets', `sha256:${image.hex}`, ref], {
        OCI_USERNAME: 'pf',
        OCI_PASSWORD: 's3cret',
      });
      assert.equal(ok.status, 0, ok.stderr);
      const wrong = pfstore(source, ['remote', 'ls', `oci://${secured.host}/agents/auth`], {
        OCI_USERNAME: 'pf',
        OCI_PASSWORD: 'nope',
      });
      assert.equal(wrong.status, 1);
    } finally {
      await secured.stop();
    }
  });

  test('TLS with a self-signed CA: refused until the CA is given, then basic auth over https works', async () => {
    const secure = await startRegistry({ tls: true, htpasswd: { user: 'pf', password: 'tls-pw' } });
    try {
      const ref = `oci://${secure.host}/agents/tls:v1`;
      const env = { PF_OCI_SCHEME: 'https', OCI_USERNAME: 'pf', OCI_PASSWORD: 'tls-pw' };
      const untrusted = pfstore(source, ['push', '--allow-secrets', `sha256:${image.hex}`, ref], env);
      assert.equal(untrusted.status, 1);
      assert.match(untrusted.stderr, /certificate is not trusted/);
      const trusted = pfstore(source, ['push', '--allow-secrets', `sha256:${image.hex}`, ref], {
        ...env,
        NODE_EXTRA_CA_CERTS: secure.caFile,
      });
      assert.equal(trusted.status, 0, trusted.stderr);
      const target = tempStore();
      const pull = pfstore(target, ['pull', ref], { ...env, NODE_EXTRA_CA_CERTS: secure.caFile });
      assert.equal(pull.status, 0, pull.stderr);
      fs.rmSync(target, { recursive: true, force: true });
    } finally {
      await secure.stop();
    }
  });

  test('bad references and an unreachable registry give clear errors', () => {
    for (const bad of ['http://x/y', 'oci://host', 'oci://host/UPPER', 'oci://host/repo:bad tag']) {
      const r = pfstore(source, ['push', '--allow-secrets', `sha256:${image.hex}`, bad]);
      assert.equal(r.status, 1, bad);
      assert.match(r.stderr, /oci|repository|tag|host/i, bad);
    }
    const down = pfstore(source, ['pull', 'oci://127.0.0.1:9/agents/none:v1']);
    assert.equal(down.status, 1);
    assert.match(down.stderr, /cannot reach the registry/);
  });
});
