// The same editor suite under @vscode/test-electron, for desktops that can download VS Code
// (`npm run test:electron`). This machine is offline, so CI runs the suite in code-server instead
// (test/e2e/editor.e2e.test.ts); both load out/test/e2e/suite/index.js with the same environment.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { buildFixture, ARTIFACTS } from './runE2E';
import { REPO_ROOT } from '../../scripts/codeServer';

async function main(): Promise<void> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-electron-'));
  const fixture = buildFixture(path.join(base, 'trusted'));
  const userData = path.join(base, 'user-data');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userData, 'User', 'settings.json'),
    JSON.stringify({
      'processfork.store.path': fixture.store,
      'processfork.tree.pageSize': 50,
      'security.workspace.trust.enabled': false,
    }),
  );
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  try {
    await runTests({
      version: '1.100.3',
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: path.join(REPO_ROOT, 'out', 'test', 'e2e', 'suite', 'index.js'),
      launchArgs: [fixture.workspace, '--user-data-dir', userData, '--disable-extensions'],
      // Screenshots need the browser harness; under Electron the suite skips them (no PF_E2E_ARTIFACTS).
      extensionTestsEnv: { PF_E2E_STORE: fixture.store, PF_E2E_WORKSPACE: fixture.workspace, PF_E2E_MODE: 'trusted' },
    });
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
