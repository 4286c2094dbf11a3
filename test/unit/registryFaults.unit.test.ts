// The registry client against a scripted HTTP peer, for what a real registry does only when it misbehaves:
// 5xx answers retried, error bodies quoted briefly, a non-registry named as such, oversized and wrong blob
// bodies refused, a connection dropped mid-download retried then reported, and credentials over plain http to
// a host that is not loopback warned about.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseOciRef } from '../../server/src/oci/ociRef';
import { RegistryClient } from '../../server/src/oci/registryClient';
import { IntegrityError } from '../../server/src/store/errors';

const sha = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('the registry client against a misbehaving peer', () => {
  let server: http.Server;
  let port: number;
  const routes = new Map<string, (req: http.IncomingMessage, res: http.ServerResponse) => void>();
  const hits = new Map<string, number>();

  before(async () => {
    server = http.createServer((req, res) => {
      const url = req.url!.split('?')[0];
      hits.set(url, (hits.get(url) ?? 0) + 1);
      const route = routes.get(url);
      if (route) {
        route(req, res);
      } else {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known' }] }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());

  const client = (repo: string, warn: (m: string) => void = () => undefined) =>
    new RegistryClient(parseOciRef(`oci://127.0.0.1:${port}/${repo}`, { env: {} }), {}, warn, false);

  test('a 503 is retried and the next answer used; a 404 quotes the registry’s error code and message', async () => {
    const body = Buffer.from('a layer');
    let calls = 0;
    routes.set(`/v2/retry/blobs/${sha(body)}`, (_req, res) => {
      calls++;
      if (calls === 1) {
        res.writeHead(503).end('busy');
      } else {
        res.writeHead(200, { 'Content-Length': String(body.length) }).end(body);
      }
    });
    assert.deepEqual(await client('retry').getBlob(sha(body), 1 << 20), body);
    assert.equal(calls, 2);
    await assert.rejects(
      client('retry').getBlob(sha(Buffer.from('absent')), 1 << 20),
      /GET blob sha256:[0-9a-f]{64} failed: 404 \(NAME_UNKNOWN: repository name not known\)/,
    );
    routes.set('/v2/plain/tags/list', (_req, res) =>
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end('x'.repeat(5000)),
    );
    await assert.rejects(
      client('plain').listTags(),
      (err: Error) => /failed: 500 \(x+\)/.test(err.message) && err.message.length < 400,
    );
  });

  test('a server that is not a registry is named as such', async () => {
    routes.set('/v2/', (_req, res) => res.writeHead(404).end());
    await assert.rejects(client('any').ping(), /does not answer as an OCI registry \(404\)/);
    routes.delete('/v2/');
  });

  test('blob bodies: over the limit by their length or as they stream, or not matching their digest, are refused', async () => {
    const big = randomBytes(4096);
    routes.set(`/v2/sizes/blobs/${sha(big)}`, (_req, res) => res.writeHead(200, { 'Content-Length': '4096' }).end(big));
    await assert.rejects(client('sizes').getBlob(sha(big), 1000), (err: unknown) => {
      return err instanceof IntegrityError && err.kind === 'too-large' && /offers 4096 bytes/.test(err.message);
    });
    const forged = Buffer.from('not what was asked for');
    const asked = sha(Buffer.from('the real layer'));
    routes.set(`/v2/sizes/blobs/${asked}`, (_req, res) => res.writeHead(200).end(forged));
    await assert.rejects(client('sizes').getBlob(asked, 1 << 20), (err: unknown) => {
      return err instanceof IntegrityError && err.kind === 'hash-mismatch';
    });
    // Streamed to a file with no length given: cut off at the limit, and nothing is left at the destination.
    const dest = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pf-dl-')), 'layer');
    routes.set(`/v2/sizes/blobs/${sha(big)}`, (_req, res) => {
      res.writeHead(200);
      res.write(big.subarray(0, 2048));
      res.end(big.subarray(2048));
    });
    await assert.rejects(client('sizes').downloadBlob(sha(big), dest, 1000), (err: unknown) => {
      return err instanceof IntegrityError && err.kind === 'too-large';
    });
    assert.equal(fs.existsSync(dest), false);
  });

  test('a connection dropped mid-download is retried, then reported; nothing is left at the destination', async () => {
    const layer = randomBytes(64 << 10);
    const url = `/v2/drops/blobs/${sha(layer)}`;
    routes.set(url, (_req, res) => {
      res.writeHead(200, { 'Content-Length': String(layer.length) });
      res.write(layer.subarray(0, 1024), () => res.destroy());
    });
    const dest = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pf-dl-')), 'layer');
    hits.delete(url);
    await assert.rejects(client('drops').downloadBlob(sha(layer), dest, 1 << 20), /dropped the connection/);
    assert.equal(hits.get(url), 3, 'three attempts');
    assert.equal(fs.existsSync(dest), false);
  });

  test('each refusal names the step that failed: HEAD, upload start and PUT, delete, manifests, tags', async () => {
    const layer = Buffer.from('a layer the registry will not take');
    const digest = sha(layer);
    const bad = (res: http.ServerResponse) => {
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'DENIED', message: 'not here' }] }));
    };
    routes.set(`/v2/refuse/blobs/${digest}`, (_req, res) => bad(res));
    await assert.rejects(client('refuse').hasBlob(digest), /HEAD blob sha256:[0-9a-f]{64} failed: 400/);
    await assert.rejects(
      client('refuse').deleteBlob(digest),
      /DELETE blob sha256:[0-9a-f]{64} failed: 400 \(DENIED: not here\)/,
    );

    // An upload: the registry has not got the blob, then refuses to start, or starts without a location, or
    // refuses the bytes.
    routes.set(`/v2/up/blobs/${digest}`, (_req, res) => res.writeHead(404).end());
    let start: (res: http.ServerResponse) => void = bad;
    routes.set('/v2/up/blobs/uploads/', (_req, res) => start(res));
    await assert.rejects(
      client('up').uploadBlob(digest, layer),
      /starting the upload of sha256:[0-9a-f]{64} failed: 400/,
    );
    start = (res) => res.writeHead(202).end();
    await assert.rejects(client('up').uploadBlob(digest, layer), /gave no upload location/);
    start = (res) => res.writeHead(202, { Location: '/v2/up/blobs/uploads/session-1' }).end();
    routes.set('/v2/up/blobs/uploads/session-1', (_req, res) => bad(res));
    await assert.rejects(
      client('up').uploadBlob(digest, layer),
      /uploading sha256:[0-9a-f]{64} failed: 400 \(DENIED: not here\)/,
    );
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pf-up-')), 'layer');
    fs.writeFileSync(file, layer);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(
      client('up').uploadBlobFromFile(digest, file, layer.length, 8, controller.signal),
      /the upload was cancelled/,
    );

    routes.set('/v2/refuse/manifests/v1', (_req, res) => bad(res));
    await assert.rejects(client('refuse').putManifest('v1', Buffer.from('{}')), /PUT manifest v1 failed: 400 \(DENIED/);
    await assert.rejects(client('refuse').getManifest('v1'), /GET manifest v1 failed: 400/);

    for (const [body, message] of [
      ['not json', /tag list is not valid JSON/],
      ['[1]', /tag list is not a JSON object/],
      ['{"tags": [1]}', /no list of strings under "tags"/],
    ] as const) {
      routes.set('/v2/tagged/tags/list', (_req, res) => res.writeHead(200).end(body));
      await assert.rejects(client('tagged').listTags(), message);
    }
    routes.set('/v2/tagged/tags/list', (_req, res) => bad(res));
    await assert.rejects(client('tagged').listTags(), /listing tags failed: 400/);
    routes.set('/v2/tagged/tags/list', (_req, res) => res.writeHead(404).end());
    assert.deepEqual(await client('tagged').listTags(), [], 'no repository yet: no tags');
  });

  test('a blob whose HEAD keeps failing with a server error is sent again, not a failed push', async () => {
    // What a registry killed mid-upload answers for the blob it was writing, after its restart.
    const layer = Buffer.from('half written when the registry died');
    const digest = sha(layer);
    routes.set(`/v2/half/blobs/${digest}`, (_req, res) => res.writeHead(500).end());
    routes.set('/v2/half/blobs/uploads/', (_req, res) =>
      res.writeHead(202, { Location: '/v2/half/blobs/uploads/session-2' }).end(),
    );
    const received: Buffer[] = [];
    routes.set('/v2/half/blobs/uploads/session-2', (req, res) => {
      req.on('data', (c: Buffer) => received.push(c));
      req.on('end', () => res.writeHead(201).end());
    });
    await client('half').uploadBlob(digest, layer);
    assert.deepEqual(Buffer.concat(received), layer);
    // A refusal is still a refusal.
    routes.set(`/v2/half/blobs/${digest}`, (_req, res) => res.writeHead(403).end());
    await assert.rejects(
      client('half').uploadBlob(digest, layer),
      /refused HEAD \/v2\/half\/blobs\/sha256:[0-9a-f]{64}: 403/,
    );
  });

  test("credentials go only to the registry's origin: an upload location or redirect elsewhere gets none", async () => {
    // Another origin (another port of the same host counts): it records what Authorization it was sent.
    const seen: Array<string | undefined> = [];
    const foreign = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      req.resume();
      req.on('end', () => {
        if (req.method === 'GET') {
          res.writeHead(200).end(layer);
        } else {
          res.writeHead(req.method === 'PATCH' ? 202 : 201, { Location: req.url ?? '/' }).end();
        }
      });
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    const elsewhere = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
    const layer = Buffer.from('a layer uploaded to a location on another origin');
    const digest = sha(layer);
    const ours: Array<string | undefined> = [];
    routes.set(`/v2/moved/blobs/${digest}`, (req, res) => {
      ours.push(req.headers.authorization);
      if (req.method === 'GET') {
        res.writeHead(307, { Location: `${elsewhere}/storage/${digest}` }).end();
      } else {
        res.writeHead(404).end();
      }
    });
    routes.set('/v2/moved/blobs/uploads/', (req, res) => {
      ours.push(req.headers.authorization);
      res.writeHead(202, { Location: `${elsewhere}/upload/session-1` }).end();
    });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pf-up-')), 'layer');
    fs.writeFileSync(file, layer);
    try {
      for (const header of ['Basic cGY6c2VjcmV0', 'Bearer a-token-for-this-registry']) {
        seen.length = 0;
        ours.length = 0;
        const withCredentials = new RegistryClient(
          parseOciRef(`oci://127.0.0.1:${port}/moved`, { env: {} }),
          { header },
          () => undefined,
          false,
        );
        await withCredentials.uploadBlob(digest, layer);
        await withCredentials.uploadBlobFromFile(digest, file, layer.length, 8);
        assert.deepEqual(await withCredentials.getBlob(digest, 1 << 20), layer);
        assert.ok(ours.length >= 4 && ours.every((a) => a === header), 'the registry itself gets the credentials');
        assert.ok(seen.length >= 3, `the other origin was asked ${seen.length} times: the test proves nothing`);
        assert.deepEqual(
          seen.filter((a) => a !== undefined),
          [],
          'no Authorization header reaches another origin',
        );
      }
    } finally {
      foreign.close();
    }
  });

  test('credentials over plain http to a host that is not loopback draw a warning before they are sent', async () => {
    const warnings: string[] = [];
    const remote = new RegistryClient(
      parseOciRef('oci://registry.invalid:5000/team/agents', { env: {} }),
      { header: 'Basic cGY6cHc=' },
      (m) => warnings.push(m),
      false,
    );
    await assert.rejects(remote.ping(), /cannot reach the registry at http:\/\/registry\.invalid:5000/);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /sending credentials over plain http to registry\.invalid:5000/);
  });
});
