// A small token service for tests, as a registry behind token auth expects one: it answers
// GET /token?service=…&scope=repository:NAME:ACTIONS with a JWT (RS256) signed by a key whose self-signed
// certificate the registry trusts (its `rootcertbundle`), the certificate carried in the `x5c` header.
// Users: name → password and the actions each may be granted; anonymous callers get `anonymous` actions.
import { createPrivateKey, createSign, randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';

export interface TokenIssuer {
  realm: string;
  service: string;
  issuer: string;
  certFile: string;
  /** Requests answered with a token, and the scopes they asked for. */
  issued: string[];
  /** Seconds each token lives (the registry itself allows a minute of leeway past it). */
  ttlSeconds: number;
  stop(): Promise<void>;
}

export interface IssuerUsers {
  [name: string]: { password: string; actions: string[] };
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export async function startTokenIssuer(
  dir: string,
  opts: { users?: IssuerUsers; anonymous?: string[]; ttlSeconds?: number } = {},
): Promise<TokenIssuer> {
  const keyFile = path.join(dir, 'token.key');
  const certFile = path.join(dir, 'token.pem');
  const r = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2'].concat([
      '-subj',
      '/CN=pf test token issuer',
    ]),
    { encoding: 'utf8' },
  );
  if (r.status !== 0) {
    throw new Error(`openssl failed: ${r.stderr}`);
  }
  const key = createPrivateKey(fs.readFileSync(keyFile));
  const certDer = Buffer.from(
    fs
      .readFileSync(certFile, 'utf8')
      .replace(/-----[^-]+-----/g, '')
      .replace(/\s+/g, ''),
    'base64',
  );
  const state = { issued: [] as string[], ttlSeconds: opts.ttlSeconds ?? 300 };
  const service = 'pf-test-registry';
  const issuer = 'pf-test-issuer';

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    let actions = opts.anonymous ?? [];
    let subject = '';
    const auth = req.headers.authorization;
    if (auth) {
      const [name, password] = Buffer.from(auth.replace(/^Basic /, ''), 'base64')
        .toString()
        .split(':');
      const user = opts.users?.[name];
      if (!auth.startsWith('Basic ') || !user || user.password !== password) {
        res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"details":"bad credentials"}');
        return;
      }
      actions = user.actions;
      subject = name;
    }
    const scope = url.searchParams.get('scope') ?? '';
    const [, name, wanted] = /^repository:([^:]+):(.*)$/.exec(scope) ?? [];
    const access = name
      ? [{ type: 'repository', name, actions: wanted.split(',').filter((a) => actions.includes(a)) }]
      : [];
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', x5c: [certDer.toString('base64')] };
    const claims = {
      iss: issuer,
      sub: subject,
      aud: url.searchParams.get('service') ?? '',
      exp: now + state.ttlSeconds,
      nbf: now - 5,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = createSign('RSA-SHA256').update(signingInput).sign(key);
    state.issued.push(scope);
    res
      .writeHead(200, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ token: `${signingInput}.${b64url(signature)}`, expires_in: state.ttlSeconds }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certFile,
    get issued() {
      return state.issued;
    },
    get ttlSeconds() {
      return state.ttlSeconds;
    },
    set ttlSeconds(s: number) {
      state.ttlSeconds = s;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
