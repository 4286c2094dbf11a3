// Runs the extension's integration suite inside a real VS Code (code-server 4.100.3 = VS Code 1.100.3,
// headless Chromium), in two modes: a trusted workspace, then Restricted Mode. Builds the fixture store,
// answers the suite's screenshot requests, and collects the measurements it prints.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { REPO_ROOT, runExtensionTests, startCodeServer } from '../../scripts/codeServer';
import { blobFile, flipByte, manifestJson, writeDemoImage, writeManyBlobs } from '../support/storeFixtures';
import { registryAvailable, startRegistry, type Registry } from '../support/registry';
import { startTokenIssuer, type TokenIssuer } from '../support/tokenIssuer';
import type { Page } from 'playwright-core';

export interface E2EResult {
  mode: string;
  exitCode: number;
  metrics: Record<string, number>;
  log: string[];
}

export const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');

export function ensureCodeServer(): void {
  execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'install-code-server.sh')], { stdio: 'inherit' });
}

/** A store with 15,000 blobs and one image; one referenced blob is corrupt; a manifest in the workspace. */
export function buildFixture(base: string): { store: string; workspace: string } {
  const store = path.join(base, 'store');
  const workspace = path.join(base, 'workspace');
  fs.mkdirSync(path.join(workspace, 'repair'), { recursive: true });
  const hexes = writeManyBlobs(store, 15_000, 'e2e');
  const image = writeDemoImage(store, 'e2e');
  const corrupt = image.spec.ledger;
  fs.copyFileSync(blobFile(store, corrupt), path.join(workspace, 'repair', `${corrupt}.zst`));
  fs.copyFileSync(blobFile(store, image.spec.env), path.join(workspace, 'repair', `${image.spec.env}.zst`));
  flipByte(blobFile(store, corrupt));
  // The workspace's manifest names one blob that is not in the store (a missing-blob warning).
  const missing = 'ab'.repeat(32);
  const manifest = JSON.stringify(JSON.parse(manifestJson({ ...image.spec, messages: missing })), null, 2);
  const manifestFile = path.join(workspace, 'snapshot.pfimg');
  fs.writeFileSync(manifestFile, manifest);
  const perShard = new Map<string, number>();
  for (const h of hexes) {
    perShard.set(h.slice(0, 2), (perShard.get(h.slice(0, 2)) ?? 0) + 1);
  }
  for (const h of Object.values(image.spec).flat()) {
    if (typeof h === 'string' && /^[0-9a-f]{64}$/.test(h)) {
      perShard.set(h.slice(0, 2), (perShard.get(h.slice(0, 2)) ?? 0) + 1);
    }
  }
  for (const h of [image.hex, ...image.fileBlobs]) {
    perShard.set(h.slice(0, 2), (perShard.get(h.slice(0, 2)) ?? 0) + 1);
  }
  const [bigShard] = [...perShard].sort((a, b) => b[1] - a[1])[0];
  const bigShardCount = fs.readdirSync(path.dirname(blobFile(store, `${bigShard}${'0'.repeat(62)}`))).length;
  fs.writeFileSync(
    path.join(workspace, 'fixture.json'),
    JSON.stringify({ image: image.hex, corrupt, spec: image.spec, manifestFile, bigShard, bigShardCount }, null, 2),
  );
  return { store, workspace };
}

export async function runMode(
  mode: 'trusted' | 'restricted' | 'installed' | 'bench',
  fixture: { store: string; workspace: string },
  vsix?: string,
): Promise<E2EResult> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const userSettings: Record<string, unknown> = {
    'processfork.store.path': fixture.store,
    'processfork.tree.pageSize': 50,
  };
  if (mode === 'restricted') {
    userSettings['security.workspace.trust.enabled'] = true;
    userSettings['security.workspace.trust.startupPrompt'] = 'never';
    // The workspace tries to point the extension elsewhere; Restricted Mode must ignore it.
    fs.mkdirSync(path.join(fixture.workspace, '.vscode'), { recursive: true });
    fs.writeFileSync(
      path.join(fixture.workspace, '.vscode', 'settings.json'),
      JSON.stringify({ 'processfork.store.path': path.join(os.tmpdir(), 'attacker-chosen-store') }),
    );
  }
  const log: string[] = [];
  // A real registry for the trusted run: the image is pushed to it, then one of its blobs is deleted locally,
  // for the suite's "Fetch from <remote>" quick fix.
  let registry: Registry | undefined;
  let remote = '';
  let tokens: TokenIssuer | undefined;
  let tokenRegistry: Registry | undefined;
  let tokenRemote = '';
  if (mode === 'trusted' && registryAvailable()) {
    registry = await startRegistry();
    remote = `oci://${registry.host}/e2e/images`;
    const fx = JSON.parse(fs.readFileSync(path.join(fixture.workspace, 'fixture.json'), 'utf8')) as {
      image: string;
      spec: { diff: string; ledger: string };
    };
    // The corrupt ledger blob would stop the push; push from a copy with it repaired.
    const repaired = path.join(path.dirname(fixture.store), 'push-copy');
    fs.cpSync(fixture.store, repaired, { recursive: true });
    fs.copyFileSync(
      path.join(fixture.workspace, 'repair', `${fx.spec.ledger}.zst`),
      blobFile(repaired, fx.spec.ledger),
    );
    execFileSync(
      process.execPath,
      [path.join(REPO_ROOT, 'dist', 'cli.js'), '--store', repaired, 'push', `sha256:${fx.image}`, `${remote}:e2e`],
      { stdio: 'pipe' },
    );
    fs.rmSync(repaired, { recursive: true, force: true });
    fs.rmSync(blobFile(fixture.store, fx.spec.diff));
    // A second registry behind token auth, as hosted registries run: pulls are anonymous, pushes need pf's
    // credentials, which the suite saves through the editor's command.
    tokens = await startTokenIssuer(path.dirname(fixture.store), {
      users: { pf: { password: 'e2e-token-pw', actions: ['pull', 'push'] } },
      anonymous: ['pull'],
    });
    tokenRegistry = await startRegistry({ token: tokens });
    tokenRemote = `oci://${tokenRegistry.host}/e2e/tokened`;
    userSettings['processfork.remotes'] = [remote, tokenRemote];
  }
  // For the installed copy, the development "extension" is an empty host; the one under test comes from the .vsix.
  const extensionPath = vsix ? emptyHostExtension(path.dirname(fixture.store)) : REPO_ROOT;
  const server = await startCodeServer({
    folder: fixture.workspace,
    installVsix: vsix,
    userSettings,
    env: {
      PF_E2E_STORE: fixture.store,
      PF_E2E_WORKSPACE: fixture.workspace,
      PF_E2E_ARTIFACTS: ARTIFACTS,
      PF_E2E_MODE: mode,
      PF_E2E_REMOTE: remote,
      PF_E2E_TOKEN_REMOTE: tokenRemote,
      PF_E2E_VSIX: vsix ?? '',
    },
    log: (l) => log.push(`[code-server] ${l}`),
  });
  const metrics: Record<string, number> = {};
  try {
    const { exitCode } = await runExtensionTests({
      server,
      extensionPath,
      testsPath: path.join(REPO_ROOT, 'out', 'test', 'e2e', 'suite', 'index.js'),
      screenshotDir: path.join(ARTIFACTS, `final-${mode}`),
      folder: fixture.workspace,
      onConsole: (line, page) => {
        log.push(line);
        if (/\s(ok|FAIL) |e2e \(/.test(line)) {
          process.stdout.write(`${line.replace(/^%c \w+ color: \S+ /, '')}\n`);
        }
        const shot = /__pf_screenshot__:(\S+)/.exec(line);
        if (shot) {
          const file = path.join(ARTIFACTS, `${shot[1]}.png`);
          // Write to a temp name first: the suite waits for the final name to exist.
          void page
            .screenshot({ path: `${file}.tmp.png` })
            .then(() => (mode === 'trusted' ? readmeCopy(page, shot[1]) : undefined))
            .then(() => fs.renameSync(`${file}.tmp.png`, file));
        }
        const dom = /__pf_screen__:(\S+)/.exec(line);
        if (dom) {
          const file = path.join(ARTIFACTS, `${dom[1]}.screen.json`);
          void screenText(page).then((text) => {
            fs.writeFileSync(`${file}.tmp`, JSON.stringify(text));
            fs.renameSync(`${file}.tmp`, file);
          });
        }
        const metric = /__pf_metric__:(\w+):([\d.]+)/.exec(line);
        if (metric) {
          metrics[metric[1]] = Number(metric[2]);
        }
      },
    });
    return { mode, exitCode, metrics, log };
  } finally {
    await server.stop();
    await registry?.stop();
    await tokenRegistry?.stop();
    await tokens?.stop();
    fs.writeFileSync(path.join(ARTIFACTS, `log-${mode}.txt`), log.join('\n'));
  }
}

/**
 * What the screen shows: each open view pane's title and the text of its rendered rows (label and description),
 * and the notification toasts, read from the page. Tests compare it with what the extension's API says.
 */
async function screenText(page: Page): Promise<ScreenText> {
  // A string, evaluated in the page: this file is compiled without the DOM's types.
  return page.evaluate(`({
    panes: [...document.querySelectorAll('.pane')].map((pane) => ({
      view: pane.querySelector('.pane-header .title')?.innerText ?? '',
      rows: [...pane.querySelectorAll('.monaco-list-row')].map((row) => row.innerText.replace(/\\s+/g, ' ')),
    })),
    toasts: [...document.querySelectorAll('.notification-toast')].map((t) => t.innerText.replace(/\\s+/g, ' ')),
    notifications: [...document.querySelectorAll('.notifications-center .notification-list-item')].map((t) =>
      t.innerText.replace(/\\s+/g, ' '),
    ),
  })`);
}

export interface ScreenText {
  panes: Array<{ view: string; rows: string[] }>;
  toasts: string[];
  /** The notification center's entries, when it is open (a toast can be hidden while another shows). */
  notifications: string[];
}

/** The pictures the README shows, in docs/images/ (small PNGs); `npm run screenshots` brings them up to date. */
export const README_SHOTS = [
  'store-container',
  'snapshot-view',
  'effects-view',
  'search-view',
  'hover',
  'problems-panel',
  'compare',
  'damaged-blob',
  'registries',
];

/** With PF_README_SHOTS=1, a README picture is also written at 60% scale (the page itself is 1400x900). */
async function readmeCopy(page: Page, name: string): Promise<void> {
  if (process.env.PF_README_SHOTS !== '1' || !README_SHOTS.includes(name)) {
    return;
  }
  const cdp = await page.context().newCDPSession(page);
  const size = page.viewportSize() ?? { width: 1400, height: 900 };
  const { data } = (await cdp.send('Page.captureScreenshot', {
    format: 'png',
    clip: { x: 0, y: 0, width: size.width, height: size.height, scale: 0.6 },
  })) as { data: string };
  await cdp.detach();
  fs.mkdirSync(path.join(REPO_ROOT, 'docs', 'images'), { recursive: true });
  fs.writeFileSync(path.join(REPO_ROOT, 'docs', 'images', `${name}.png`), Buffer.from(data, 'base64'));
}

function emptyHostExtension(base: string): string {
  const dir = path.join(base, 'smoke-host');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({
      name: 'pf-smoke-host',
      publisher: 'test',
      version: '0.0.1',
      engines: { vscode: '^1.100.0' },
      main: './host.js',
    }),
  );
  fs.writeFileSync(path.join(dir, 'host.js'), 'exports.activate = () => undefined;\n');
  return dir;
}
