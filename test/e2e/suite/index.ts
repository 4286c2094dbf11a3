// Entry point the workbench loads (`extensionTestsPath`): picks the suite for the mode the runner set.
// The suites register their tests when loaded, so only the chosen one is required. (require, not import():
// the extension host resolves `vscode` for CommonJS loads.)
/* eslint-disable @typescript-eslint/no-require-imports */
import { env, runAll } from './harness';

const SUITES: Record<string, () => unknown> = {
  trusted: () => require('./trusted.e2e'),
  restricted: () => require('./restricted.e2e'),
  installed: () => require('./installed.e2e'),
  bench: () => require('./bench.e2e'),
};

export async function run(): Promise<void> {
  const load = SUITES[env.mode];
  if (!load) {
    throw new Error(`unknown e2e mode ${env.mode}`);
  }
  load();
  await runAll();
}
