// A real OCI registry for tests: Debian's docker-registry (distribution 2.8) on a free loopback port with a
// temp storage folder. Started per test file and stopped by PID.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../scripts/codeServer';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

export interface Registry {
  url: string;
  host: string;
  storage: string;
  stop(): Promise<void>;
  /** Kills the process (as a crash would) and keeps its storage. */
  kill(): Promise<void>;
  /** Starts it again on the same port and storage. */
  restart(): Promise<void>;
}

export function registryAvailable(): boolean {
  return fs.existsSync(REGISTRY_BIN);
}

export async function startRegistry(
  opts: {
    htpasswd?: { user: string; password: string };
    tls?: boolean;
    /** Token auth: the registry sends clients to this token service and trusts its certificate. */
    token?: { realm: string; service: string; issuer: string; certFile: string };
    /** Another registry's storage folder: two processes serving one store, as replicas behind a balancer. */
    storage?: string;
  } = {},
): Promise<Registry & { caFile?: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-registry-'));
  const storage = opts.storage ?? path.join(dir, 'storage');
  fs.mkdirSync(storage, { recursive: true });
  const port = await freePort();
  let auth = '';
  if (opts.htpasswd) {
    // The registry reads only bcrypt entries.
    const line = spawnSync('htpasswd', ['-Bbn', opts.htpasswd.user, opts.htpasswd.password], {
      encoding: 'utf8',
    }).stdout.trim();
    fs.writeFileSync(path.join(dir, 'htpasswd'), `${line}\n`);
    auth = `auth:\n  htpasswd:\n    realm: pf-test\n    path: ${path.join(dir, 'htpasswd')}\n`;
  }
  if (opts.token) {
    const t = opts.token;
    auth = `auth:\n  token:\n    realm: ${t.realm}\n    service: ${t.service}\n    issuer: ${t.issuer}\n    rootcertbundle: ${t.certFile}\n`;
  }
  let tls = '';
  let caFile: string | undefined;
  if (opts.tls) {
    caFile = makeCertificates(dir);
    tls = `  tls:\n    certificate: ${path.join(dir, 'server.pem')}\n    key: ${path.join(dir, 'server.key')}\n`;
  }
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${storage}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${tls}${auth}`,
  );
  const url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const launch = async () => {
    const env = { ...process.env };
    delete env.AWS_CA_BUNDLE; // set on these machines, and it makes the registry's S3 driver panic at start
    child = spawn(REGISTRY_BIN, ['serve', config], { env, stdio: 'ignore' });
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        if (opts.tls) {
          // Our own fetch does not trust the test CA; a TCP connect is enough to know it listens.
          await new Promise<void>((resolve, reject) => {
            const sock = net.connect(port, '127.0.0.1', () => {
              sock.destroy();
              resolve();
            });
            sock.on('error', reject);
          });
          return;
        }
        const res = await fetch(`${url}/v2/`);
        await res.body?.cancel();
        if (res.status === 200 || res.status === 401) {
          return;
        }
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline || child.exitCode !== null) {
        throw new Error('docker-registry did not start');
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const kill = async () => {
    const c = child;
    if (c && c.exitCode === null && c.signalCode === null) {
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
    }
  };
  await launch();
  return {
    caFile,
    url,
    host: `127.0.0.1:${port}`,
    storage,
    kill,
    restart: async () => {
      await kill();
      await launch();
    },
    stop: async () => {
      await kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A throwaway CA and a server certificate for 127.0.0.1 signed by it; returns the CA file. */
function makeCertificates(dir: string): string {
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) {
      throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
    }
  };
  run([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=ProcessFork test CA',
  ]);
  run([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  ]);
  fs.writeFileSync(path.join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  run([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'san.cnf',
  ]);
  return path.join(dir, 'ca.pem');
}
