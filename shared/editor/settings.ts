// The extension's settings: each key's default, defined once. package.json repeats them for VS Code's
// settings UI (a manifest cannot import code); test/unit/settings.unit.test.ts keeps the two equal.

import { remoteKind } from '../registries/remoteText';
export const SETTINGS_SECTION = 'processfork';

export const SETTING_DEFAULTS = {
  'store.path': '',
  'hover.allFiles': false,
  'tree.pageSize': 500,
  /** Whole MiB (a byte count in a settings page is unreadable); converted where used. */
  'blob.maxOpenMiB': 50,
  'verify.autoMaxMiB': 256,
  remotes: [] as string[],
  'remote.caFile': '',
  'trace.server': 'off',
} as const;

export const MIB = 1024 * 1024;

/** Bounds the manifest declares for `tree.pageSize`; a value typed into settings.json may ignore them. */
export const PAGE_SIZE_RANGE = { min: 50, max: 5000 } as const;

/** A registry entry the extension can use (`oci://host[:port]/repo`, `file://PATH`, `s3://bucket/prefix`). */
export function isRemoteSetting(value: unknown): value is string {
  return typeof value === 'string' && remoteKind(value) !== undefined;
}
