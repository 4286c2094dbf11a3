// A minimal test runner for inside the extension host (no mocha in the bundle): named tests run in order,
// each failure is reported with its stack, and run() rejects if any failed, which the workbench turns into
// exit code 1.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ScreenText } from '../runE2E';

type TestFn = () => Promise<void> | void;
const tests: Array<{ name: string; fn: TestFn }> = [];

export function test(name: string, fn: TestFn): void {
  tests.push({ name, fn });
}

export const env = {
  store: process.env.PF_E2E_STORE ?? '',
  workspace: process.env.PF_E2E_WORKSPACE ?? '',
  artifacts: process.env.PF_E2E_ARTIFACTS ?? '',
  mode: process.env.PF_E2E_MODE ?? 'trusted',
  remote: process.env.PF_E2E_REMOTE ?? '',
  /** A registry behind token auth (user pf, password e2e-token-pw may push; anyone may pull). */
  tokenRemote: process.env.PF_E2E_TOKEN_REMOTE ?? '',
  /** The package under test in the installed mode. */
  vsix: process.env.PF_E2E_VSIX ?? '',
};

/** Waits for `check` to return a value (not a fixed sleep): events in VS Code arrive when they arrive. */
export async function eventually<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) {
        return v as T;
      }
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}

/** Asks the runner (outside, driving the browser) for a screenshot, and waits until it is written. */
export async function screenshot(name: string): Promise<void> {
  if (!env.artifacts) {
    return;
  }
  const file = path.join(env.artifacts, `${name}.png`);
  fs.rmSync(file, { force: true });
  // Toasts from earlier steps would cover the picture (and the README shows some of these pictures).
  await vscode.commands.executeCommand('notifications.clearAll');
  console.log(`__pf_screenshot__:${name}`);
  await eventually(`screenshot ${name}`, () => fs.existsSync(file), 30_000);
}

/** What the screen shows (read by the runner from the page): view panes with their rows, and the toasts. */
export async function screenText(name: string): Promise<ScreenText> {
  const file = path.join(env.artifacts, `${name}.screen.json`);
  fs.rmSync(file, { force: true });
  console.log(`__pf_screen__:${name}`);
  await eventually(`the screen's text (${name})`, () => fs.existsSync(file), 30_000);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ScreenText;
}

export async function runAll(): Promise<void> {
  const failures: string[] = [];
  let passed = 0;
  for (const t of tests) {
    const started = Date.now();
    try {
      await t.fn();
      passed++;
      console.log(`  ok   ${t.name} (${Date.now() - started} ms)`);
    } catch (err) {
      failures.push(t.name);
      console.log(`  FAIL ${t.name}: ${(err as Error)?.stack ?? String(err)}`);
    }
  }
  console.log(`e2e (${env.mode}): ${passed} passed, ${failures.length} failed`);
  if (env.artifacts) {
    fs.writeFileSync(
      path.join(env.artifacts, `results-${env.mode}.json`),
      JSON.stringify({ passed, failed: failures }, null, 2),
    );
  }
  if (failures.length > 0) {
    throw new Error(`${failures.length} e2e test(s) failed: ${failures.join('; ')}`);
  }
}
