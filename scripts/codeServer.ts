// Runs a real VS Code (code-server's workbench, VS Code 1.100.3) on loopback, and drives it with headless
// Chromium through playwright-core: for the extension's integration tests, screenshots, and `npm start`.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const CODE_SERVER_BIN = path.join(REPO_ROOT, '.vscode-test', 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Without the networking switches Chromium keeps dialling hosts this offline machine cannot reach.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export interface CodeServer {
  url: string;
  port: number;
  pid: number;
  userDataDir: string;
  extensionsDir: string;
  stop(): Promise<void>;
}

/** A free TCP port on loopback (bound, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited with code ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`code-server did not answer at ${url} within ${timeoutMs} ms`);
}

export async function startCodeServer(opts: { folder: string; userSettings?: Record<string, unknown>; env?: NodeJS.ProcessEnv; port?: number; log?: (line: string) => void; installVsix?: string }): Promise<CodeServer> {
  if (!fs.existsSync(CODE_SERVER_BIN)) throw new Error(`code-server is not installed: run scripts/install-code-server.sh (looked for ${CODE_SERVER_BIN})`);
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-vscode-'));
  const userDataDir = path.join(base, 'user-data');
  const extensionsDir = path.join(base, 'extensions');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  const settings = { 'security.workspace.trust.enabled': false, 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'git.openRepositoryInParentFolders': 'never', ...opts.userSettings };
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  if (opts.installVsix) {
    // The packaged extension, installed the way a user installs it, into this server's extensions folder.
    execFileSync(process.execPath, [CODE_SERVER_BIN, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', opts.installVsix], { stdio: 'pipe' });
  }
  const port = opts.port ?? (await freePort());
  const child = spawn(
    process.execPath,
    [CODE_SERVER_BIN, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--disable-telemetry', '--disable-update-check', opts.folder],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } },
  );
  const log = opts.log ?? (() => undefined);
  child.stdout!.on('data', (d) => log(String(d).trimEnd()));
  child.stderr!.on('data', (d) => log(String(d).trimEnd()));
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, child, 30_000);
  return {
    url,
    port,
    pid: child.pid!,
    userDataDir,
    extensionsDir,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}

function remote(server: CodeServer, p: string): string {
  return `vscode-remote://127.0.0.1:${server.port}${path.resolve(p)}`;
}

export function workbenchUrl(server: CodeServer, folder: string, payload: Array<[string, string]>): string {
  const query = new URLSearchParams({ folder: path.resolve(folder) });
  if (payload.length > 0) query.set('payload', JSON.stringify(payload));
  return `${server.url}/?${query.toString()}`;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Runs an extension test suite in the workbench; resolves with the suite's exit code (0 passed). */
export async function runExtensionTests(opts: {
  server: CodeServer;
  extensionPath: string;
  testsPath: string;
  folder: string;
  timeoutMs?: number;
  onConsole?: (line: string, page: Page) => void;
}): Promise<{ exitCode: number; console: string[] }> {
  const browser = await launchBrowser();
  const lines: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    let finish!: (code: number) => void;
    const finished = new Promise<number>((r) => (finish = r));
    await page.exposeFunction('codeAutomationExit', (code: number) => finish(code));
    page.on('console', (msg) => {
      const line = msg.text();
      lines.push(line);
      opts.onConsole?.(line, page);
    });
    const url = workbenchUrl(opts.server, opts.folder, [
      ['extensionDevelopmentPath', remote(opts.server, opts.extensionPath)],
      ['extensionTestsPath', remote(opts.server, opts.testsPath)],
    ]);
    await page.goto(url);
    const timeoutMs = opts.timeoutMs ?? 10 * 60_000;
    const timeout = new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`the extension tests did not finish within ${timeoutMs} ms`)), timeoutMs).unref());
    const exitCode = await Promise.race([finished, timeout]);
    return { exitCode, console: lines };
  } finally {
    await browser.close();
  }
}
