// The client-side settings the server reads (pulled with workspace/configuration, re-read on change).
import { MIB, SETTING_DEFAULTS, isRemoteSetting } from '../../../shared/editor/settings';

export interface ServerSettings {
  /** `processfork.store.path`; empty means $PF_STORE, then ~/.processfork. */
  storePath?: string;
  /** `processfork.hover.allFiles`: digest hovers, links and diagnostics in every file, not only manifests. */
  hoverAllFiles: boolean;
  /** Blobs up to this stored size are verified in the background when an open document names them. */
  autoVerifyMaxBytes: number;
  /** `processfork.remotes`: registries (`oci://host:port/repo`) offered for fetches and pushes. */
  remotes: string[];
}

export const DEFAULT_SETTINGS: ServerSettings = {
  hoverAllFiles: SETTING_DEFAULTS['hover.allFiles'],
  autoVerifyMaxBytes: SETTING_DEFAULTS['verify.autoMaxMiB'] * MIB,
  remotes: [],
};

export function settingsFrom(section: unknown): ServerSettings {
  const s = (section ?? {}) as {
    store?: { path?: unknown };
    hover?: { allFiles?: unknown };
    verify?: { autoMaxMiB?: unknown };
    remotes?: unknown;
  };
  return {
    storePath: typeof s.store?.path === 'string' && s.store.path.trim() !== '' ? s.store.path : undefined,
    hoverAllFiles: s.hover?.allFiles === true,
    autoVerifyMaxBytes:
      typeof s.verify?.autoMaxMiB === 'number' ? s.verify.autoMaxMiB * MIB : DEFAULT_SETTINGS.autoVerifyMaxBytes,
    remotes: Array.isArray(s.remotes) ? s.remotes.filter(isRemoteSetting) : [],
  };
}
