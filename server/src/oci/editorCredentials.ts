// The registry credentials the editor keeps in its secret storage, as the server holds them. The extension hands
// them over once, in PF_REMOTE_CREDENTIALS, when it starts the server (so no JSON-RPC message or trace carries
// them); the server moves them into this module at start and deletes the variable, so nothing it runs (a docker
// credential helper) or reads later from its environment sees them. Keyed by registry host or `s3://bucket`.

export interface StoredCredentials {
  username?: string;
  password?: string;
  bearer?: string;
}

export const EDITOR_CREDENTIALS_VAR = 'PF_REMOTE_CREDENTIALS';

let held: Map<string, StoredCredentials> | undefined;

/** Moves the editor's credentials out of `env` into this process's memory (server start, once). */
export function takeEditorCredentials(env: NodeJS.ProcessEnv = process.env): void {
  held = parseTable(env[EDITOR_CREDENTIALS_VAR]);
  delete env[EDITOR_CREDENTIALS_VAR];
}

/** The entry for one registry: from `env` when it carries the table (a test, a child), else what the server holds. */
export function editorCredentialsFor(key: string, env: NodeJS.ProcessEnv = process.env): StoredCredentials | undefined {
  const table = env[EDITOR_CREDENTIALS_VAR] !== undefined ? parseTable(env[EDITOR_CREDENTIALS_VAR]) : held;
  return table?.get(key);
}

function parseTable(text: string | undefined): Map<string, StoredCredentials> {
  const table = new Map<string, StoredCredentials>();
  try {
    const value: unknown = JSON.parse(text ?? '{}');
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, entry] of Object.entries(value)) {
        if (entry !== null && typeof entry === 'object') {
          const e = entry as Record<string, unknown>;
          const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
          table.set(key, { username: str(e.username), password: str(e.password), bearer: str(e.bearer) });
        }
      }
    }
  } catch {
    // a malformed table means no stored credentials; the other sources still apply
  }
  return table;
}

/**
 * The environment a third-party program (a docker credential helper) runs with: what such helpers need to find
 * their own stores (home, path, locale, desktop keyring, pass and GnuPG), and no credential of ours or the user's.
 */
export function environmentForHelpers(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {};
  for (const name of HELPER_VARIABLES) {
    if (env[name] !== undefined) {
      kept[name] = env[name];
    }
  }
  return kept;
}

const HELPER_VARIABLES = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TMPDIR',
  'TEMP',
  'TMP',
  'SYSTEMROOT',
  'USERPROFILE',
  'APPDATA',
  'LOCALAPPDATA',
  'DOCKER_CONFIG',
  'XDG_RUNTIME_DIR',
  'XDG_CONFIG_HOME',
  'XDG_DATA_HOME',
  'DBUS_SESSION_BUS_ADDRESS',
  'DISPLAY',
  'WAYLAND_DISPLAY',
  'GNUPGHOME',
  'GPG_AGENT_INFO',
  'PASSWORD_STORE_DIR',
];
