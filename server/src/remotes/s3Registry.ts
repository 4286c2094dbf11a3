// An s3:// registry: one image under a key prefix of a bucket (AWS S3, MinIO, R2, Ceph RGW), in pf's layout,
// through the AWS SDK for JavaScript v3. Path-style addressing as pf uses; region and endpoint from the
// environment as pf reads them; credentials from the SDK's own chain (environment with session token, the shared
// config and credentials files with AWS_PROFILE, SSO, web identity), so people's usual setups work. Every read is
// bounded by the caller's limit; a failed request says what S3 answered, never a credential.
import * as fsSync from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as AwsSdk from './awsSdk';
import { StoreError, ioError } from '../store/errors';
import type { ObjectRegistry } from './objectRegistry';
import { MAX_LIST_PAGES } from '../../../shared/registries/transferLimits';
import { editorCredentialsFor } from '../oci/editorCredentials';

const quiet = () => undefined;
const QUIET = { trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet };

/** Files above this go up in a multipart upload (parts of PART_BYTES, two at a time); smaller in one PUT. */
const MULTIPART_ABOVE = 64 << 20;
const PART_BYTES = 16 << 20;

/**
 * The client for `bucket`. Credentials: the editor's (oci/editorCredentials.ts, keyed `s3://bucket`, from its secret
 * storage: the access key id as the user name, the secret as the password), else the SDK's chain.
 */
export async function s3RegistryFor(
  bucket: string,
  prefix: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<S3Registry> {
  // The SDK warns on stderr, once per process, that a future release will need a newer Node: nothing a user of
  // this extension (whose Node is the editor's) can act on, and noise in every s3:// command's output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // Its own bundle beside this one (esbuild.mjs), or the compiled module under out/ in tests.
  const sdk = (await import('./awsSdk.js')) as typeof AwsSdk;
  return new S3Registry(sdk, s3Client(sdk, bucket, env), bucket, prefix);
}

function s3Client(sdk: typeof AwsSdk, bucket: string, env: NodeJS.ProcessEnv): AwsSdk.S3Client {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  const stored = editorCredentials(bucket, env);
  return new sdk.S3Client({
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: stored ?? sdk.fromNodeProviderChain(),
    maxAttempts: 3,
    // Checksums only where S3 requires them: a streamed body otherwise goes aws-chunked with a trailing CRC32,
    // which S3-compatible servers handle slowly or not at all; every blob is re-hashed on pull anyway.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
    // Every failure reaches us as an error, said once in our words; the SDK would also print its own warnings
    // to the console (a streamed upload stopped by a failed check: "An error was encountered in a
    // non-retryable streaming request."), and its NoOpLogger does not stop that one.
    logger: QUIET,
  });
}

function editorCredentials(bucket: string, env: NodeJS.ProcessEnv) {
  const entry = editorCredentialsFor(`s3://${bucket}`, env);
  return entry?.username && entry.password
    ? { accessKeyId: entry.username, secretAccessKey: entry.password }
    : undefined;
}

export class S3Registry implements ObjectRegistry {
  readonly display: string;

  constructor(
    private readonly sdk: typeof AwsSdk,
    private readonly client: AwsSdk.S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {
    this.display = `s3://${bucket}${prefix ? `/${prefix}` : ''}`;
  }

  within(name: string): S3Registry {
    return new S3Registry(this.sdk, this.client, this.bucket, this.key(name));
  }

  async read(key: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer | undefined> {
    const got = await this.body(key, maxBytes, signal);
    if (!got) {
      return undefined;
    }
    const parts: Buffer[] = [];
    let seen = 0;
    for await (const chunk of got.body) {
      seen += (chunk as Buffer).length;
      if (seen > got.length) {
        got.body.destroy();
        throw this.longerThanSaid(key, got.length);
      }
      parts.push(chunk as Buffer);
    }
    return Buffer.concat(parts);
  }

  async download(key: string, dest: string, maxBytes: number, signal?: AbortSignal): Promise<boolean> {
    const got = await this.body(key, maxBytes, signal);
    if (!got) {
      return false;
    }
    let seen = 0;
    const longer = () => this.longerThanSaid(key, got.length);
    const bounded = new Transform({
      transform(chunk: Buffer, _enc, done) {
        seen += chunk.length;
        done(seen > got.length ? longer() : null, chunk);
      },
    });
    await pipeline(got.body, bounded, fsSync.createWriteStream(dest, { flags: 'wx' }), { signal });
    return true;
  }

  async size(key: string, signal?: AbortSignal): Promise<number | undefined> {
    try {
      const head = await this.client.send(new this.sdk.HeadObjectCommand({ Bucket: this.bucket, Key: this.key(key) }), {
        abortSignal: signal,
      });
      return head.ContentLength ?? 0;
    } catch (err) {
      if (isNotFound(this.sdk, err)) {
        return undefined;
      }
      throw this.failure('look at', key, err);
    }
  }

  async write(key: string, bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
    await this.client
      .send(
        new this.sdk.PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key(key),
          Body: bytes,
          ContentLength: bytes.length,
        }),
        { abortSignal: signal },
      )
      .catch((err) => {
        throw this.failure('write', key, err);
      });
  }

  async upload(key: string, file: string, size: number, signal?: AbortSignal, until?: Promise<void>): Promise<void> {
    const params = { Bucket: this.bucket, Key: this.key(key), Body: gatedStream(fsSync.createReadStream(file), until) };
    // Both settle before this returns: a failed check aborts the request (its body would only stall), and the
    // abort is done before the push says so (no multipart upload left open behind it).
    const stop = new AbortController();
    const forward = () => stop.abort(signal?.reason);
    signal?.addEventListener('abort', forward, { once: true });
    until?.catch(() => stop.abort());
    const [sent, checked] = await Promise.allSettled([this.send(key, params, size, stop.signal), until]);
    signal?.removeEventListener('abort', forward);
    params.Body.destroy();
    if (checked.status === 'rejected') {
      throw checked.reason;
    }
    if (sent.status === 'rejected') {
      throw sent.reason;
    }
  }

  private async send(
    key: string,
    params: { Bucket: string; Key: string; Body: Readable },
    size: number,
    signal?: AbortSignal,
  ): Promise<void> {
    try {
      if (size <= MULTIPART_ABOVE) {
        await this.client.send(new this.sdk.PutObjectCommand({ ...params, ContentLength: size }), {
          abortSignal: signal,
        });
        return;
      }
      // A multipart upload becomes visible only when completed; an aborted one is cleaned up by the library.
      const upload = new this.sdk.Upload({ client: this.client, params, partSize: PART_BYTES, queueSize: 2 });
      const stop = () => void upload.abort();
      signal?.addEventListener('abort', stop, { once: true });
      try {
        await upload.done();
      } finally {
        signal?.removeEventListener('abort', stop);
      }
    } catch (err) {
      throw this.failure('write', key, err);
    }
  }

  async *folders(signal?: AbortSignal): AsyncIterable<string> {
    const base = this.prefix ? `${this.prefix}/` : '';
    let token: string | undefined;
    // A peer that keeps saying "truncated" would page for ever: every token must be new, and pages are capped.
    const tokens = new Set<string>();
    let pages = 0;
    do {
      if (++pages > MAX_LIST_PAGES) {
        throw new StoreError('io', `cannot list ${this.display}: the listing runs past ${MAX_LIST_PAGES} pages`);
      }
      const page = await this.client
        .send(
          new this.sdk.ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: base,
            Delimiter: '/',
            ContinuationToken: token,
          }),
          { abortSignal: signal },
        )
        .catch((err) => {
          throw this.failure('list', '', err);
        });
      for (const p of page.CommonPrefixes ?? []) {
        const name = p.Prefix?.slice(base.length, -1);
        if (name && !name.includes('/')) {
          yield name;
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (page.IsTruncated && !token) {
        throw new StoreError('io', `cannot list ${this.display}: S3 said the listing goes on but gave no token`);
      }
      if (token !== undefined) {
        if (tokens.has(token)) {
          throw new StoreError('io', `cannot list ${this.display}: S3 sent a continuation token it had sent before`);
        }
        tokens.add(token);
      }
    } while (token);
  }

  private key(name: string): string {
    return this.prefix ? `${this.prefix}/${name}` : name;
  }

  private async body(
    key: string,
    maxBytes: number,
    signal?: AbortSignal,
  ): Promise<{ body: Readable; length: number } | undefined> {
    try {
      const got = await this.client.send(new this.sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }), {
        abortSignal: signal,
      });
      const body = got.Body as Readable;
      if (got.ContentLength === undefined) {
        // S3 always says how long an object is; a body without a length could be endless.
        body.destroy();
        throw new StoreError('io', `cannot read ${this.display}/${key}: S3 answered with no length; not read`);
      }
      if (got.ContentLength > maxBytes) {
        body.destroy();
        throw this.tooLarge(key, maxBytes);
      }
      return { body, length: got.ContentLength };
    } catch (err) {
      if (isNotFound(this.sdk, err)) {
        return undefined;
      }
      throw err instanceof StoreError ? err : this.failure('read', key, err);
    }
  }

  private longerThanSaid(key: string, length: number): StoreError {
    return new StoreError(
      'io',
      `cannot read ${this.display}/${key}: S3 sent more than the ${length} bytes it declared`,
    );
  }

  private tooLarge(key: string, maxBytes: number): StoreError {
    return new StoreError('too-large', `${this.display}/${key} is over the limit of ${maxBytes} bytes; not read`);
  }

  /** What S3 said, in words: the operation, the object, the service's code and status (never a credential). */
  private failure(what: string, key: string, err: unknown): StoreError {
    const where = `${this.display}${key ? `/${key}` : ''}`;
    if (err instanceof StoreError) {
      return err;
    }
    if (err instanceof Error && err.name === 'AbortError') {
      return new StoreError('cancelled', `cancelled while trying to ${what} ${where}`);
    }
    if (err instanceof this.sdk.S3ServiceException) {
      const status = err.$metadata.httpStatusCode;
      const hint =
        status === 403
          ? ' (the credentials were refused: check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or AWS_PROFILE)'
          : err.name === 'NoSuchBucket'
            ? ' (there is no such bucket)'
            : '';
      // A HEAD answer has no body, so the SDK cannot name the error: say what its status means.
      const name = err.name !== 'Unknown' ? err.name : status === 403 ? 'Forbidden' : 'error';
      return new StoreError('io', `cannot ${what} ${where}: S3 answered ${status ?? '?'} ${name}${hint}`);
    }
    if (err instanceof Error && err.name === 'CredentialsProviderError') {
      return new StoreError(
        'invalid-input',
        `no S3 credentials found for ${where}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE`,
      );
    }
    return ioError(`cannot ${what}`, where, err);
  }
}

function isNotFound(sdk: typeof AwsSdk, err: unknown): boolean {
  return (
    err instanceof sdk.S3ServiceException &&
    (err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata.httpStatusCode === 404) &&
    err.name !== 'NoSuchBucket'
  );
}

/**
 * The file's bytes with the last chunk held back until `until` resolves: a PUT completes when its declared
 * length has arrived, a multipart upload when its last part has, so neither can complete from bytes whose check
 * failed (holding back only the stream's end was not enough: a test saw a 1 MiB PUT land). The check runs beside
 * the upload, not before it; if it fails, the caller aborts the request.
 */
function gatedStream(source: Readable, until: Promise<void> | undefined): Readable {
  if (!until) {
    return source;
  }
  let held: Buffer | undefined;
  const gate = new Transform({
    transform: (chunk: Buffer, _encoding, done) => {
      const previous = held;
      held = chunk;
      done(null, previous);
    },
    flush: (done) => until.then(() => done(null, held), done),
  });
  gate.on('error', () => undefined); // the upload reports it; the check's own error is what the push says
  source.on('error', (err) => gate.destroy(err));
  gate.on('close', () => source.destroy());
  return source.pipe(gate);
}
