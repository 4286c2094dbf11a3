// Registry commands: push an image, pull one, fetch a single missing blob (the quick fix), and credentials.
import * as vscode from 'vscode';
import type { RemotePullResult, RemotePushResult, SecretsInClearData } from '../../../shared/protocol';
import { StoreErrorCode } from '../../../shared/protocol';
import { plural } from '../../../shared/common/format';
import { ResponseError } from 'vscode-languageclient/node';

/** The variables a push was refused for, when that is why it failed. */
function secretsRefused(err: unknown): string[] | undefined {
  return err instanceof ResponseError && err.code === StoreErrorCode.SecretsInClear
    ? ((err.data as SecretsInClearData | undefined)?.variables ?? [])
    : undefined;
}
import { askCredentials, hostOf, isCredential, storeCredentials } from '../settings/registryCredentials';
import { REMOTE_FORMS, ociHasTag, registryOf, remoteKind } from '../../../shared/registries/remoteText';
import { addRegistry, settings } from '../settings/settings';
import type { StoreApi } from '../connection/storeApi';
import { withServerProgress } from '../connection/serverProgress';
import { shortDigest } from '../../../shared/blobs/digest';

async function pickRemote(title: string): Promise<string | undefined> {
  const { remotes } = settings();
  if (remotes.length === 0) {
    const typed = await vscode.window.showInputBox({
      title,
      prompt: 'No registries in processfork.remotes: type one',
      placeHolder: 'oci://host:port/repo, file:///mnt/share/snapshots/name or s3://bucket/prefix',
      validateInput: (v) => (remoteKind(v) ? undefined : REMOTE_FORMS),
    });
    return typed;
  }
  return remotes.length === 1 ? remotes[0] : vscode.window.showQuickPick(remotes, { title });
}

/** Asks where to and which tag, unless the caller (automation, the editor tests) says. */
export async function pushImage(
  api: StoreApi,
  image: string,
  given: { remote?: string; tag?: string } = {},
): Promise<RemotePushResult | undefined> {
  const remote = given.remote ?? (await pickRemote(`Push ${shortDigest(image)} to`));
  if (!remote) {
    return undefined;
  }
  // oci:// wants a tag: the one in the reference (`…/repo:coder`), else asked for. A folder or a bucket prefix
  // holds one image: the reference is the place.
  let ref = remote;
  if (remoteKind(remote) === 'oci' && !ociHasTag(remote)) {
    const tag =
      given.tag ??
      (await vscode.window.showInputBox({
        title: 'Tag',
        value: 'latest',
        validateInput: (v) =>
          /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(v) ? undefined : 'letters, digits, . _ - (128 at most)',
      }));
    if (!tag) {
      return undefined;
    }
    ref = `${remote}:${tag}`;
  }
  const send = (allowSecrets: boolean) =>
    withServerProgress(api, `Pushing to ${ref}`, (workDoneToken, token) =>
      api.push(image, ref, workDoneToken, token, allowSecrets),
    );
  let result: RemotePushResult;
  try {
    result = await send(false);
  } catch (err) {
    const variables = secretsRefused(err);
    if (!variables) {
      throw err;
    }
    // Everyone who can pull would read them: the user decides, in a modal that names them (never their values).
    const anyway = 'Push anyway';
    const choice = await vscode.window.showWarningMessage(
      `This snapshot holds ${plural(variables.length, 'secret')} in clear: ${variables.join(', ')}. Anyone who can pull it from ${remote} could read ${variables.length === 1 ? 'it' : 'them'}.`,
      { modal: true, detail: "Take the snapshot again with pf's default scrub to leave them out." },
      anyway,
    );
    if (choice !== anyway) {
      return undefined;
    }
    result = await send(true);
  }
  void offerNextSteps(result, remote);
  return result;
}

/** After a push: the reference to pull it by (copied on request), and the registry added to the view. */
async function offerNextSteps(result: RemotePushResult, remote: string): Promise<void> {
  const known = settings().remotes.includes(registryOf(remote));
  const choice = await vscode.window.showInformationMessage(
    `Pushed: ${plural(result.uploaded, 'blob')} uploaded, ${result.skipped} already there. Pull it with ${result.pullRef}`,
    'Copy Pull Reference',
    ...(known ? [] : ['Add to Registries']),
  );
  if (choice === 'Copy Pull Reference') {
    await vscode.env.clipboard.writeText(result.pullRef);
  } else if (choice === 'Add to Registries') {
    await vscode.commands.executeCommand('processfork.addRegistry', registryOf(remote));
  }
}

/**
 * Add Registry…: a registry (given, or typed) appended to `processfork.remotes` where that list lives. The open
 * store, the tree's place and every other setting stay as they are. Answers where it was saved.
 */
export async function addRegistryCommand(given?: string): Promise<'workspace' | 'user' | undefined> {
  const registry =
    given ??
    (await vscode.window.showInputBox({
      title: 'Add Registry',
      placeHolder: REMOTE_FORMS,
      validateInput: (v) => (remoteKind(v.trim()) ? undefined : `A registry is ${REMOTE_FORMS}`),
    }));
  const value = registry?.trim();
  if (!value || !remoteKind(value)) {
    return undefined;
  }
  if (settings().remotes.includes(value)) {
    void vscode.window.showInformationMessage(`${value} is already in Registries.`);
    return undefined;
  }
  const where = await addRegistry(value);
  void vscode.window.showInformationMessage(`Added ${value} to Registries (${where} settings).`);
  return where;
}

export async function pullImage(api: StoreApi, ref?: string): Promise<RemotePullResult | undefined> {
  const target =
    ref ??
    (await vscode.window.showInputBox({
      title: 'Pull image',
      placeHolder: 'oci://host:port/repo:tag, file:///mnt/share/snapshots/name or s3://bucket/prefix',
      validateInput: (v) => (remoteKind(v) ? undefined : REMOTE_FORMS),
    }));
  if (!target) {
    return undefined;
  }
  const run = (allowUnsigned: boolean) =>
    withServerProgress(api, `Pulling ${target}`, (workDoneToken, token) =>
      api.pull(target, allowUnsigned, workDoneToken, token),
    );
  try {
    const result = await run(false);
    void vscode.window.showInformationMessage(
      `Pulled ${shortDigest(result.image)}: ${plural(result.downloaded, 'blob')} downloaded, ${result.alreadyHad} already here.${result.notes?.length ? ` ${result.notes.join(' ')}` : ''}`,
    );
    return result;
  } catch (err) {
    if (!/signature/.test((err as Error).message)) {
      throw err;
    }
    const choice = await vscode.window.showWarningMessage(`${(err as Error).message}`, { modal: true }, 'Pull Anyway');
    return choice === 'Pull Anyway' ? run(true) : undefined;
  }
}

export async function fetchFromRemote(
  api: StoreApi,
  digest: string,
  remote: string,
): Promise<{ found: boolean; tag?: string }> {
  const result = await api.fetchBlob(digest, remote);
  if (result.found) {
    void vscode.window.setStatusBarMessage(
      `Fetched ${shortDigest(digest)} from ${remote}${result.tag ? `:${result.tag}` : ''}`,
      5000,
    );
  } else {
    void vscode.window.showWarningMessage(`No image in ${remote} carries ${digest}.`);
  }
  return result;
}

/** Returns true when credentials changed (the server must restart to see them). */
/**
 * Asks which registry and what credentials, and keeps them in SecretStorage. Automation (a walkthrough, the
 * editor tests) may pass both instead: `(remote, { username, password } | { bearer })`.
 */
export async function setRemoteCredentials(
  secrets: vscode.SecretStorage,
  givenRemote?: unknown,
  given?: unknown,
): Promise<boolean> {
  const remote = typeof givenRemote === 'string' ? givenRemote : await pickRemote('Credentials for which registry?');
  const host = remote ? hostOf(remote.endsWith('/') ? remote : `${remote}/`) : undefined;
  if (!host) {
    return false;
  }
  const outcome = isCredential(given)
    ? await storeCredentials(secrets, host, given)
    : await askCredentials(secrets, host);
  if (outcome) {
    void vscode.window.showInformationMessage(
      outcome === 'forgotten'
        ? `ProcessFork: forgot the credentials for ${host}.`
        : `ProcessFork: saved the credentials for ${host} in the editor's secret storage; the store server restarts to use them.`,
    );
  }
  return outcome !== undefined;
}
