// Registry credentials for the server: from PF_REMOTE_CREDENTIALS (set by the extension from SecretStorage when
// it starts the server, host → { username, password } | { bearer }), else pf's own variables.
import type { OciRef } from './ociRef';
import type { RegistryAuth } from './registryClient';
import { authFromEnv, authOf } from './registryClient';

type Stored = { username?: string; password?: string; bearer?: string };

/** The editor's words for a registry that wants credentials none of the sources had. */
function whenMissing(host: string): string {
  return `run "ProcessFork: Set Registry Credentials…" for ${host}, or log in with docker login`;
}

export function authFor(ref: OciRef, env: NodeJS.ProcessEnv = process.env): RegistryAuth {
  let table: Record<string, Stored> = {};
  try {
    table = JSON.parse(env.PF_REMOTE_CREDENTIALS ?? '{}') as Record<string, Stored>;
  } catch {
    // a malformed table means no stored credentials; pf's variables still apply
  }
  const entry = table[ref.host];
  if (entry?.bearer || (entry?.username && entry.password)) {
    return { ...authOf(entry), source: 'editor' };
  }
  return { ...authFromEnv(env), whenMissing: whenMissing(ref.host) };
}
