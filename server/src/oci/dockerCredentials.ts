// Credentials people already have: what `docker login` or `oras login` left in ~/.docker/config.json
// ($DOCKER_CONFIG/config.json): a credential helper named for the host (`credHelpers`) or for every host
// (`credsStore`), run with the docker-credential protocol (`docker-credential-<name> get`, the server on
// standard input, `{"Username","Secret"}` on standard output), else the `auths` entry for the host.
// Nothing read here is ever logged or echoed.
import { execFile } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseJsonText } from '../store/images/jsonText';
import { readRegularFile } from '../store/io/safeOpen';
import { environmentForHelpers } from './editorCredentials';

export interface DockerCredentials {
  username?: string;
  password?: string;
  bearer?: string;
}

const MAX_CONFIG_BYTES = 1 << 20;
const HELPER_TIMEOUT_MS = 10_000;
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The server makes a registry client per request (a tree expand lists a remote): the answer is kept for a minute
 * per config file and host, so a credential helper (often 100 ms or more) is not run for every row.
 */
const CACHE_MS = 60_000;
const cache = new Map<string, { at: number; found: Promise<DockerCredentials | undefined> }>();

export function dockerCredentials(
  host: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<DockerCredentials | undefined> {
  const key = `${env.DOCKER_CONFIG ?? ''}\0${host}`;
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < CACHE_MS) {
    return hit.found;
  }
  const found = lookUp(host, env);
  cache.set(key, { at: Date.now(), found });
  return found;
}

async function lookUp(host: string, env: NodeJS.ProcessEnv): Promise<DockerCredentials | undefined> {
  const file = path.join(env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker'), 'config.json');
  let config: unknown;
  try {
    config = parseJsonText((await readRegularFile(file, MAX_CONFIG_BYTES)).toString('utf8'));
  } catch {
    return undefined; // no config, or one we cannot read: as if the user had never logged in
  }
  if (!isObject(config)) {
    return undefined;
  }
  const helpers = isObject(config.credHelpers) ? config.credHelpers : {};
  const helper = helpers[host] ?? config.credsStore;
  if (typeof helper === 'string' && HELPER_NAME.test(helper)) {
    const fromHelper = await askHelper(helper, host, env);
    if (fromHelper) {
      return fromHelper;
    }
  }
  const auths = isObject(config.auths) ? config.auths : {};
  const key = Object.keys(auths).find((k) => hostOfKey(k) === host);
  return key ? fromAuthEntry(auths[key]) : undefined;
}

/** `https://host:5000/v1/`, `http://host`, `host:5000` all name `host:5000`. */
function hostOfKey(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
}

function fromAuthEntry(entry: unknown): DockerCredentials | undefined {
  if (!isObject(entry)) {
    return undefined;
  }
  if (typeof entry.registrytoken === 'string' && entry.registrytoken) {
    return { bearer: entry.registrytoken };
  }
  if (typeof entry.auth === 'string' && entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon > 0 ? { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) } : undefined;
  }
  if (typeof entry.username === 'string' && typeof entry.password === 'string') {
    return { username: entry.username, password: entry.password };
  }
  // An `identitytoken` is an OAuth refresh token for the registry's token service; not supported yet.
  return undefined;
}

/** Runs the helper when it is on the PATH; undefined when it is not, fails, or knows nothing of the host. */
function askHelper(name: string, host: string, env: NodeJS.ProcessEnv): Promise<DockerCredentials | undefined> {
  return new Promise((resolve) => {
    const child = execFile(
      `docker-credential-${name}`,
      ['get'],
      // A helper is someone else's program: it gets what it needs to find its store, none of our secrets.
      { env: environmentForHelpers(env), timeout: HELPER_TIMEOUT_MS, maxBuffer: 64 << 10 },
      (err, stdout) => {
        if (err) {
          resolve(undefined);
          return;
        }
        try {
          const out = JSON.parse(stdout) as { Username?: unknown; Secret?: unknown };
          // A user name of "<token>" marks an identity token (an OAuth refresh token): not a password.
          resolve(
            typeof out.Username === 'string' && typeof out.Secret === 'string' && out.Username !== '<token>'
              ? { username: out.Username, password: out.Secret }
              : undefined,
          );
        } catch {
          resolve(undefined);
        }
      },
    );
    child.stdin?.on('error', () => undefined); // a helper that exits without reading
    child.stdin?.end(host);
  });
}
