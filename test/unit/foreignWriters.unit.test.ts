// Writers and helpers that are not this process (issue 35 items 5 and 7): gc must not take a live writer's temp
// file for a dead one because its pid means nothing here (a container sharing the store, another host on NFS);
// and a docker credential helper, someone else's program, must not be handed the registry secrets the editor
// gave the server, nor the user's own.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { FsBlobStore } from '../../server/src/store/blobs/fsBlobStore';
import { originOf, writerOrigin } from '../../server/src/store/blobs/writerOrigin';
import { dockerCredentials } from '../../server/src/oci/dockerCredentials';
import {
  EDITOR_CREDENTIALS_VAR,
  editorCredentialsFor,
  takeEditorCredentials,
} from '../../server/src/oci/editorCredentials';
import { blobFile, deadPid, sha256Hex, tempStore } from '../support/storeFixtures';

describe('gc and writers in other pid namespaces', () => {
  const hex = sha256Hex('a blob being written elsewhere');

  function plant(root: string, name: string, ageMs = 0): string {
    const dir = path.dirname(blobFile(root, hex));
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, name);
    fs.writeFileSync(file, 'half a blob');
    if (ageMs > 0) {
      const when = new Date(Date.now() - ageMs);
      fs.utimesSync(file, when, when);
    }
    return file;
  }

  test("a young temp file from another namespace, or pf's without an origin, is kept though its pid is dead here", async () => {
    const root = tempStore();
    const store = new FsBlobStore(root);
    try {
      const other = originOf('a-container', 'another-boot', 'pid:[4026532999]');
      assert.notEqual(other, writerOrigin());
      const foreign = plant(root, `${hex}.tmp.${deadPid()}.7.${other}`);
      const pfs = plant(root, `${hex}.tmp.${deadPid()}.8`);
      const ours = plant(root, `${hex}.tmp.${deadPid()}.9.${writerOrigin()}`);
      const swept = await store.sweepTemp();
      assert.deepEqual(swept.removed, [ours], 'only our own dead writer is proven dead');
      assert.ok(fs.existsSync(foreign) && fs.existsSync(pfs));
      // Older than any writer could be: gone by age, whoever wrote them.
      const old = 25 * 3600_000;
      fs.utimesSync(foreign, new Date(Date.now() - old), new Date(Date.now() - old));
      fs.utimesSync(pfs, new Date(Date.now() - old), new Date(Date.now() - old));
      assert.deepEqual((await store.sweepTemp()).removed.sort(), [foreign, pfs].sort());
    } finally {
      await store.close();
    }
  });

  const unshareWorks =
    process.getuid?.() === 0 &&
    spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { stdio: 'ignore' }).status === 0;

  test(
    'a live writer in its own pid namespace (unshare --pid) keeps its temp file through gc',
    { skip: !unshareWorks && 'needs root and unshare' },
    async () => {
      const root = tempStore();
      const paths = path.resolve(__dirname, '../../server/src/store/blobs/blobPaths.js');
      // Inside: burn pids so the writer's pid is one that, out here, is most likely nobody; write a temp file as
      // our writers name it; say where; then stay alive until killed.
      const script =
        `const p=require(${JSON.stringify(paths)});const fs=require('fs');` +
        `const f=p.tempBlobPath(${JSON.stringify(root)},${JSON.stringify(hex)});` +
        `fs.mkdirSync(require('path').dirname(f),{recursive:true});fs.writeFileSync(f,'half');` +
        `process.stdout.write(JSON.stringify({file:f,pid:process.pid})+'\\n');setInterval(()=>{},1000);`;
      const child = spawn(
        'unshare',
        [
          '--pid',
          '--fork',
          '--kill-child',
          '--mount-proc',
          'sh',
          '-c',
          `i=0; while [ $i -lt 400 ]; do /bin/true; i=$((i+1)); done; "${process.execPath}" -e "$0"`,
          script,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      try {
        const said = await new Promise<{ file: string; pid: number }>((resolve, reject) => {
          let out = '';
          child.stdout!.on('data', (d) => {
            out += String(d);
            if (out.includes('\n')) {
              resolve(JSON.parse(out));
            }
          });
          child.on('exit', (code) => reject(new Error(`the writer exited with ${code}`)));
        });
        assert.ok(said.pid > 1, 'the writer ran inside the new namespace');
        assert.ok(!path.basename(said.file).endsWith(writerOrigin()), 'its origin is not ours');
        const store = new FsBlobStore(root);
        try {
          const swept = await store.sweepTemp();
          assert.deepEqual(swept.removed, []);
          assert.ok(fs.existsSync(said.file), 'the live writer still has its file');
        } finally {
          await store.close();
        }
      } finally {
        // unshare ignores SIGTERM while it waits; SIGKILL it, and --kill-child has the kernel kill the namespace's
        // first process, and with it the whole namespace.
        child.kill('SIGKILL');
        child.stdout?.destroy();
        await new Promise((resolve) =>
          child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve),
        );
      }
    },
  );
});

describe('registry secrets and the programs the server runs', () => {
  test('a docker credential helper runs with none of the editor’s registry secrets nor the user’s AWS or OCI ones', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-helper-'));
    const dump = path.join(dir, 'env-seen');
    const helper = path.join(dir, 'docker-credential-spy');
    fs.writeFileSync(helper, `#!/bin/sh\nenv > '${dump}'\necho '{"Username":"u","Secret":"s"}'\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ credsStore: 'spy' }));
    const secrets = ['editor-registry-password', 'editor-s3-secret', 'aws-user-secret', 'oci-user-password'];
    const env: NodeJS.ProcessEnv = {
      PATH: `${dir}:${process.env.PATH}`,
      HOME: dir,
      DOCKER_CONFIG: dir,
      [EDITOR_CREDENTIALS_VAR]: JSON.stringify({
        'other.registry:5000': { username: 'pf', password: secrets[0] },
        's3://team': { username: 'AKIA', password: secrets[1] },
      }),
      AWS_SECRET_ACCESS_KEY: secrets[2],
      OCI_PASSWORD: secrets[3],
    };
    const found = await dockerCredentials('127.0.0.1:5999', env);
    assert.deepEqual(found, { username: 'u', password: 's' });
    const seen = fs.readFileSync(dump, 'utf8');
    assert.match(seen, /^DOCKER_CONFIG=/m, 'the helper still finds its configuration');
    for (const s of secrets) {
      assert.ok(!seen.includes(s), 'a secret reached the helper');
    }
  });

  test('the server takes the editor’s credentials out of its environment and still finds them', () => {
    const env: NodeJS.ProcessEnv = {
      [EDITOR_CREDENTIALS_VAR]: JSON.stringify({ 'r.example:5000': { username: 'pf', password: 'pw' } }),
    };
    takeEditorCredentials(env);
    assert.equal(env[EDITOR_CREDENTIALS_VAR], undefined);
    assert.deepEqual(editorCredentialsFor('r.example:5000', env), {
      username: 'pf',
      password: 'pw',
      bearer: undefined,
    });
    assert.equal(editorCredentialsFor('__proto__', env), undefined);
  });
});
