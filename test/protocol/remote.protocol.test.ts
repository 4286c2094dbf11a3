// The registry through the language server: push, list, pull, the "Fetch from <remote>" quick fix on a
// missing blob, credentials from the server's environment, and refusal in untrusted workspaces.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { CodeActionRequest, type Diagnostic } from 'vscode-languageserver-protocol';
import {
  FetchBlobRequest,
  RemoteImagesRequest,
  RemotePullRequest,
  RemotePushRequest,
  StatusRequest,
  StoreErrorCode,
} from '../../shared/protocol';
import { registryAvailable, startRegistry, type Registry } from '../support/registry';
import { startServer, type ServerSession } from '../support/serverProcess';
import { blobFile, tempStore, writeDemoImage } from '../support/storeFixtures';

describe('registries through the server', { skip: !registryAvailable() && process.env.CI !== 'true' }, () => {
  let registry: Registry;
  let source: string;
  let image: ReturnType<typeof writeDemoImage>;
  let server: ServerSession;
  let remote: string;

  before(async () => {
    registry = await startRegistry();
    remote = `oci://${registry.host}/agents/shared`;
    source = tempStore();
    image = writeDemoImage(source, 'remote');
    server = await startServer(source, { settings: { remotes: [remote] } });
  });
  after(async () => {
    await server.stop();
    await registry.stop();
    fs.rmSync(source, { recursive: true, force: true });
  });

  test('push, then list the remote', async () => {
    const pushed = await server.connection.sendRequest(RemotePushRequest.type, {
      image: `sha256:${image.hex}`,
      ref: `${remote}:v1`,
    });
    assert.equal(pushed.layers, 12);
    const { images } = await server.connection.sendRequest(RemoteImagesRequest.type, { remote });
    assert.deepEqual(images, [{ tag: 'v1', image: `sha256:${image.hex}`, manifest: pushed.manifestDigest }]);
  });

  test('pull into another store', async () => {
    const target = tempStore();
    const other = await startServer(target);
    try {
      const pulled = await other.connection.sendRequest(RemotePullRequest.type, { ref: `${remote}:v1` });
      assert.equal(pulled.image, `sha256:${image.hex}`);
      assert.equal(pulled.downloaded, 12);
      await other.waitFor('the pulled image in the status', () => other.statuses.find((s) => s.imageCount === 1));
    } finally {
      await other.stop();
      fs.rmSync(target, { recursive: true, force: true });
    }
  });

  test('a missing blob offers "Fetch from <remote>", and fetching clears the warning', async () => {
    const target = tempStore();
    const other = await startServer(target, { settings: { remotes: [remote] } });
    try {
      const uri = pathToFileURL(path.join(target, '..', `fetch-${process.pid}.pfimg`)).toString();
      await other.open(uri, JSON.stringify(JSON.parse(image.json), null, 2));
      const d = await other.waitForDiagnostics(
        uri,
        (p) => p.diagnostics.filter((x) => x.code === 'missing-blob').length === 8,
      );
      const envDiag = d.diagnostics.find(
        (x: Diagnostic) => x.code === 'missing-blob' && String(x.message).includes('world.env'),
      )!;
      const actions = await other.connection.sendRequest(CodeActionRequest.type, {
        textDocument: { uri },
        range: envDiag.range,
        context: { diagnostics: [envDiag] },
      });
      const fetch = (actions ?? []).find((a) => 'title' in a && a.title === `Fetch from ${remote}`);
      assert.ok(fetch && 'command' in fetch && fetch.command, JSON.stringify(actions));
      const [digest, from] = (fetch.command as unknown as { arguments: [string, string] }).arguments;
      const result = await other.connection.sendRequest(FetchBlobRequest.type, { digest, remote: from });
      assert.deepEqual(result, { found: true, tag: 'v1' });
      assert.ok(fs.existsSync(blobFile(target, image.spec.env)));
      await other.waitForDiagnostics(uri, (p) => p.diagnostics.filter((x) => x.code === 'missing-blob').length === 7);
    } finally {
      await other.stop();
      fs.rmSync(target, { recursive: true, force: true });
    }
  });

  test('credentials come from the server environment, never from messages', async () => {
    const secured = await startRegistry({ htpasswd: { user: 'pf', password: 'pw' } });
    const withCreds = await startServer(source, {
      env: { PF_REMOTE_CREDENTIALS: JSON.stringify({ [secured.host]: { username: 'pf', password: 'pw' } }) },
    });
    const without = await startServer(source);
    try {
      const ref = `oci://${secured.host}/agents/locked:v1`;
      await withCreds.connection.sendRequest(RemotePushRequest.type, { image: `sha256:${image.hex}`, ref });
      const err = await without.connection
        .sendRequest(RemoteImagesRequest.type, { remote: `oci://${secured.host}/agents/locked` })
        .then(
          () => undefined,
          (e) => e,
        );
      assert.equal(err?.code, StoreErrorCode.Io);
      assert.match(err.message, /401/);
    } finally {
      await withCreds.stop();
      await without.stop();
      await secured.stop();
    }
  });

  test('untrusted: push, pull and fetch are refused', async () => {
    const untrusted = await startServer(source, { trusted: false });
    try {
      for (const call of [
        () =>
          untrusted.connection.sendRequest(RemotePushRequest.type, {
            image: `sha256:${image.hex}`,
            ref: `${remote}:x`,
          }),
        () => untrusted.connection.sendRequest(RemotePullRequest.type, { ref: `${remote}:v1` }),
        () => untrusted.connection.sendRequest(FetchBlobRequest.type, { digest: `sha256:${image.spec.env}`, remote }),
      ]) {
        const err = await call().then(
          () => undefined,
          (e) => e,
        );
        assert.equal(err?.code, StoreErrorCode.WriteRefused);
      }
      assert.equal((await untrusted.connection.sendRequest(StatusRequest.type, {})).state, 'ok');
    } finally {
      await untrusted.stop();
    }
  });
});
