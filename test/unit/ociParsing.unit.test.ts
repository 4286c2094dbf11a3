// The registry side's parsers and small rules, without a registry: challenges, references, signatures, OCI
// manifests and layer annotations, the bounded in-flight runner, and JSON errors with their position. Fast, so
// the mutation run (npm run mutate) can afford them for every mutant.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachInFlight } from '../../shared/common/inFlight';
import {
  LAYER_MEDIA_TYPE,
  blobAnnotationPath,
  buildOciManifest,
  parseOciManifest,
  rawHexOfLayer,
  sha256Digest,
} from '../../server/src/oci/ociImage';
import { parseOciRef } from '../../server/src/oci/ociRef';
import { checkSignature, DEFAULT_SIGN_KEY, signingKey, signManifest } from '../../server/src/oci/signature';
import { accessOf, parseChallenge, TokenCache } from '../../server/src/oci/tokenAuth';
import { jsonNesting, lineColumn, parseJsonText } from '../../server/src/store/images/jsonText';

const hex = 'ab'.repeat(32);

test('WWW-Authenticate challenges: scheme, quoted and bare parameters, escapes', () => {
  assert.deepEqual(
    parseChallenge(
      'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull"',
    ),
    {
      scheme: 'bearer',
      params: {
        realm: 'https://auth.example.com/token',
        service: 'registry.example.com',
        scope: 'repository:a/b:pull',
      },
    },
  );
  assert.deepEqual(parseChallenge('Basic realm="x \\"y\\""'), { scheme: 'basic', params: { realm: 'x "y"' } });
  assert.deepEqual(parseChallenge('Bearer realm=https://a/t, Service=reg'), {
    scheme: 'bearer',
    params: { realm: 'https://a/t', service: 'reg' },
  });
  assert.equal(parseChallenge(null), undefined);
  assert.equal(parseChallenge(''), undefined);
  assert.equal(accessOf('GET'), 'pull');
  assert.equal(accessOf('HEAD'), 'pull');
  assert.equal(accessOf('PUT'), 'pull,push');
  assert.equal(accessOf('POST'), 'pull,push');
});

test('a held token covers what it was issued for: a push token pulls, a pull token does not push', async () => {
  let now = 1_000_000;
  const cache = new TokenCache('a/b', undefined, () => now);
  const served: string[] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = (async (url: URL) => {
    served.push(url.searchParams.get('scope') ?? '');
    return new Response(JSON.stringify({ token: `t${served.length}`, expires_in: 60 }), { status: 200 });
  }) as typeof fetch;
  try {
    const challenge = { scheme: 'bearer', params: { realm: 'http://127.0.0.1:1/token', service: 'reg' } };
    assert.equal(await cache.fetch(challenge, 'pull'), 't1');
    assert.equal(cache.current('pull'), 't1');
    assert.equal(cache.current('pull,push'), undefined);
    assert.equal(await cache.fetch(challenge, 'pull,push'), 't2');
    cache.forget('pull');
    assert.equal(cache.current('pull'), 't2', 'a push token also pulls');
    assert.deepEqual(served, ['repository:a/b:pull', 'repository:a/b:pull,push']);
    now += 54_000; // 6 s left: still used
    assert.equal(cache.current('pull,push'), 't2');
    now += 2_000; // 4 s left: renewed before use
    assert.equal(cache.current('pull,push'), undefined);
    await assert.rejects(cache.fetch({ scheme: 'bearer', params: {} }, 'pull'), /no usable token service/);
    await assert.rejects(cache.fetch({ scheme: 'bearer', params: { realm: 'ftp://x/t' } }, 'pull'), /not http\(s\)/);
    globalThis.fetch = (async () => new Response('{"nothing":1}', { status: 200 })) as unknown as typeof fetch;
    await assert.rejects(cache.fetch(challenge, 'pull'), /without a token/);
    globalThis.fetch = (async () => new Response('not json', { status: 200 })) as unknown as typeof fetch;
    await assert.rejects(cache.fetch(challenge, 'pull'), /not JSON/);
    globalThis.fetch = (async () => new Response('', { status: 401 })) as unknown as typeof fetch;
    await assert.rejects(cache.fetch(challenge, 'pull'), /wants credentials \(401\)/);
    globalThis.fetch = (async () => new Response('', { status: 500 })) as unknown as typeof fetch;
    await assert.rejects(cache.fetch(challenge, 'pull'), /answered 500/);
  } finally {
    globalThis.fetch = realFetch;
  }
});

test('references: tag, default tag, digest, and what is refused', () => {
  const tagged = parseOciRef('oci://127.0.0.1:5000/agents/demo:v1', { env: {} });
  assert.deepEqual(tagged, { base: 'http://127.0.0.1:5000', host: '127.0.0.1:5000', repo: 'agents/demo', tag: 'v1' });
  assert.equal(parseOciRef('oci://localhost/agents/demo', { env: {} }).tag, 'latest');
  assert.equal(parseOciRef('oci://[::1]:5000/a', { env: {} }).base, 'http://[::1]:5000');
  assert.throws(() => parseOciRef('http://x/a'), /not an OCI reference/);
  assert.throws(() => parseOciRef('oci://x/Upper'), /not a repository name/);
  assert.throws(() => parseOciRef('oci://x/a:bad tag'), /not a (tag|repository)/);
  assert.throws(() => parseOciRef('oci://bad host/a'), /not a registry host/);
});

test('signatures: made and checked with the key; a wrong key, a tampered manifest, junk are named', () => {
  const manifest = Buffer.from('{"schema_version":1}');
  const sig = signManifest(manifest, 'k');
  assert.equal(checkSignature(sig, manifest, 'k'), undefined);
  assert.match(checkSignature(sig, manifest, 'other') ?? '', /wrong key, or tampered/);
  assert.match(checkSignature(sig, Buffer.from('{"schema_version":2}'), 'k') ?? '', /another manifest/);
  assert.match(checkSignature(Buffer.from('nope'), manifest, 'k') ?? '', /not JSON/);
  const alg = Buffer.from(JSON.stringify({ ...JSON.parse(sig.toString()), algorithm: 'md5' }));
  assert.match(checkSignature(alg, manifest, 'k') ?? '', /an algorithm other than hmac-sha256/);
  const short = Buffer.from(JSON.stringify({ ...JSON.parse(sig.toString()), signature: 'ab' }));
  assert.match(checkSignature(short, manifest, 'k') ?? '', /does not match/);
  assert.equal(signingKey({}), DEFAULT_SIGN_KEY);
  assert.equal(signingKey({ PF_OCI_REG_SIGN_KEY: '' }), '');
  assert.equal(signingKey({ PF_OCI_REG_SIGN_KEY: 'team' }), 'team');
});

test('OCI manifests: every shape problem refused with where it is; layer annotations name raw digests', () => {
  const good = {
    schemaVersion: 2,
    config: { mediaType: 'application/vnd.processfork.image.v1+json', digest: `sha256:${hex}`, size: 10 },
    layers: [{ mediaType: LAYER_MEDIA_TYPE, digest: `sha256:${hex}`, size: 3 }],
  };
  const parse = (m: unknown) => parseOciManifest(Buffer.from(JSON.stringify(m)));
  assert.equal(parse(good).layers.length, 1);
  assert.throws(() => parseOciManifest(Buffer.from('{')), /not valid JSON/);
  assert.throws(() => parse([]), /not a JSON object/);
  assert.throws(() => parse({ ...good, schemaVersion: 1 }), /schemaVersion is the number 1, not 2/);
  assert.throws(() => parse({ ...good, layers: {} }), /no layers array/);
  assert.throws(() => parse({ ...good, layers: [null] }), /layers\[0\] is null/);
  assert.throws(
    () => parse({ ...good, config: { ...good.config, mediaType: 1 } }),
    /config\.mediaType is not a string/,
  );
  assert.throws(() => parse({ ...good, config: { ...good.config, digest: 'sha256:x' } }), /config\.digest is not/);
  assert.throws(() => parse({ ...good, config: { ...good.config, size: -1 } }), /config\.size is not a byte count/);
  assert.throws(
    () => parse({ ...good, layers: [{ ...good.layers[0], annotations: { a: 1 } }] }),
    /annotations is not an object of strings/,
  );
  assert.throws(
    () => parse({ ...good, config: { ...good.config, mediaType: 'application/vnd.oci.image.config.v1+json' } }),
    /not a ProcessFork image/,
  );
  const layer = (p: string) => ({
    mediaType: LAYER_MEDIA_TYPE,
    digest: `sha256:${hex}`,
    size: 1,
    annotations: { 'org.processfork.path': p },
  });
  assert.equal(rawHexOfLayer(layer(`blobs/sha256/ab/${hex}.zst`)), hex);
  assert.equal(rawHexOfLayer(layer(`blobs/sha256/cd/${hex}.zst`)), undefined, 'shard must match the digest');
  assert.equal(rawHexOfLayer(layer(`../blobs/sha256/ab/${hex}.zst`)), undefined);
  assert.equal(rawHexOfLayer({ mediaType: LAYER_MEDIA_TYPE, digest: `sha256:${hex}`, size: 1 }), undefined);
});

test('in flight: at most the limit at once, every item once, the first failure stops new starts', async () => {
  let running = 0;
  let peak = 0;
  const seen: number[] = [];
  await forEachInFlight([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 2));
    seen.push(n);
    running--;
  });
  assert.equal(peak, 3);
  assert.deepEqual(seen.sort(), [1, 2, 3, 4, 5, 6, 7]);
  const started: number[] = [];
  await assert.rejects(
    forEachInFlight([1, 2, 3, 4, 5, 6], 1, async (n) => {
      started.push(n);
      if (n === 2) {
        throw new Error('boom');
      }
    }),
    /boom/,
  );
  assert.deepEqual(started, [1, 2]);
  const aborted = new AbortController();
  aborted.abort();
  await assert.rejects(forEachInFlight([1], 2, async () => undefined, aborted.signal));
  await forEachInFlight([], 4, async () => assert.fail('no items, no calls'));
});

test('JSON errors say where (line and column); nesting is measured without recursion', () => {
  assert.deepEqual(lineColumn('ab\ncd\nef', 7), { line: 3, column: 2 });
  assert.deepEqual(lineColumn('abc', 0), { line: 1, column: 1 });
  assert.throws(() => parseJsonText('{\n  "a": 1,,\n}'), /line 2, column 10/);
  assert.deepEqual(parseJsonText('{"a":[1,2]}'), { a: [1, 2] });
  assert.equal(jsonNesting('[[{"a":"[[["}]]').depth, 3);
  assert.equal(jsonNesting(`${'['.repeat(600)}`).tooDeepAt, 512);
  assert.equal(jsonNesting('["\\"["]').depth, 1, 'an escaped quote does not end the string');
});

test('the scheme and host rules as pf has them, case by case', () => {
  const base = (ref: string, env: NodeJS.ProcessEnv = {}) => parseOciRef(ref, { env }).base;
  for (const loopback of ['localhost:5000', '127.0.0.1', '127.9.8.7:443', '[::1]:5000', '[::1]']) {
    assert.equal(base(`oci://${loopback}/a`), `http://${loopback}`, loopback);
  }
  assert.equal(base('oci://128.0.0.1/a'), 'https://128.0.0.1');
  assert.equal(base('oci://127.0.0.1.example.com/a'), 'https://127.0.0.1.example.com');
  assert.equal(base('oci://localhost.example.com:443/a'), 'https://localhost.example.com:443');
  assert.equal(base('oci://reg.example.com:80/a'), 'http://reg.example.com:80');
  assert.equal(base('oci://[fe80::1]:5000/a'), 'http://[fe80::1]:5000');
  assert.equal(base('oci://[fe80::1]/a'), 'https://[fe80::1]');
  assert.equal(base('oci://reg.example.com/a', { PF_OCI_SCHEME: 'http' }), 'http://reg.example.com');
  assert.equal(base('oci://127.0.0.1:5000/a', { PF_OCI_SCHEME: 'https' }), 'https://127.0.0.1:5000');
  assert.equal(base('oci://reg.example.com/a', { PF_OCI_SCHEME: 'ftp' }), 'https://reg.example.com');
  assert.throws(() => parseOciRef('oci://reg.example.com:123456/a'), /not a registry host/);
  assert.throws(() => parseOciRef('oci://[zz::1]/a'), /not a registry host/);
  assert.throws(() => parseOciRef('xoci://reg/a'), /not an OCI reference/);
  assert.throws(() => parseOciRef('oci://reg/a\n'), /not an OCI reference|not a/);
});

test('repository names, tags and digests: the distribution grammar, and what each form yields', () => {
  const ref = (s: string, tagOptional = false) => parseOciRef(s, { env: {}, tagOptional });
  assert.equal(ref('oci://r/a.b_c__d-e--f/g1').repo, 'a.b_c__d-e--f/g1');
  for (const bad of ['a..b', 'a/', '-a', 'a-', 'a/B', 'a//b', 'a_-b', 'a___b']) {
    assert.throws(() => ref(`oci://r/${bad}`), /not a repository name|not a tag/, bad);
  }
  assert.equal(ref('oci://r/a:v1.0_rc-2').tag, 'v1.0_rc-2');
  assert.equal(ref('oci://r:5000/a').tag, 'latest');
  assert.equal(ref('oci://r:5000/a', true).tag, 'latest');
  assert.throws(() => ref(`oci://r/a:${'t'.repeat(129)}`), /not a tag/);
  assert.throws(() => ref('oci://r/a:-t'), /not a tag/);
  const hex = 'c'.repeat(64);
  const pinned = ref(`oci://r:5000/a/b@sha256:${hex}`, true);
  assert.deepEqual(pinned, {
    base: 'http://r:5000',
    host: 'r:5000',
    repo: 'a/b',
    tag: `sha256:${hex}`,
    digest: `sha256:${hex}`,
  });
  assert.equal('digest' in ref('oci://r:5000/a:v1'), false);
  for (const bad of [`sha256:${'c'.repeat(63)}`, `sha256:${'C'.repeat(64)}`, `sha512:${hex}`, `sha256:${hex}x`, '']) {
    assert.throws(() => ref(`oci://r/a@${bad}`), /not a manifest digest/, bad);
  }
});

test('the OCI manifest pf push writes parses back: signature first, one annotated layer per blob', () => {
  const config = Buffer.from('{"schema_version":1}');
  const signature = signManifest(config, 'k');
  const raw = ['ab'.repeat(32), 'cd'.repeat(32)];
  const built = buildOciManifest(config, signature, [
    { rawHex: raw[0], compressed: { digest: `sha256:${'1'.repeat(64)}`, size: 0 } },
    { rawHex: raw[1], compressed: { digest: `sha256:${'2'.repeat(64)}`, size: 7 } },
  ]);
  const m = parseOciManifest(built);
  assert.equal(m.mediaType, 'application/vnd.oci.image.manifest.v1+json');
  assert.deepEqual(m.config, {
    mediaType: 'application/vnd.processfork.image.v1+json',
    digest: sha256Digest(config),
    size: config.length,
  });
  assert.equal(
    sha256Digest(Buffer.from('')),
    'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  );
  assert.deepEqual(m.layers[0], {
    mediaType: 'application/vnd.processfork.signature.v1+json',
    digest: sha256Digest(signature),
    size: signature.length,
    annotations: { 'org.processfork.path': 'manifest.json.sig' },
  });
  assert.deepEqual(
    m.layers.slice(1).map((l) => [l.mediaType, l.size, rawHexOfLayer(l)]),
    [
      [LAYER_MEDIA_TYPE, 0, raw[0]],
      [LAYER_MEDIA_TYPE, 7, raw[1]],
    ],
  );
  assert.equal(blobAnnotationPath(raw[1]), `blobs/sha256/cd/${raw[1]}.zst`);
  const layerWith = (extra: object) => ({ ...JSON.parse(built.toString()), layers: [{ ...m.layers[1], ...extra }] });
  const parse = (x: unknown) => parseOciManifest(Buffer.from(JSON.stringify(x)));
  assert.throws(() => parse(layerWith({ size: 1.5 })), /size is not a byte count/);
  assert.throws(() => parse(layerWith({ size: '7' })), /size is not a byte count/);
  assert.throws(() => parse(layerWith({ digest: 7 })), /digest is not a sha256 digest/);
  assert.throws(() => parse(layerWith({ annotations: ['x'] })), /annotations is not an object of strings/);
  assert.throws(() => parse(layerWith({ annotations: { a: 'x', b: {} } })), /annotations is not an object of strings/);
  assert.throws(() => parse({ ...JSON.parse(built.toString()), layers: [[]] }), /layers\[0\] is object, not an object/);
  assert.equal(parse(layerWith({ annotations: {} })).layers.length, 1);
});

test('token responses: access_token accepted, expiry defaulted, the service and credentials sent', async () => {
  const now = 5_000_000;
  const seen: Array<{ url: URL; auth: string | undefined }> = [];
  const realFetch = globalThis.fetch;
  let answer: () => Response = () => new Response(JSON.stringify({ access_token: 'at', expires_in: 0 }));
  globalThis.fetch = (async (url: URL, init?: RequestInit) => {
    seen.push({ url, auth: (init?.headers as Record<string, string>)?.Authorization });
    return answer();
  }) as typeof fetch;
  try {
    const withCreds = new TokenCache('a/b', 'Basic cGY6cHc=', () => now);
    const challenge = { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'reg.example' } };
    assert.equal(await withCreds.fetch(challenge, 'pull'), 'at');
    assert.equal(seen[0].url.searchParams.get('service'), 'reg.example');
    assert.equal(seen[0].auth, 'Basic cGY6cHc=');
    // expires_in 0 (or missing, or not a number) means the spec's 60 s.
    assert.equal(withCreds.current('pull'), 'at');
    let clock = now;
    const later = new TokenCache('a/b', undefined, () => clock);
    answer = () => new Response(JSON.stringify({ token: 't', expires_in: '600' }));
    await later.fetch({ scheme: 'bearer', params: { realm: 'https://auth.example/token' } }, 'pull');
    assert.equal(seen[1].url.searchParams.has('service'), false);
    assert.equal(seen[1].auth, undefined);
    assert.equal(later.current('pull'), 't');
    clock += 56_000; // "600" is not a number: the token lives the default 60 s, renewed 5 s early
    assert.equal(later.current('pull'), undefined);
    answer = () => new Response('', { status: 403 });
    await assert.rejects(withCreds.fetch(challenge, 'pull'), /rejected the credentials \(403\)/);
    answer = () => new Response(JSON.stringify({ token: '' }));
    await assert.rejects(withCreds.fetch(challenge, 'pull'), /without a token/);
    globalThis.fetch = (async () => {
      throw new TypeError('fetch failed');
    }) as unknown as typeof fetch;
    await assert.rejects(
      withCreds.fetch(challenge, 'pull'),
      /cannot reach the token service at https:\/\/auth\.example: fetch failed/,
    );
    assert.equal(withCreds.fetched, 4);
  } finally {
    globalThis.fetch = realFetch;
  }
  assert.deepEqual(parseChallenge('  Bearer   realm="r"'), { scheme: 'bearer', params: { realm: 'r' } });
  assert.deepEqual(parseChallenge('Bearer'), { scheme: 'bearer', params: {} });
});

test('JSON text: positions at line ends, strings with escapes, closing brackets, and what jsonc-parser lets by', () => {
  assert.deepEqual(lineColumn('ab\ncd', 2), { line: 1, column: 3 }, 'the newline itself is on its line');
  assert.deepEqual(lineColumn('ab\ncd', 3), { line: 2, column: 1 });
  assert.deepEqual(jsonNesting('[{}],{[]}'), { depth: 2, tooDeepAt: undefined });
  assert.equal(jsonNesting('["\\\\", [1]]').depth, 2, 'an escaped backslash ends before the quote');
  assert.equal(jsonNesting('"[[[').depth, 0, 'an unclosed string hides what follows');
  assert.equal(jsonNesting('[]'.repeat(600)).tooDeepAt, undefined, 'siblings are not nesting');
  assert.equal(jsonNesting('[[]]', 2).tooDeepAt, undefined);
  assert.equal(jsonNesting('[[[]]]', 2).tooDeepAt, 2);
  assert.throws(() => parseJsonText('{"a":1,}'), /line 1, column 8 \(an unexpected character\)/);
  assert.throws(() => parseJsonText('// c\n{}'), /line 1, column 1 \(an unexpected character\)/);
  assert.throws(() => parseJsonText(''), /not valid JSON/);
  assert.throws(
    () => parseJsonText('\ufeff{}'),
    (err: Error) => /not valid JSON/.test(err.message),
  );
});
