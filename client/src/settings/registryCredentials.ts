// Registry credentials live in VS Code's SecretStorage, never in settings or logs. They reach the server in
// its environment when it starts (PF_REMOTE_CREDENTIALS), so no JSON-RPC message or trace carries them.
import * as vscode from 'vscode';
import { credentialKeyOf } from '../../../shared/registries/remoteText';

const KEY_PREFIX = 'processfork.registry:';

export type RegistryCredential = { username: string; password: string } | { bearer: string };

/** Where a remote's credentials are kept: the registry host, or `s3://bucket` (file:// needs none). */
export function hostOf(remote: string): string | undefined {
  return credentialKeyOf(remote);
}

export async function credentialsEnv(
  secrets: vscode.SecretStorage,
  remotes: string[],
): Promise<Record<string, RegistryCredential>> {
  const table: Record<string, RegistryCredential> = {};
  for (const host of new Set(remotes.map(hostOf).filter((h): h is string => !!h))) {
    const stored = await secrets.get(KEY_PREFIX + host);
    if (stored) {
      table[host] = JSON.parse(stored) as RegistryCredential;
    }
  }
  return table;
}

export function isCredential(v: unknown): v is RegistryCredential {
  const o = v as Record<string, unknown> | undefined;
  return (
    typeof o === 'object' &&
    o !== null &&
    (typeof o.bearer === 'string' || (typeof o.username === 'string' && typeof o.password === 'string'))
  );
}

export async function storeCredentials(
  secrets: vscode.SecretStorage,
  host: string,
  credential: RegistryCredential,
): Promise<'saved'> {
  await secrets.store(KEY_PREFIX + host, JSON.stringify(credential));
  return 'saved';
}

/** Asks for credentials for one registry host and stores them; undefined when the user gave up. */
export async function askCredentials(
  secrets: vscode.SecretStorage,
  host: string,
): Promise<'saved' | 'forgotten' | undefined> {
  const kind = await vscode.window.showQuickPick(
    ['Username and password', 'Bearer token', 'Forget stored credentials'],
    { title: `Credentials for ${host}` },
  );
  if (!kind) {
    return undefined;
  }
  if (kind.startsWith('Forget')) {
    await secrets.delete(KEY_PREFIX + host);
    return 'forgotten';
  }
  if (kind === 'Bearer token') {
    const bearer = await vscode.window.showInputBox({
      title: `Bearer token for ${host}`,
      password: true,
      ignoreFocusOut: true,
    });
    if (!bearer) {
      return undefined;
    }
    return storeCredentials(secrets, host, { bearer });
  }
  const username = await vscode.window.showInputBox({ title: `Username for ${host}`, ignoreFocusOut: true });
  if (!username) {
    return undefined;
  }
  const password = await vscode.window.showInputBox({
    title: `Password for ${username}@${host}`,
    password: true,
    ignoreFocusOut: true,
  });
  if (password === undefined) {
    return undefined;
  }
  return storeCredentials(secrets, host, { username, password });
}
