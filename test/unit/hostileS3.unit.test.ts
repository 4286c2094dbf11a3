// An s3:// endpoint that misbehaves on purpose (issue 35 item 3): a scripted HTTP peer speaking just enough of
// the S3 API for the AWS SDK, on loopback. A listing that keeps its continuation token, one that pages without
// end, and a blob GET with no length and a body that never stops: each fails with a clear message, and nothing
// of the endless body is left in the store.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { s3RegistryFor } from '../../server/src/remotes/s3Registry';
import { adoptObject } from '../../server/src/remotes/objectPull';
import { FsBlobStore } from '../../server/src/store/blobs/fsBlobStore';
import { MAX_LIST_PAGES } from '../../shared/registries/transferLimits';
import { sha256Hex, tempStore } from '../support/storeFixtures';

const listing = (prefix: string, token: string | undefined) =>
  `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
  `<Name>team</Name><Prefix>snaps/</Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter>` +
  `<IsTruncated>${token ? 'true' : 'false'}</IsTruncated><CommonPrefixes><Prefix>snaps/${prefix}/</Prefix></CommonPrefixes>` +
  (token ? `<NextContinuationToken>${token}</NextContinuationToken>` : '') +
  `</ListBucketResult>`;

describe('an S3 endpoint that misbehaves', () => {
  let server: http.Server;
  let env: NodeJS.ProcessEnv;
  let mode: 'same-token' | 'endless-pages' | 'endless-body' = 'same-token';
  let requests = 0;

  before(async () => {
    server = http.createServer((req, res) => {
      requests++;
      const url = new URL(req.url!, 'http://x');
      if (url.searchParams.get('list-type') === '2') {
        res.writeHead(200, { 'Content-Type': 'application/xml' });
        const n = requests;
        res.end(listing(`image-${n}`, mode === 'same-token' ? 'always-the-same' : `token-${n}`));
        return;
      }
      if (mode === 'endless-body') {
        // Chunked, no Content-Length, and it never ends: 64 KiB at a time until the client hangs up.
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        const chunk = Buffer.alloc(64 << 10, 0x61);
        const pump = () => {
          while (res.write(chunk)) {
            if (res.destroyed) {
              return;
            }
          }
          res.once('drain', pump);
        };
        res.on('close', () => res.removeAllListeners('drain'));
        pump();
        return;
      }
      res.writeHead(404);
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    env = {
      AWS_ENDPOINT_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      // The editor's stored credentials for the bucket (the SDK's own chain reads the process environment).
      PF_REMOTE_CREDENTIALS: JSON.stringify({ 's3://team': { username: 'AKIATEST', password: 'not-a-real-secret' } }),
      AWS_REGION: 'us-east-1',
    };
  });
  after(() => server.close());

  async function listAll(): Promise<string[]> {
    const registry = await s3RegistryFor('team', 'snaps', env);
    const names: string[] = [];
    for await (const name of registry.folders()) {
      names.push(name);
    }
    return names;
  }

  test('a continuation token sent twice stops the listing with a clear message', async () => {
    mode = 'same-token';
    requests = 0;
    await assert.rejects(listAll(), /S3 sent a continuation token it had sent before/);
    assert.equal(requests, 2);
  });

  test('a listing that pages without end stops at the page cap', async () => {
    mode = 'endless-pages';
    requests = 0;
    await assert.rejects(listAll(), new RegExp(`runs past ${MAX_LIST_PAGES} pages`));
    assert.equal(requests, MAX_LIST_PAGES);
  });

  test('a blob GET with no length and an endless body is refused, and nothing is left in the store', async () => {
    mode = 'endless-body';
    const root = tempStore();
    const store = new FsBlobStore(root);
    try {
      const registry = await s3RegistryFor('team', 'snaps/image-1', env);
      const hex = sha256Hex('a blob the endpoint will never send');
      await assert.rejects(adoptObject(store, registry, hex), /S3 answered with no length/);
      const shard = path.join(root, 'blobs', 'sha256', hex.slice(0, 2));
      assert.deepEqual(fs.existsSync(shard) ? fs.readdirSync(shard) : [], []);
    } finally {
      await store.close();
    }
  });
});
