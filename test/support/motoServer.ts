// A real S3 API server for tests: moto_server (moto, from the machine's Python environment) on a free loopback
// port. With `auth`, moto checks every request's signature after the first few: those create an IAM user with an
// allow-all policy and its access key, which the tests then use (moto accepts no other credentials).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../scripts/codeServer';

export interface MotoServer {
  endpoint: string;
  /** Environment for pfstore, boto3 and the SDK: endpoint, region and these credentials. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export function motoAvailable(): boolean {
  return spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).status === 0;
}

export async function startMoto(opts: { auth?: boolean } = {}): Promise<MotoServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // Its request log goes to a file, never a pipe: the tests run pfstore and boto3 synchronously, and a pipe nobody
  // reads while they run fills up and stops the server mid-request.
  const logFile = process.env.PF_MOTO_LOG ?? path.join(os.tmpdir(), `pf-moto-${port}.log`);
  const logFd = fs.openSync(logFile, 'a');
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', logFd, logFd],
    // Three requests pass unchecked: the IAM user, its policy and its key are made with them.
    env: { ...process.env, ...(opts.auth ? { INITIAL_NO_AUTH_ACTION_COUNT: '3' } : {}) },
  });
  fs.closeSync(logFd);
  const log = () => fs.readFileSync(logFile, 'utf8').slice(-4000);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = await fetch(`${endpoint}/moto-api/`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) {
      break;
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`moto_server did not start on ${endpoint}: ${log()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  let credentials = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
  if (opts.auth) {
    credentials = makeIamKey(endpoint);
  }
  const env = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...credentials,
  };
  return {
    endpoint,
    env,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => {
          if (!process.env.PF_MOTO_LOG) {
            fs.rmSync(logFile, { force: true });
          }
          resolve();
        });
        child.kill();
      }),
  };
}

/** With boto3, as another client would: the user, an allow-all policy, and its access key. */
function makeIamKey(endpoint: string): { AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string } {
  const script = `
import boto3, json, sys
iam = boto3.client('iam', endpoint_url=sys.argv[1], region_name='us-east-1',
                   aws_access_key_id='setup', aws_secret_access_key='setup')
iam.create_user(UserName='pf-tests')
iam.put_user_policy(UserName='pf-tests', PolicyName='all', PolicyDocument=json.dumps(
    {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': '*', 'Resource': '*'}]}))
key = iam.create_access_key(UserName='pf-tests')['AccessKey']
print(key['AccessKeyId'], key['SecretAccessKey'])
`;
  const r = spawnSync('python3', ['-c', script, endpoint], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`could not make moto's IAM key: ${r.stderr}`);
  }
  const [id, secret] = r.stdout.trim().split(' ');
  return { AWS_ACCESS_KEY_ID: id, AWS_SECRET_ACCESS_KEY: secret };
}

/** Runs a boto3 script (the other client: pf's own side is boto3) with the server's environment. */
export function boto3(server: MotoServer, script: string, args: string[] = []): string {
  const prelude = `import boto3, os, sys
s3 = boto3.client('s3', endpoint_url=os.environ['AWS_ENDPOINT_URL'], region_name='us-east-1',
                  config=boto3.session.Config(s3={'addressing_style': 'path'}))
`;
  const r = spawnSync('python3', ['-c', prelude + script, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...server.env },
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) {
    throw new Error(`boto3 script failed: ${r.stderr}`);
  }
  return r.stdout;
}

/** Runs `work` with the server's credentials in this process's environment (the SDK's chain reads it there). */
export async function withServerEnv<T>(server: MotoServer, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(server.env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, server.env);
  try {
    return await work();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) {
        delete process.env[k];
      } else {
        process.env[k] = v;
      }
    }
  }
}
