// Entry point the workbench loads (`extensionTestsPath`): picks the suite for the mode the runner set.
import { env, runAll } from './harness';

export async function run(): Promise<void> {
  if (env.mode === 'restricted') require('./restricted.e2e');
  else if (env.mode === 'installed') require('./installed.e2e');
  else require('./trusted.e2e');
  await runAll();
}
