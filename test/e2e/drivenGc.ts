// Remove Unreferenced Blobs driven as a user drives it: the command palette, the modal confirmation (read, then
// Cancel, then Remove), the toast that follows, and the files on disk. Modals need a workbench without a test
// runner in it (openWorkbench), so this runs outside the extension-host suite.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { openWorkbench, startCodeServer } from '../../scripts/codeServer';
import { REPO } from '../support/serverProcess';
import { blobFile, manifestJson, writeBlob, writeDemoImage, writeManyBlobs } from '../support/storeFixtures';
import { ARTIFACTS } from './runE2E';

async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('Control+Shift+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

function blobCount(store: string): number {
  return fs
    .readdirSync(path.join(store, 'blobs', 'sha256'), { recursive: true })
    .filter((f) => String(f).endsWith('.zst')).length;
}

export async function driveGcConfirmation(base: string): Promise<void> {
  const store = path.join(base, 'store');
  const workspace = path.join(base, 'workspace');
  fs.mkdirSync(workspace, { recursive: true });
  const image = writeDemoImage(store, 'driven');
  writeManyBlobs(store, 20, 'young and unreferenced'); // kept: written just now
  const stale = ['a', 'b', 'c'].map((t) => writeBlob(store, `nobody names this ${t}\n`));
  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
  for (const hex of stale) {
    fs.utimesSync(blobFile(store, hex), twoHoursAgo, twoHoursAgo);
  }
  // A manifest in the folder: what activates the extension for a user.
  fs.writeFileSync(path.join(workspace, 'snapshot.pfimg'), manifestJson(image.spec));
  const server = await startCodeServer({ folder: workspace, userSettings: { 'processfork.store.path': store } });
  const { page, close } = await openWorkbench({ server, extensionPath: REPO, folder: workspace });
  try {
    // The status bar item appears once the extension has opened the store.
    await page.locator('.statusbar-item', { hasText: /blobs/ }).first().waitFor({ timeout: 60_000 });
    const dialog = page.locator('.monaco-dialog-box');
    const before = blobCount(store);

    await runCommand(page, 'ProcessFork: Remove Unreferenced Blobs');
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    const asked = (await dialog.innerText()).replace(/\s+/g, ' ');
    assert.match(asked, /Remove 3 unreferenced blobs \(\d+ B\)\?/, 'the dialog says how many and how much');
    assert.match(asked, /last hour are kept/, 'and that recent blobs stay');
    await page.screenshot({ path: path.join(ARTIFACTS, 'gc-confirm.png') });
    await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.ok(
      stale.every((hex) => fs.existsSync(blobFile(store, hex))),
      'Cancel removed nothing',
    );

    await runCommand(page, 'ProcessFork: Remove Unreferenced Blobs');
    await dialog.locator('.monaco-button', { hasText: 'Remove' }).click({ timeout: 30_000 });
    await page
      .locator('.notification-toast', { hasText: /Removed 3 unreferenced blobs, freed \d+ B/ })
      .waitFor({ timeout: 30_000 });
    assert.ok(
      stale.every((hex) => !fs.existsSync(blobFile(store, hex))),
      'the three are gone',
    );
    // What the screen counts afterwards agrees with the disk: the status bar and the Blobs row (which once kept
    // the count from a shard listing answered before the removal reached the server's cache).
    const counted = `${before - 3} blobs`;
    await page.locator('.statusbar-item', { hasText: counted }).first().waitFor({ timeout: 15_000 });
    await page
      .locator('.pane .monaco-list-row', { hasText: new RegExp(`^Blobs\\s*${counted}$`) })
      .first()
      .waitFor({ timeout: 15_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'gc-removed.png') });
    const named = Object.values(image.spec as unknown as Record<string, unknown>)
      .flat()
      .filter((h): h is string => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h));
    assert.ok(named.length >= 8);
    for (const hex of named) {
      assert.ok(fs.existsSync(blobFile(store, hex)), `the image's blob ${hex.slice(0, 12)} stays`);
    }
    assert.equal(blobCount(store), before - 3, 'everything else stays: the image, its files and the young blobs');
  } catch (err) {
    await page.screenshot({ path: path.join(ARTIFACTS, 'gc-driven-failed.png') }).catch(() => undefined);
    throw err;
  } finally {
    await close();
    await server.stop();
  }
}
