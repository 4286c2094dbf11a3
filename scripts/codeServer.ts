// Runs a real VS Code (code-server's workbench, VS Code 1.100.3) on loopback and drives it with headless
// Chromium through playwright-core: for the extension's integration tests, screenshots, and `npm start`.
// @vscode/test-electron cannot be used offline (it downloads VS Code); code-server comes from npm instead,
// installed by scripts/install-code-server.sh.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

// Compiled to out/scripts/, so the repo is two levels up.
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
// Same default and override as scripts/install-code-server.sh.
export const CODE_SERVER_DIR = path.resolve(
  REPO_ROOT,
  process.env.CODE_SERVER_DIR ?? path.join('.vscode-test', 'code-server'),
);
export const CODE_SERVER_BIN = path.join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start. The networking switches stop it
// dialling Google hosts this offline machine cannot reach. --disable-dev-shm-usage: containers give /dev/shm
// 64 MB, too little for the workbench's renderer.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];
const VIEWPORT = { width: 1400, height: 900 };

export interface CodeServer {
  url: string;
  port: number;
  pid: number;
  userDataDir: string;
  extensionsDir: string;
  /** Kills code-server, waits for it to exit, and removes its temp folders. */
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

function running(child: ChildProcess): boolean {
  // A process killed by a signal keeps exitCode null; signalCode tells it apart from one still running.
  return child.exitCode === null && child.signalCode === null;
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!running(child)) {
      throw new Error(`code-server exited (code ${child.exitCode}, signal ${child.signalCode}) before it answered`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`code-server did not answer at ${url} within ${timeoutMs} ms`);
}

export async function startCodeServer(opts: {
  folder: string;
  port?: number;
  /** Merged over the defaults below, so a test can turn workspace trust back on. */
  userSettings?: Record<string, unknown>;
  /** Extra environment for code-server, and so for the extension host and the extension's child processes. */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** A .vsix to install into this server's fresh extensions folder before it starts. */
  installVsix?: string;
}): Promise<CodeServer> {
  if (!fs.existsSync(CODE_SERVER_BIN)) {
    throw new Error(`code-server is not installed: run scripts/install-code-server.sh (looked for ${CODE_SERVER_BIN})`);
  }
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-vscode-'));
  const userDataDir = path.join(base, 'user-data');
  const extensionsDir = path.join(base, 'extensions');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  // Trust off: in test mode the trust prompt is refused, and the folder would open in Restricted Mode.
  // The rest keeps first-run UI (welcome page, git prompts) out of tests and screenshots.
  const settings = {
    'security.workspace.trust.enabled': false,
    'workbench.startupEditor': 'none',
    'telemetry.telemetryLevel': 'off',
    'git.openRepositoryInParentFolders': 'never',
    ...opts.userSettings,
  };
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  const common = ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  if (opts.installVsix) {
    // Installed the way a user installs it, so the packaged copy is what gets tested.
    execFileSync(process.execPath, [CODE_SERVER_BIN, ...common, '--install-extension', opts.installVsix], {
      stdio: 'pipe',
    });
  }
  const port = opts.port ?? (await freePort());
  // Run by this Node, so the native modules rebuilt for it by the install script load.
  const child = spawn(
    process.execPath,
    [
      CODE_SERVER_BIN,
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      ...common,
      '--disable-telemetry',
      '--disable-update-check',
      opts.folder,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const log = opts.log ?? (() => undefined);
  child.stdout!.on('data', (d) => log(String(d).trimEnd()));
  child.stderr!.on('data', (d) => log(String(d).trimEnd()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (running(child)) {
      // SIGTERM lets code-server's wrapper take its server process down with it; SIGKILL if it hangs.
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(base, { recursive: true, force: true });
  };
  try {
    await waitForHttp(`${url}/healthz`, child, 30_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port, pid: child.pid!, userDataDir, extensionsDir, stop };
}

/** The server's own view of a local path: the workbench loads extensions and tests through its remote. */
function remote(server: CodeServer, p: string): string {
  return `vscode-remote://127.0.0.1:${server.port}${path.resolve(p)}`;
}

export function workbenchUrl(server: CodeServer, folder: string, payload: Array<[string, string]>): string {
  const query = new URLSearchParams({ folder: path.resolve(folder) });
  if (payload.length > 0) {
    query.set('payload', JSON.stringify(payload));
  }
  return `${server.url}/?${query.toString()}`;
}

export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/**
 * Opens the workbench as a user would (the extension under development, no test runner in the page), for tests
 * that drive it with the keyboard and mouse. The editor's modal dialogs only show like this: with a test runner
 * loaded, VS Code refuses them ("DialogService: refused to show dialog in tests").
 */
export async function openWorkbench(opts: {
  server: CodeServer;
  extensionPath: string;
  folder: string;
}): Promise<{ page: Page; close(): Promise<void> }> {
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: VIEWPORT });
  await page.goto(
    workbenchUrl(opts.server, opts.folder, [['extensionDevelopmentPath', remote(opts.server, opts.extensionPath)]]),
  );
  return { page, close: () => browser.close() };
}

/** Log lines arrive styled for devtools, as `%c  INFO color: #33f text`; keep `INFO text` for a terminal. */
export function plainConsoleLine(line: string): string {
  return line.replace(/^%c\s*(\S+) color: \S+ /, '$1 ');
}

/**
 * Runs an extension test suite (a CommonJS file exporting `run(): Promise<void>`) in the workbench.
 * Resolves with the workbench's exit code: 0 when run() resolved, 1 when it threw. Rejects on timeout.
 */
export async function runExtensionTests(opts: {
  server: CodeServer;
  extensionPath: string;
  testsPath: string;
  folder: string;
  /** Where to save `final.png`, the workbench as the suite left it (or as it hung). */
  screenshotDir?: string;
  timeoutMs?: number;
  /** Extra Chromium switches. */
  extraArgs?: string[];
  /** Sees every console line; when given, lines are no longer echoed unless `echo` is true. */
  onConsole?: (line: string, page: Page) => void;
  echo?: boolean;
  /** Prefix of echoed lines. */
  prefix?: string;
}): Promise<{ exitCode: number; console: string[]; screenshot?: string }> {
  const echo = opts.echo ?? !opts.onConsole;
  const prefix = opts.prefix ?? '[vscode] ';
  const timeoutMs = opts.timeoutMs ?? 10 * 60_000;
  const lines: string[] = [];
  const browser = await launchBrowser(opts.extraArgs);
  let timer: NodeJS.Timeout | undefined;
  let page: Page | undefined;
  try {
    page = await browser.newPage({ viewport: VIEWPORT });
    const p = page;
    const ended = new Promise<number>((resolve, reject) => {
      // Exposed before the page loads: the workbench looks it up when the suite ends.
      void p.exposeFunction('codeAutomationExit', (code: number) => resolve(code)).catch(reject);
      p.on('crash', () => reject(new Error('the workbench page crashed')));
      browser.on('disconnected', () => reject(new Error('Chromium went away before the suite ended')));
      // Cleared in `finally`: a timer left behind would reject later, unhandled, and end a long test run.
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `the extension tests did not finish within ${timeoutMs} ms; last lines:\n${lines.slice(-20).join('\n')}`,
            ),
          ),
        timeoutMs,
      );
    });
    ended.catch(() => undefined); // it may settle while goto is still awaited below
    p.on('console', (msg) => {
      const line = msg.text();
      lines.push(line);
      opts.onConsole?.(line, p);
      if (echo) {
        process.stdout.write(`${prefix}${plainConsoleLine(line)}\n`);
      }
    });
    p.on('pageerror', (err) => {
      const line = `pageerror: ${err.message}`;
      lines.push(line);
      if (echo) {
        process.stdout.write(`${prefix}${line}\n`);
      }
    });
    await p.goto(
      workbenchUrl(opts.server, opts.folder, [
        ['extensionDevelopmentPath', remote(opts.server, opts.extensionPath)],
        ['extensionTestsPath', remote(opts.server, opts.testsPath)],
      ]),
    );
    const exitCode = await ended;
    const screenshot = await finalScreenshot(page, opts.screenshotDir);
    return { exitCode, console: lines, screenshot };
  } catch (err) {
    // On a timeout the picture shows where the suite hung.
    await finalScreenshot(page, opts.screenshotDir);
    throw err;
  } finally {
    clearTimeout(timer);
    await browser.close();
  }
}

async function finalScreenshot(page: Page | undefined, dir: string | undefined): Promise<string | undefined> {
  if (!dir || !page || page.isClosed()) {
    return undefined;
  }
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'final.png');
  // Best effort: a crashed page has nothing to show, and the suite's outcome matters more.
  return page.screenshot({ path: file, timeout: 10_000 }).then(
    () => file,
    () => undefined,
  );
}
