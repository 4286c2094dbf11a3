// pf's wire behaviour and the credentials people already have, against a real docker-registry: the http/https
// rule, digest references, the signature layer anywhere and unknown layers passed over, camelCase manifests
// refused before they reach pf users, a corrupt closure refused before any upload, and `docker login`
// credentials (config `auths` and a credential helper on the PATH), with the OCI_* variables winning.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseOciRef } from '../../server/src/oci/ociRef';
import { pushImage } from '../../server/src/oci/push';
import { RegistryClient } from '../../server/src/oci/registryClient';
import { FsBlobStore } from '../../server/src/store/blobs/fsBlobStore';
import { registryAvailable, startRegistry, type Registry } from '../support/registry';
import { pfstoreAsync } from '../support/pfstoreProcess';
import { blobFile, flipByte, tempStore, writeBlob, writeDemoImage } from '../support/storeFixtures';

const pfstore = pfstoreAsync;
const sha = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

test('the scheme follows pf: http to loopback and explicit ports but 443, https otherwise', () => {
  assert.equal(parseOciRef('oci://127.0.0.1:5000/a/b', { env: {} }).base, 'http://127.0.0.1:5000');
  assert.equal(
    parseOciRef('oci://registry.example.com:5000/a/b', { env: {} }).base,
    'http://registry.example.com:5000',
  );
  assert.equal(parseOciRef('oci://registry.example.com/a/b', { env: {} }).base, 'https://registry.example.com');
  assert.equal(parseOciRef('oci://registry.example.com:443/a/b', { env: {} }).base, 'https://registry.example.com:443');
  assert.equal(
    parseOciRef('oci://registry.example.com:5000/a/b', { env: { PF_OCI_SCHEME: 'https' } }).base.slice(0, 8),
    'https://',
  );
  const byDigest = parseOciRef(`oci://127.0.0.1:5000/a/b@sha256:${'c'.repeat(64)}`, { env: {} });
  assert.equal(byDigest.repo, 'a/b');
  assert.equal(byDigest.digest, `sha256:${'c'.repeat(64)}`);
  assert.equal(byDigest.tag, byDigest.digest, 'the manifest is fetched by its digest, never as latest');
  assert.throws(() => parseOciRef('oci://127.0.0.1:5000/a/b@sha256:abc'), /not a manifest digest/);
});

const mustRun = process.env.CI === 'true';

describe('pf wire behaviour against docker-registry', { skip: !registryAvailable() && !mustRun }, () => {
  let registry: Registry;
  let secured: Registry;
  let source: string;
  let image: ReturnType<typeof writeDemoImage>;
  const temps: string[] = [];
  const temp = (s: string) => (temps.push(s), s);

  before(async () => {
    registry = await startRegistry();
    secured = await startRegistry({ htpasswd: { user: 'pf', password: 'dock3r-pw' } });
    source = temp(tempStore());
    image = writeDemoImage(source, 'wire');
  });
  after(async () => {
    await registry.stop();
    await secured.stop();
    temps.forEach((t) => fs.rmSync(t, { recursive: true, force: true }));
  });

  test('pull by manifest digest, as remote ls shows it; a digest the registry does not hold is not found', async () => {
    const ref = `oci://${registry.host}/agents/wire:v1`;
    assert.equal((await pfstore(source, ['push', '--allow-secrets', `sha256:${image.hex}`, ref])).status, 0);
    const ls = await pfstore(source, ['--json', 'remote', 'ls', `oci://${registry.host}/agents/wire`]);
    const [listed] = JSON.parse(ls.stdout) as Array<{ tag: string; image: string; manifest: string }>;
    assert.equal(listed.image, `sha256:${image.hex}`);
    assert.match(listed.manifest, /^sha256:[0-9a-f]{64}$/);
    const text = await pfstore(source, ['remote', 'ls', `oci://${registry.host}/agents/wire`]);
    assert.equal(text.stdout.trim(), `v1\tsha256:${image.hex}\t${listed.manifest}`);
    const target = temp(tempStore());
    const pulled = await pfstore(target, ['--json', 'pull', `oci://${registry.host}/agents/wire@${listed.manifest}`]);
    assert.equal(pulled.status, 0, pulled.stderr);
    assert.equal(JSON.parse(pulled.stdout).image, `sha256:${image.hex}`);
    const unknown = await pfstore(target, ['pull', `oci://${registry.host}/agents/wire@sha256:${'0'.repeat(64)}`]);
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /not in the registry/);
    const pushByDigest = await pfstore(source, [
      'push',
      `sha256:${image.hex}`,
      `oci://${registry.host}/agents/wire@${listed.manifest}`,
    ]);
    assert.equal(pushByDigest.status, 1);
    assert.match(pushByDigest.stderr, /a push needs a tag/);
  });

  test('the signature layer is found anywhere and unknown layers are passed over, as pf pull does', async () => {
    const client = new RegistryClient(parseOciRef(`oci://${registry.host}/agents/wire:v1`), {}, () => undefined, false);
    const oci = JSON.parse((await client.getManifest('v1')).toString('utf8'));
    const extra = Buffer.from('{"note":"attached by a registry tool"}');
    await client.uploadBlob(sha(extra), extra);
    const [signature, ...rest] = oci.layers;
    oci.layers = [
      { mediaType: 'application/vnd.example.note.v1+json', digest: sha(extra), size: extra.length },
      ...rest,
      signature,
    ];
    await client.putManifest('reordered', Buffer.from(JSON.stringify(oci)));
    assert.equal(
      JSON.parse((await client.getManifest('reordered')).toString()).layers[0].mediaType,
      'application/vnd.example.note.v1+json',
    );
    const pulled = await pfstore(temp(tempStore()), ['pull', `oci://${registry.host}/agents/wire:reordered`]);
    assert.equal(pulled.status, 0, pulled.stderr);
  });

  test('a manifest stored with camelCase fields is refused before anything is sent: pf pull could not read it', async () => {
    const store = temp(tempStore());
    const snake = writeDemoImage(store, 'camel');
    const camel = snake.json
      .replace('"schema_version"', '"schemaVersion"')
      .replace('"media_type"', '"mediaType"')
      .replace('"created_at"', '"createdAt"');
    const hex = writeBlob(store, camel);
    fs.writeFileSync(path.join(store, 'images', `${hex}.json`), camel);
    const r = await pfstore(store, [
      'push',
      '--allow-secrets',
      `sha256:${hex}`,
      `oci://${registry.host}/agents/camel:v1`,
    ]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /camelCase fields \(schemaVersion, mediaType, createdAt\); pf pull reads snake_case/);
  });

  test('a corrupt blob in the closure refuses the push before the first upload', async () => {
    const store = temp(tempStore());
    const unique = writeDemoImage(store, `corrupt-push-${process.pid}`);
    flipByte(blobFile(store, unique.spec.messages));
    const s = new FsBlobStore(store);
    const client = new RegistryClient(
      parseOciRef(`oci://${registry.host}/agents/corrupt:v1`),
      {},
      () => undefined,
      false,
    );
    try {
      await assert.rejects(pushImage(s, unique.hex, client.ref, { client }), /failed verification.*nothing was pushed/);
      assert.equal(client.stats.uploaded, 0);
    } finally {
      await s.close();
    }
  });

  test('docker login credentials: the auths entry of the docker config, and a credential helper on the PATH', async () => {
    const ref = `oci://${secured.host}/agents/docker:v1`;
    const home = temp(fs.mkdtempSync(path.join(os.tmpdir(), 'pf-docker-')));
    const denied = await pfstore(source, ['push', '--allow-secrets', `sha256:${image.hex}`, ref], {
      DOCKER_CONFIG: home,
    });
    assert.equal(denied.status, 1);
    const auth = Buffer.from('pf:dock3r-pw').toString('base64');
    fs.writeFileSync(
      path.join(home, 'config.json'),
      JSON.stringify({ auths: { [`http://${secured.host}`]: { auth } } }),
    );
    const viaAuths = await pfstore(source, ['push', '--allow-secrets', `sha256:${image.hex}`, ref], {
      DOCKER_CONFIG: home,
    });
    assert.equal(viaAuths.status, 0, viaAuths.stderr);

    // A helper script, as `docker-credential-pass` or `-secretservice` would answer.
    const bin = path.join(home, 'bin');
    fs.mkdirSync(bin);
    const helper = path.join(bin, 'docker-credential-pftest');
    fs.writeFileSync(
      helper,
      `#!/bin/sh\nread host\n[ "$1" = get ] && [ "$host" = "${secured.host}" ] || exit 1\necho '{"ServerURL":"'"$host"'","Username":"pf","Secret":"dock3r-pw"}'\n`,
    );
    fs.chmodSync(helper, 0o755);
    fs.writeFileSync(path.join(home, 'config.json'), JSON.stringify({ credHelpers: { [secured.host]: 'pftest' } }));
    const PATH = `${bin}${path.delimiter}${process.env.PATH}`;
    const viaHelper = await pfstore(
      source,
      ['push', '--allow-secrets', `sha256:${image.hex}`, `${ref.slice(0, -3)}:v2`],
      {
        DOCKER_CONFIG: home,
        PATH,
      },
    );
    assert.equal(viaHelper.status, 0, viaHelper.stderr);
    assert.doesNotMatch(viaHelper.stderr + viaHelper.stdout, /dock3r-pw/);

    // The OCI_* variables win over the docker config: wrong ones fail even though the helper knows better.
    const envWins = await pfstore(source, ['remote', 'ls', `oci://${secured.host}/agents/docker`], {
      DOCKER_CONFIG: home,
      PATH,
      OCI_USERNAME: 'pf',
      OCI_PASSWORD: 'wrong',
    });
    assert.equal(envWins.status, 1);
  });

  test('two registry processes on one storage: a push through one, a pull through the other', async () => {
    const replica = await startRegistry({ storage: registry.storage });
    try {
      const pushed = await pfstore(source, [
        'push',
        `sha256:${image.hex}`,
        `oci://${registry.host}/agents/replicated:v1`,
      ]);
      assert.equal(pushed.status, 0, pushed.stderr);
      const ls = await pfstore(source, ['--json', 'remote', 'ls', `oci://${replica.host}/agents/replicated`]);
      assert.deepEqual(
        (JSON.parse(ls.stdout) as Array<{ tag: string }>).map((i) => i.tag),
        ['v1'],
      );
      const target = temp(tempStore());
      const pulled = await pfstore(target, ['--json', 'pull', `oci://${replica.host}/agents/replicated:v1`]);
      assert.equal(pulled.status, 0, pulled.stderr);
      assert.equal(JSON.parse(pulled.stdout).downloaded, 12);
    } finally {
      await replica.stop();
    }
  });
});
