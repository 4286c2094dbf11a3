// pfstore as a child process, asynchronously (a token service or proxy in the test's own process keeps
// answering), with none of the caller's registry credentials or signing key leaking in: each test says what
// the command gets.
import { spawn } from 'node:child_process';
import { CLI_JS } from './serverProcess';

const CLI = CLI_JS;
const REGISTRY_ENV = ['OCI_USERNAME', 'OCI_PASSWORD', 'OCI_BEARER', 'PF_OCI_REG_SIGN_KEY', 'DOCKER_CONFIG'];

export function pfstoreAsync(
  store: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const clean = { ...process.env };
    for (const k of REGISTRY_ENV) {
      delete clean[k];
    }
    const child = spawn(process.execPath, [CLI, '--store', store, ...args], { env: { ...clean, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}
