// Token auth as registries run it (docker-registry with `auth: token` and a token service started here), and
// pf's own wire rules: basic credentials only when both parts are set, an empty signing key is a key.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseOciRef } from '../../server/src/oci/ociRef';
import { RegistryClient, authOf } from '../../server/src/oci/registryClient';
import { registryAvailable, startRegistry, type Registry } from '../support/registry';
import { pfstoreAsync } from '../support/pfstoreProcess';
import { tempStore, writeDemoImage } from '../support/storeFixtures';
import { startTokenIssuer, type TokenIssuer } from '../support/tokenIssuer';

const pfstore = pfstoreAsync;

const mustRun = process.env.CI === 'true';

describe('OCI token auth and pf wire rules', { skip: !registryAvailable() && !mustRun }, () => {
  let dir: string;
  let issuer: TokenIssuer;
  let registry: Registry;
  let source: string;
  let image: ReturnType<typeof writeDemoImage>;
  const fresh: string[] = [];
  const freshStore = () => {
    const s = tempStore();
    fresh.push(s);
    return s;
  };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-token-'));
    issuer = await startTokenIssuer(dir, {
      users: {
        pf: { password: 'tok3n-pw', actions: ['pull', 'push'] },
        reader: { password: 'r-pw', actions: ['pull'] },
      },
      anonymous: ['pull'],
    });
    registry = await startRegistry({ token: issuer });
    source = tempStore();
    image = writeDemoImage(source, 'token');
  });
  after(async () => {
    await registry.stop();
    await issuer.stop();
    for (const s of [source, dir, ...fresh]) {
      fs.rmSync(s, { recursive: true, force: true });
    }
  });

  test('push with credentials through the token flow, pull back anonymously', async () => {
    const ref = `oci://${registry.host}/agents/tok:v1`;
    const pushed = await pfstore(source, ['push', `sha256:${image.hex}`, ref], {
      OCI_USERNAME: 'pf',
      OCI_PASSWORD: 'tok3n-pw',
    });
    assert.equal(pushed.status, 0, pushed.stderr);
    assert.ok(issuer.issued.includes('repository:agents/tok:pull,push'), issuer.issued.join());
    const target = freshStore();
    const pulled = await pfstore(target, ['--json', 'pull', ref]);
    assert.equal(pulled.status, 0, pulled.stderr);
    assert.equal(JSON.parse(pulled.stdout).image, `sha256:${image.hex}`);
    assert.ok(issuer.issued.includes('repository:agents/tok:pull'));
  });

  test('wrong password: the token service refuses, said as such, and the password is never echoed', async () => {
    const r = await pfstore(source, ['push', `sha256:${image.hex}`, `oci://${registry.host}/agents/tok:v2`], {
      OCI_USERNAME: 'pf',
      OCI_PASSWORD: 'not-the-pw',
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /token service at http:\/\/127\.0\.0\.1:\d+ rejected the credentials \(401\)/);
    assert.doesNotMatch(r.stderr, /not-the-pw/);
  });

  test('a token without push rights (wrong scope): the push is refused, naming what the token lacks', async () => {
    const r = await pfstore(source, ['push', `sha256:${image.hex}`, `oci://${registry.host}/agents/tok:v3`], {
      OCI_USERNAME: 'reader',
      OCI_PASSWORD: 'r-pw',
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /the token it issued does not allow pull,push/);
  });

  test('a user name without a password sends no credentials (as pf): anonymous, so pull only', async () => {
    const before = issuer.issued.length;
    const r = await pfstore(source, ['push', `sha256:${image.hex}`, `oci://${registry.host}/agents/tok:v4`], {
      OCI_USERNAME: 'pf',
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /does not allow pull,push/);
    assert.ok(issuer.issued.length > before, 'a token was asked for anonymously');
  });

  test('a token is reused until it is about to expire, then fetched again', async () => {
    const client = new RegistryClient(
      parseOciRef(`oci://${registry.host}/agents/tok:v1`),
      authOf({ username: 'reader', password: 'r-pw' }),
    );
    // (Layers are stored by their compressed digest: a raw digest is answered 404, after auth.)
    for (let i = 0; i < 5; i++) {
      assert.equal(await client.hasBlob(`sha256:${image.spec.fs}`), false);
    }
    assert.equal(client.tokensFetched, 1);
    issuer.ttlSeconds = 6; // renewed 5 s before expiry: live for about a second
    try {
      const short = new RegistryClient(
        parseOciRef(`oci://${registry.host}/agents/tok:v1`),
        authOf({ username: 'reader', password: 'r-pw' }),
      );
      await short.hasBlob(`sha256:${image.spec.fs}`);
      await short.hasBlob(`sha256:${image.spec.fs}`);
      assert.equal(short.tokensFetched, 1);
      await new Promise((r) => setTimeout(r, 1_300));
      await short.hasBlob(`sha256:${image.spec.fs}`);
      assert.equal(short.tokensFetched, 2, 'an expired token is replaced before use');
    } finally {
      issuer.ttlSeconds = 300;
    }
  });

  test('PF_OCI_REG_SIGN_KEY set but empty is the empty key, as in pf (not the default key)', async () => {
    const ref = `oci://${registry.host}/agents/emptykey:v1`;
    const creds = { OCI_USERNAME: 'pf', OCI_PASSWORD: 'tok3n-pw' };
    const pushed = await pfstore(source, ['push', `sha256:${image.hex}`, ref], { ...creds, PF_OCI_REG_SIGN_KEY: '' });
    assert.equal(pushed.status, 0, pushed.stderr);
    const withDefault = await pfstore(freshStore(), ['pull', ref]);
    assert.equal(withDefault.status, 4, withDefault.stderr);
    assert.match(withDefault.stderr, /signature does not match/);
    const withEmpty = await pfstore(freshStore(), ['pull', ref], { PF_OCI_REG_SIGN_KEY: '' });
    assert.equal(withEmpty.status, 0, withEmpty.stderr);
  });
});
