// The OCI distribution API over Node's own fetch: blobs (HEAD, POST+PUT upload, GET checked against its
// digest), manifests, and tag listing. Reads and digest-addressed uploads are retried on network errors and
// 5xx, since repeating them cannot store anything wrong.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { writeAll } from '../store/io/durableWrite';
import { IntegrityError, StoreError, StoreIoError, ioError } from '../store/errors';
import { BodyTooLargeError, MAX_DOCUMENT_BYTES, readBounded } from './boundedBody';
import { MAX_LIST_PAGES } from '../../../shared/registries/transferLimits';
import { isLoopback, type OciRef } from './ociRef';
import { dockerCredentials } from './dockerCredentials';
import { terminalLine } from '../../../shared/common/terminalText';
import { TokenCache, accessOf, parseChallenge, type Access, type TokenAuthError } from './tokenAuth';
import { appendAll } from '../../../shared/common/arrays';

export const OCI_MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';

export interface RegistryAuth {
  /** Sent with every registry request: `Bearer <OCI_BEARER>` or `Basic <user:password>`. */
  header?: string;
  /** `Basic …` for a token service, when a registry asks for token auth (only with both user and password). */
  basic?: string;
  /** The header is a fixed bearer token: no token flow replaces it. */
  fixedBearer?: boolean;
  /** Where the credentials came from, named when a registry rejects them. */
  source?: 'editor' | 'environment' | 'docker-config';
  /** What to do when none were given and the registry wants some (the CLI's and the editor's words differ). */
  whenMissing?: string;
}

const MISSING_CLI = 'set OCI_USERNAME and OCI_PASSWORD, or OCI_BEARER, or run docker login';

function describeSource(auth: RegistryAuth, host: string): string {
  switch (auth.source) {
    case 'editor':
      return `the credentials saved in the editor for ${host} (run "ProcessFork: Set Registry Credentials…" to change them)`;
    case 'docker-config':
      return `the credentials for ${host} from your docker config (docker login)`;
    default:
      return 'the credentials in OCI_USERNAME/OCI_PASSWORD or OCI_BEARER';
  }
}

/** Credentials as pf takes them: a bearer token, else basic auth only when both user and password are set. */
export function authOf(creds: { bearer?: string; username?: string; password?: string }): RegistryAuth {
  if (creds.bearer) {
    return { header: `Bearer ${creds.bearer}`, fixedBearer: true };
  }
  if (creds.username && creds.password) {
    const basic = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    return { header: basic, basic };
  }
  return {};
}

/** pf's variables: OCI_BEARER, else OCI_USERNAME + OCI_PASSWORD. Never logged. */
export function authFromEnv(env: NodeJS.ProcessEnv = process.env): RegistryAuth {
  const auth = authOf({ bearer: env.OCI_BEARER, username: env.OCI_USERNAME, password: env.OCI_PASSWORD });
  return auth.header ? { ...auth, source: 'environment' } : auth;
}

export class RegistryError extends StoreIoError {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const RETRIES = 3;

/** pf accepts any 2xx for blob and manifest PUTs (distribution answers 201; some registries 200 or 204). */
function ok2xx(status: number): boolean {
  return status >= 200 && status < 300;
}

function insecureFor(origin: string): boolean {
  const url = new URL(origin);
  return url.protocol === 'http:' && !isLoopback(url.host);
}

/** The Location a registry answered with, resolved against the URL it answered (upload sessions move on). */
function nextLocation(res: Response, requestUrl: string, digest: string): string {
  const location = res.headers.get('location');
  if (!location) {
    throw new RegistryError(`the registry gave no upload location for ${digest}`);
  }
  return new URL(location, requestUrl).toString();
}

export class RegistryClient {
  /** Counts of what went over the wire, for tests and progress (blobs skipped because the registry had them). */
  readonly stats = { uploaded: 0, skipped: 0, downloaded: 0 };

  private tokens: TokenCache;
  private warnedInsecure = false;
  /** Set once the credentials are settled (given ones, else the user's docker config, looked up once). */
  private authSettled: Promise<void> | undefined;

  constructor(
    readonly ref: OciRef,
    private auth: RegistryAuth = authFromEnv(),
    private readonly warn: (message: string) => void = (m) => process.stderr.write(`warning: ${terminalLine(m)}\n`),
    /** Where `docker login` credentials are looked for when none are given; false: never. */
    private readonly dockerEnv: NodeJS.ProcessEnv | false = process.env,
  ) {
    this.tokens = new TokenCache(ref.repo, auth.basic);
  }

  /** Credentials given to the client (editor secrets, OCI_* variables) win; else the user's docker config. */
  private settleAuth(): Promise<void> {
    this.authSettled ??= (async () => {
      if (this.auth.header || this.auth.basic || this.dockerEnv === false) {
        return;
      }
      const found = await dockerCredentials(this.ref.host, this.dockerEnv);
      if (found) {
        this.auth = { ...authOf(found), source: 'docker-config', whenMissing: this.auth.whenMissing };
        this.tokens = new TokenCache(this.ref.repo, this.auth.basic);
      }
    })();
    return this.authSettled;
  }

  /** Token requests made so far (tests check that a token is reused until it expires). */
  get tokensFetched(): number {
    return this.tokens.fetched;
  }

  private authorization(access: Access): string | undefined {
    const token = this.tokens.current(access);
    if (token) {
      return `Bearer ${token}`;
    }
    if (this.auth.header && !this.warnedInsecure && insecureFor(this.ref.base)) {
      this.warnedInsecure = true;
      this.warn(
        `sending credentials over plain http to ${this.ref.host} (not loopback): anyone on the path can read them`,
      );
    }
    return this.auth.header;
  }

  private refusal(method: string, url: string, status: number, usedToken: boolean, access: Access): string {
    const what = `the registry refused ${method} ${new URL(url).pathname}: ${status}`;
    if (usedToken) {
      return `${what} (the token it issued does not allow ${access})`;
    }
    if (status === 403) {
      return `${what} forbidden (${describeSource(this.auth, this.ref.host)} lack access to ${this.ref.repo})`;
    }
    if (this.auth.header) {
      return `${what} unauthorized: it rejected ${describeSource(this.auth, this.ref.host)}`;
    }
    return `${what} unauthorized (${this.auth.whenMissing ?? MISSING_CLI})`;
  }

  /**
   * One request with the registry's auth scheme: the held token or fixed header first; on a 401 that asks for
   * a bearer token, one token request to the realm it names and one retry (every body sent here is a buffer, so
   * it can be sent again). The second refusal is final.
   */
  private async send(method: string, url: string, init: RequestInit = {}, retry = true): Promise<Response> {
    await this.settleAuth();
    const access = accessOf(method);
    // Credentials and tokens were given for the registry's origin: an upload location or any other URL the
    // registry names on another host, port or scheme gets no Authorization header (as docker and containerd do).
    const ours = new URL(url).origin === new URL(this.ref.base).origin;
    let usedToken = false;
    for (let round = 0; ; round++) {
      const res = await this.sendOnce(method, url, init, retry, ours ? this.authorization(access) : undefined);
      if (res.status === 401 && round === 0 && ours && !this.auth.fixedBearer) {
        const challenge = parseChallenge(res.headers.get('www-authenticate'));
        if (challenge?.scheme === 'bearer' && challenge.params.realm) {
          await res.body?.cancel();
          this.tokens.forget(access);
          const realm = new URL(challenge.params.realm, this.ref.base);
          if (this.auth.basic && insecureFor(realm.origin)) {
            this.warn(`sending credentials over plain http to the token service at ${realm.host}`);
          }
          try {
            await this.tokens.fetch(challenge, access);
          } catch (err) {
            const status = (err as TokenAuthError).status;
            const rejected = (status === 401 || status === 403) && this.auth.basic;
            const advice = rejected
              ? `: ${describeSource(this.auth, this.ref.host)}`
              : status === 401
                ? ` (${this.auth.whenMissing ?? MISSING_CLI})`
                : '';
            throw new RegistryError(`${(err as Error).message}${advice}`, status ?? 401);
          }
          usedToken = true;
          continue;
        }
      }
      if (res.status === 401 || res.status === 403) {
        await res.body?.cancel();
        throw new RegistryError(this.refusal(method, url, res.status, usedToken, access), res.status);
      }
      return res;
    }
  }

  private url(path: string): string {
    return `${this.ref.base}/v2/${this.ref.repo}/${path}`;
  }

  private async sendOnce(
    method: string,
    url: string,
    init: RequestInit,
    retry: boolean,
    authorization: string | undefined,
  ): Promise<Response> {
    const headers = new Headers(init.headers);
    if (authorization) {
      headers.set('Authorization', authorization);
    }
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(url, { ...init, method, headers, redirect: 'follow' });
      } catch (err) {
        if (retry && attempt < RETRIES) {
          await new Promise((r) => setTimeout(r, 200 * attempt));
          continue;
        }
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        const tls =
          cause?.code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|TLS|SSL/.test(cause.code)
            ? " (the registry's certificate is not trusted: give its CA in NODE_EXTRA_CA_CERTS or processfork.remote.caFile)"
            : '';
        throw new RegistryError(
          `cannot reach the registry at ${this.ref.base}${cause?.code ? ` (${cause.code})` : ''}: ${cause?.message ?? (err as Error).message}${tls}`,
        );
      }
      if (res.status >= 500 && retry && attempt < RETRIES) {
        await res.body?.cancel();
        await new Promise((r) => setTimeout(r, 200 * attempt));
        continue;
      }
      return res;
    }
  }

  private async failure(res: Response, what: string): Promise<never> {
    // Only the start of an error body matters; a registry may stream an endless one.
    const text = (await readBounded(res, 64 << 10, 'error response').catch(() => Buffer.alloc(0))).toString('utf8');
    let code = '';
    try {
      code =
        (JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> }).errors
          ?.map((e) => `${e.code}: ${e.message}`)
          .join('; ') ?? '';
    } catch {
      code = text.slice(0, 200);
    }
    throw new RegistryError(`${what} failed: ${res.status}${code ? ` (${code})` : ''}`, res.status);
  }

  async ping(): Promise<void> {
    const res = await this.send('GET', `${this.ref.base}/v2/`);
    await res.body?.cancel();
    if (res.status !== 200) {
      throw new RegistryError(`${this.ref.base} does not answer as an OCI registry (${res.status})`, res.status);
    }
  }

  async hasBlob(digest: string): Promise<boolean> {
    const res = await this.send('HEAD', this.url(`blobs/${digest}`));
    await res.body?.cancel();
    if (res.status === 200) {
      return true;
    }
    if (res.status === 404) {
      return false;
    }
    return this.failure(res, `HEAD blob ${digest}`);
  }

  /**
   * Whether an upload can be skipped. A registry killed mid-upload can answer a blob's HEAD with a server error
   * for good (a half-written blob in its storage; seen in the resume test): that blob is not known to be there,
   * so it is sent again, and the upload's own answer decides. A refusal (4xx) still fails.
   */
  private async knownToHave(digest: string): Promise<boolean> {
    try {
      return await this.hasBlob(digest);
    } catch (err) {
      if (err instanceof RegistryError && err.status !== undefined && err.status >= 500) {
        return false;
      }
      throw err;
    }
  }

  /**
   * The absolute upload location for a new blob, or undefined when the registry already has it (counted as
   * skipped). A relative location is resolved against the URL that answered with it, as HTTP says.
   */
  private async startUpload(digest: string): Promise<string | undefined> {
    if (await this.knownToHave(digest)) {
      this.stats.skipped++;
      return undefined;
    }
    const url = this.url('blobs/uploads/');
    const start = await this.send('POST', url, {}, false);
    if (start.status !== 202) {
      return this.failure(start, `starting the upload of ${digest}`);
    }
    await start.body?.cancel();
    return nextLocation(start, url, digest);
  }

  /** POST, then PUT the bytes to the returned location with `digest=` (a single POST with a body is dropped by distribution 2.8). */
  async uploadBlob(digest: string, body: Uint8Array): Promise<void> {
    const location = await this.startUpload(digest);
    if (!location) {
      return;
    }
    const target = new URL(location);
    target.searchParams.set('digest', digest);
    const put = await this.send(
      'PUT',
      target.toString(),
      { body, headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.length) } },
      false,
    );
    if (!ok2xx(put.status)) {
      return this.failure(put, `uploading ${digest}`);
    }
    await put.body?.cancel();
    this.stats.uploaded++;
  }

  /**
   * A large layer straight from a file: POST, then PATCH in `chunkBytes` pieces (Content-Range), then PUT with
   * the digest, so memory holds one piece at a time whatever the layer's size.
   */
  async uploadBlobFromFile(
    digest: string,
    file: string,
    size: number,
    chunkBytes = 16 << 20,
    signal?: AbortSignal,
  ): Promise<void> {
    let location = await this.startUpload(digest);
    if (!location) {
      return;
    }
    const handle = await fs.open(file, 'r');
    try {
      for (let offset = 0; offset < size; offset += chunkBytes) {
        if (signal?.aborted) {
          throw new RegistryError('the upload was cancelled');
        }
        const piece = Buffer.alloc(Math.min(chunkBytes, size - offset));
        await handle.read(piece, 0, piece.length, offset);
        const patch = await this.send(
          'PATCH',
          location,
          {
            body: piece,
            headers: {
              'Content-Type': 'application/octet-stream',
              'Content-Range': `${offset}-${offset + piece.length - 1}`,
              'Content-Length': String(piece.length),
            },
          },
          false,
        );
        if (patch.status !== 202) {
          return this.failure(patch, `uploading ${digest} at ${offset}`);
        }
        await patch.body?.cancel();
        location = nextLocation(patch, location, digest);
      }
    } finally {
      await handle.close();
    }
    const target = new URL(location);
    target.searchParams.set('digest', digest);
    const put = await this.send('PUT', target.toString(), { headers: { 'Content-Length': '0' } }, false);
    if (!ok2xx(put.status)) {
      return this.failure(put, `finishing the upload of ${digest}`);
    }
    await put.body?.cancel();
    this.stats.uploaded++;
  }

  /** The blob's bytes, refused unless they hash to `digest` (a registry serving a wrong body loses nothing here). */
  async getBlob(digest: string, maxBytes: number): Promise<Buffer> {
    const res = await this.send('GET', this.url(`blobs/${digest}`));
    if (res.status !== 200) {
      return this.failure(res, `GET blob ${digest}`);
    }
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > maxBytes) {
      await res.body?.cancel();
      throw new IntegrityError(
        digest.slice(7),
        'too-large',
        `the registry offers ${declared} bytes, over the limit of ${maxBytes}`,
      );
    }
    const body = await this.bounded(res, maxBytes, `blob ${digest}`);
    const actual = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    if (actual !== digest) {
      throw new IntegrityError(digest.slice(7), 'hash-mismatch', `the registry served bytes that hash to ${actual}`);
    }
    this.stats.downloaded++;
    return body;
  }

  /**
   * Streams a blob into `dest` while hashing it; the file is removed unless the bytes hash to `digest`. A
   * connection dropped mid-body is retried from the start (the temp file is rewritten), up to three times.
   */
  async downloadBlob(digest: string, dest: string, maxBytes: number, signal?: AbortSignal): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.downloadOnce(digest, dest, maxBytes, signal);
      } catch (err) {
        await fs.rm(dest, { force: true });
        const retriable = err instanceof RegistryError && err.status === undefined && !signal?.aborted;
        if (!retriable || attempt >= RETRIES) {
          throw err;
        }
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }

  private async downloadOnce(digest: string, dest: string, maxBytes: number, signal?: AbortSignal): Promise<number> {
    const res = await this.send('GET', this.url(`blobs/${digest}`), { signal });
    if (res.status !== 200 || !res.body) {
      return this.failure(res, `GET blob ${digest}`);
    }
    const hash = createHash('sha256');
    const handle = await fs.open(dest, 'wx').catch(async (err) => {
      await res.body?.cancel();
      throw ioError('cannot write a temp file', dest, err);
    });
    let size = 0;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        if (size > maxBytes) {
          throw new IntegrityError(
            digest.slice(7),
            'too-large',
            `the registry sends more than the limit of ${maxBytes} bytes`,
          );
        }
        hash.update(chunk);
        await writeAll(handle, chunk);
      }
      await handle.sync();
    } catch (err) {
      if (err instanceof IntegrityError) {
        throw err;
      }
      // A full disk is not a dropped connection: say so, and do not retry.
      const code = (err as NodeJS.ErrnoException).code;
      if (code && /^E[A-Z]+$/.test(code)) {
        throw ioError('cannot write', dest, err);
      }
      throw new RegistryError(`the registry dropped the connection during ${digest}: ${(err as Error).message}`);
    } finally {
      await handle.close();
    }
    const actual = `sha256:${hash.digest('hex')}`;
    if (actual !== digest) {
      throw new IntegrityError(digest.slice(7), 'hash-mismatch', `the registry served bytes that hash to ${actual}`);
    }
    this.stats.downloaded++;
    return size;
  }

  /** Removes a blob from the repository (the registry must allow deletes); false when it was not there. */
  async deleteBlob(digest: string): Promise<boolean> {
    const res = await this.send('DELETE', this.url(`blobs/${digest}`), {}, true);
    if (res.status === 202 || res.status === 404) {
      await res.body?.cancel();
      return res.status === 202;
    }
    // Read before it is dropped: the registry's error code says why (deletes disabled, say).
    return this.failure(res, `DELETE blob ${digest}`);
  }

  async putManifest(tag: string, manifest: Buffer): Promise<string> {
    const res = await this.send(
      'PUT',
      this.url(`manifests/${tag}`),
      { body: manifest, headers: { 'Content-Type': OCI_MANIFEST_MEDIA_TYPE } },
      true,
    );
    if (!ok2xx(res.status)) {
      return this.failure(res, `PUT manifest ${tag}`);
    }
    await res.body?.cancel();
    return `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
  }

  async getManifest(tag: string): Promise<Buffer> {
    const res = await this.send('GET', this.url(`manifests/${tag}`), { headers: { Accept: OCI_MANIFEST_MEDIA_TYPE } });
    if (res.status === 404) {
      await res.body?.cancel();
      throw new StoreError('not-found', `${this.ref.repo}:${tag} is not in the registry`);
    }
    if (res.status !== 200) {
      return this.failure(res, `GET manifest ${tag}`);
    }
    return this.bounded(res, MAX_DOCUMENT_BYTES, `manifest ${tag}`);
  }

  /** Every tag, following the `Link` header's pages. */
  async listTags(pageSize = 100): Promise<string[]> {
    const tags: string[] = [];
    let next: string | undefined = this.url(`tags/list?n=${pageSize}`);
    // A Link header that points back at a page already read would page forever: stop on a repeat, and cap
    // the number of pages whatever the links say.
    const seen = new Set<string>();
    while (next) {
      if (seen.has(next)) {
        throw new RegistryError(`the registry's tag list links back to a page it already sent (${next})`);
      }
      if (seen.size >= MAX_LIST_PAGES) {
        throw new RegistryError(`the registry's tag list runs past ${MAX_LIST_PAGES} pages`);
      }
      seen.add(next);
      const res = await this.send('GET', next);
      if (res.status === 404) {
        await res.body?.cancel();
        return tags;
      }
      if (res.status !== 200) {
        return this.failure(res, 'listing tags');
      }
      const body = parseJsonObject(await this.bounded(res, MAX_DOCUMENT_BYTES, 'tag list'), 'tag list');
      const page = body.tags ?? [];
      if (!Array.isArray(page) || !page.every((t) => typeof t === 'string')) {
        throw new RegistryError('the registry\'s tag list has no list of strings under "tags"');
      }
      appendAll(tags, page);
      const link = res.headers.get('link');
      const m = link ? /<([^>]+)>;\s*rel="next"/.exec(link) : null;
      next = m ? new URL(m[1], this.ref.base).toString() : undefined;
    }
    return tags;
  }

  /** A body read whole into memory, bounded; over the limit is a registry error the user can read. */
  private async bounded(res: Response, limit: number, what: string): Promise<Buffer> {
    try {
      return await readBounded(res, limit, what);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        throw new RegistryError(err.message);
      }
      throw new RegistryError(`the registry dropped the connection during its ${what}: ${(err as Error).message}`);
    }
  }
}

function parseJsonObject(body: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RegistryError(`the registry's ${what} is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RegistryError(`the registry's ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}
