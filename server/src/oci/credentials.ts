// Registry credentials for the server: the editor's (editorCredentials.ts: from its secret storage, host →
// { username, password } | { bearer }), else pf's own variables.
import type { OciRef } from './ociRef';
import type { RegistryAuth } from './registryClient';
import { authFromEnv, authOf } from './registryClient';
import { editorCredentialsFor } from './editorCredentials';

/** The editor's words for a registry that wants credentials none of the sources had. */
function whenMissing(host: string): string {
  return `run "ProcessFork: Set Registry Credentials…" for ${host}, or log in with docker login`;
}

export function authFor(ref: OciRef, env: NodeJS.ProcessEnv = process.env): RegistryAuth {
  const entry = editorCredentialsFor(ref.host, env);
  if (entry?.bearer || (entry?.username && entry.password)) {
    return { ...authOf(entry), source: 'editor' };
  }
  return { ...authFromEnv(env), whenMissing: whenMissing(ref.host) };
}
