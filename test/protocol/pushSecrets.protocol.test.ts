// A push of a snapshot that holds secrets in clear (issue 39 item 1): refused by pfstore and by the server,
// naming the variables and never their values, with nothing written at the registry; sent when the user says so
// (`--allow-secrets`, the editor's "Push anyway", which resends with allowSecrets).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ResponseError } from 'vscode-languageserver-protocol';
import { RemotePushRequest, StoreErrorCode } from '../../shared/protocol';
import { CLI_JS, startServer, type ServerSession } from '../support/serverProcess';
import { envText, writePfImage } from '../support/pfLayers';
import { tempStore } from '../support/storeFixtures';

const GITHUB_TOKEN = `ghp_${'Kx7'.repeat(12)}`;
const DB_URL = 'postgres://app:Sekr1t-pw@db.internal/app';

describe('pushing a snapshot with secrets in clear', () => {
  const root = tempStore();
  let leaky: string;
  let clean: string;
  let server: ServerSession;

  before(async () => {
    leaky = writePfImage(root, {
      name: 'leaky',
      createdAt: '2026-11-20T09:14:03.512204Z',
      env: envText({ DATABASE_URL: DB_URL, GITHUB_TOKEN, HOME: '/home/dev' }),
    }).hex;
    clean = writePfImage(root, {
      name: 'clean',
      createdAt: '2026-11-20T09:15:03.512204Z',
      env: envText({ GITHUB_TOKEN: '<redacted>', HOME: '/home/dev' }),
    }).hex;
    server = await startServer(root);
  });
  after(async () => {
    await server.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const pfstore = (...args: string[]) => {
    const r = spawnSync(process.execPath, [CLI_JS, '--store', root, ...args], { encoding: 'utf8' });
    assert.ok(
      ![GITHUB_TOKEN, 'Sekr1t-pw'].some((v) => r.stdout.includes(v) || r.stderr.includes(v)),
      'a value printed',
    );
    return r;
  };

  test('pfstore push refuses (exit 5), names the variables and the way out, and writes nothing', () => {
    const target = path.join(tempStore('pf-reg-'), 'leaky');
    const r = pfstore('push', 'leaky', `file://${target}`);
    assert.equal(r.status, 5, r.stderr);
    assert.match(
      r.stderr,
      /not pushed: the snapshot holds 2 secrets in clear: DATABASE_URL \(world\.env\) and GITHUB_TOKEN \(world\.env\)/,
    );
    assert.match(r.stderr, /--allow-secrets/);
    assert.equal(fs.existsSync(target), false, 'nothing written at the registry');
    const anyway = pfstore('push', 'leaky', `file://${target}`, '--allow-secrets');
    assert.equal(anyway.status, 0, anyway.stderr);
    assert.ok(fs.existsSync(path.join(target, 'manifest.json')));
    const ok = pfstore('push', 'clean', `file://${path.join(path.dirname(target), 'clean')}`);
    assert.equal(ok.status, 0, ok.stderr);
  });

  test('the server refuses with SecretsInClear and the variables as data; allowSecrets sends it', async () => {
    const target = path.join(tempStore('pf-reg-'), 'leaky');
    const err = await server.connection
      .sendRequest(RemotePushRequest.type, { image: `sha256:${leaky}`, ref: `file://${target}` })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(err instanceof ResponseError, String(err));
    assert.equal(err.code, StoreErrorCode.SecretsInClear);
    assert.deepEqual(err.data, { variables: ['DATABASE_URL (world.env)', 'GITHUB_TOKEN (world.env)'] });
    assert.ok(!err.message.includes(GITHUB_TOKEN));
    assert.equal(fs.existsSync(target), false);
    const pushed = await server.connection.sendRequest(RemotePushRequest.type, {
      image: `sha256:${leaky}`,
      ref: `file://${target}`,
      allowSecrets: true,
    });
    assert.ok(pushed.layers > 0);
    const plain = await server.connection.sendRequest(RemotePushRequest.type, {
      image: `sha256:${clean}`,
      ref: `file://${path.join(path.dirname(target), 'clean')}`,
    });
    assert.ok(plain.layers > 0);
  });
});
