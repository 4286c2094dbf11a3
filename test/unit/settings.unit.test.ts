// Settings defaults live in shared/editor/settings.ts; package.json must declare the same ones for the settings UI.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { PAGE_SIZE_RANGE, SETTING_DEFAULTS, SETTINGS_SECTION } from '../../shared/editor/settings';
import { REPO } from '../support/serverProcess';

const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
const declared: Record<string, { default: unknown; minimum?: number; maximum?: number }> =
  manifest.contributes.configuration.properties;

test('package.json declares exactly the settings of shared/editor/settings.ts, with the same defaults', () => {
  const keys = Object.keys(SETTING_DEFAULTS).map((k) => `${SETTINGS_SECTION}.${k}`);
  assert.deepEqual(Object.keys(declared).sort(), keys.sort());
  for (const [key, value] of Object.entries(SETTING_DEFAULTS)) {
    assert.deepEqual(declared[`${SETTINGS_SECTION}.${key}`].default, value, `default of ${key}`);
  }
});

test('the page-size bounds the client clamps to are the ones the manifest declares', () => {
  const pageSize = declared[`${SETTINGS_SECTION}.tree.pageSize`];
  assert.equal(pageSize.minimum, PAGE_SIZE_RANGE.min);
  assert.equal(pageSize.maximum, PAGE_SIZE_RANGE.max);
});
