// The distribution token flow, as registries behind token auth (GitHub's, Docker Hub, Harbor, GitLab, cloud
// registries, docker-registry with `auth: token`) expect it: a 401 carries `WWW-Authenticate: Bearer realm=…,
// service=…,scope=…`; the client asks the realm for a token (with basic credentials, or anonymously), sends it
// as a bearer, reuses it until it expires, and asks again once when the registry refuses it.
import { BodyTooLargeError, readBounded } from './boundedBody';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses one `WWW-Authenticate` challenge (`Bearer realm="…",service="…"`); undefined when there is none. */
export function parseChallenge(header: string | null): Challenge | undefined {
  const m = header ? /^\s*([A-Za-z][\w-]*)\s*(.*)$/s.exec(header) : null;
  if (!m) {
    return undefined;
  }
  const params: Record<string, string> = {};
  const param = /([A-Za-z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/g;
  for (let p = param.exec(m[2]); p; p = param.exec(m[2])) {
    params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
  }
  return { scheme: m[1].toLowerCase(), params };
}

/** What a request needs: reads pull, uploads push (a push token also pulls). */
export type Access = 'pull' | 'pull,push';

export function accessOf(method: string): Access {
  return method === 'GET' || method === 'HEAD' ? 'pull' : 'pull,push';
}

interface Token {
  value: string;
  /** ms since the epoch; a token is renewed this long before it runs out, so it never expires in flight. */
  expiresAt: number;
}

const RENEW_MARGIN_MS = 5_000;
/** The spec's default when a token response gives no `expires_in`. */
const DEFAULT_TTL_S = 60;
const MAX_TOKEN_RESPONSE = 64 << 10;

export class TokenAuthError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Tokens for one repository, by access, fetched from the realm a challenge names. */
export class TokenCache {
  private readonly tokens = new Map<Access, Token>();
  /** Token requests made (tests check that tokens are reused). */
  fetched = 0;

  constructor(
    private readonly repo: string,
    /** `Basic …` for the token service, only when both user name and password are set (as pf does). */
    private readonly basic: string | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** A live token that covers `access`, if one is held. */
  current(access: Access): string | undefined {
    for (const held of access === 'pull' ? (['pull', 'pull,push'] as const) : (['pull,push'] as const)) {
      const token = this.tokens.get(held);
      if (token && token.expiresAt - RENEW_MARGIN_MS > this.now()) {
        return token.value;
      }
    }
    return undefined;
  }

  forget(access: Access): void {
    this.tokens.delete(access);
  }

  /** Asks the challenge's realm for a token for this repository and `access`. */
  async fetch(challenge: Challenge, access: Access): Promise<string> {
    const realm = challenge.params.realm;
    let url: URL;
    try {
      url = new URL(realm ?? '');
    } catch {
      throw new TokenAuthError(`the registry asked for a token but named no usable token service (realm ${realm})`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new TokenAuthError(`the registry's token service is not http(s): ${url.protocol}`);
    }
    if (challenge.params.service) {
      url.searchParams.set('service', challenge.params.service);
    }
    url.searchParams.set('scope', `repository:${this.repo}:${access}`);
    this.fetched++;
    let res: Response;
    try {
      res = await fetch(url, { headers: this.basic ? { Authorization: this.basic } : {}, redirect: 'follow' });
    } catch (err) {
      throw new TokenAuthError(`cannot reach the token service at ${url.origin}: ${(err as Error).message}`);
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new TokenAuthError(
        this.basic
          ? `the token service at ${url.origin} rejected the credentials (${res.status})`
          : `the token service at ${url.origin} wants credentials (${res.status})`,
        res.status,
      );
    }
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      const bytes = await readBounded(res, MAX_TOKEN_RESPONSE, 'token response');
      if (res.status !== 200) {
        throw new TokenAuthError(`the token service at ${url.origin} answered ${res.status}`, res.status);
      }
      body = JSON.parse(bytes.toString('utf8')) as typeof body;
    } catch (err) {
      if (err instanceof TokenAuthError) {
        throw err;
      }
      const why = err instanceof BodyTooLargeError ? 'is too large' : 'is not JSON';
      throw new TokenAuthError(`the token service's answer ${why}`);
    }
    const value = typeof body.token === 'string' ? body.token : body.access_token;
    if (typeof value !== 'string' || value === '') {
      throw new TokenAuthError('the token service answered without a token');
    }
    const ttl = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_TTL_S;
    this.tokens.set(access, { value, expiresAt: this.now() + ttl * 1000 });
    return value;
  }
}
