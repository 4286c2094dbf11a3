// A newcomer's first run on a store pf wrote (its layout, no `.pfimg` anywhere in the workspace), watched on the
// real screen: the Explorer's ProcessFork view and the status item appear with no click, and opening the
// ProcessFork container from the Activity Bar keeps it open (the first-run reveal once pulled it back to the
// Explorer, so the first click seemed to do nothing).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openWorkbench, startCodeServer } from '../../scripts/codeServer';
import { REPO } from '../support/serverProcess';
import { writeDemoImage, writeManyBlobs } from '../support/storeFixtures';
import { ARTIFACTS } from './runE2E';

export async function driveFirstRun(base: string): Promise<void> {
  const store = path.join(base, 'store');
  const workspace = path.join(base, 'workspace');
  fs.mkdirSync(workspace, { recursive: true });
  writeDemoImage(store, 'before-refactor');
  writeManyBlobs(store, 20, 'first run');
  const server = await startCodeServer({ folder: workspace, userSettings: { 'processfork.store.path': store } });
  const { page, close } = await openWorkbench({ server, extensionPath: REPO, folder: workspace });
  const sidebarTitle = () => page.locator('.part.sidebar .composite.title h2').first().innerText();
  try {
    // No click: the status item and the Explorer's view are there because a store is.
    await page.locator('.statusbar-item', { hasText: /blobs/ }).first().waitFor({ timeout: 60_000 });
    // Open, not a collapsed header at the bottom: the first run shows the store's images.
    await page
      .locator('.part.sidebar .pane-header[aria-expanded="true"]', { hasText: /ProcessFork Store/i })
      .first()
      .waitFor({ timeout: 30_000 });
    await page.locator('.part.sidebar .monaco-list-row', { hasText: 'before-refactor' }).first().waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'first-run-explorer.png') });
    // One click on the Activity Bar icon opens the container, and it stays open.
    await page.locator('.part.activitybar [aria-label^="ProcessFork"]').first().click();
    await page.waitForTimeout(3000); // long enough for a late reveal to have pulled the sidebar away
    assert.match(await sidebarTitle(), /PROCESSFORK/i, 'the ProcessFork container stays open after one click');
    await page.screenshot({ path: path.join(ARTIFACTS, 'first-run-container.png') });
  } catch (err) {
    await page.screenshot({ path: path.join(ARTIFACTS, 'first-run-failed.png') }).catch(() => undefined);
    throw err;
  } finally {
    await close();
    await server.stop();
  }
}
