// Commands of the snapshot view: Open Snapshot (from a tree row, a digest, or a picker of names), and Set
// Operator Session Secret (kept in SecretStorage, handed to the server, which holds it in memory only).
import * as vscode from 'vscode';
import { shortDigest } from '../../../shared/blobs/digest';
import type { StoreApi } from '../connection/storeApi';
import type { StoreNode } from '../tree/nodes';
import type { SnapshotPanels } from './snapshotPanel';
import { isSecretHex } from '../../../shared/snapshots/secretHex';

export const SESSION_SECRET_KEY = 'processfork.operatorSessionSecret';

/** The image an Open Snapshot call names: a tree image row, a digest or name string, or one the user picks. */
export async function imageToOpen(api: StoreApi, arg: unknown): Promise<string | undefined> {
  const node = arg as StoreNode | undefined;
  if (node?.kind === 'image' && node.image.digest.startsWith('sha256:')) {
    return node.image.digest;
  }
  if (typeof arg === 'string' && arg !== '') {
    return arg;
  }
  const { images } = await api.images();
  const picked = await vscode.window.showQuickPick(
    images
      .filter((i) => i.digest.startsWith('sha256:'))
      .map((i) => ({
        label: i.name ?? shortDigest(i.digest),
        description: [i.agentKind, i.agentVersion, i.createdAt?.replace('T', ' ').slice(0, 19)]
          .filter(Boolean)
          .join('  '),
        detail: i.digest,
        digest: i.digest,
      })),
    { placeHolder: 'Which snapshot? (type its name)', matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.digest;
}

export async function openSnapshot(api: StoreApi, panels: SnapshotPanels, arg: unknown): Promise<string | undefined> {
  const image = await imageToOpen(api, arg);
  if (!image) {
    return undefined;
  }
  const panel = await panels.show(image);
  return panel.panel.title;
}

/** Asks for the operator session secret (hex), keeps it in SecretStorage and gives it to the server. */
export async function setSessionSecret(api: StoreApi, secrets: vscode.SecretStorage, given?: string): Promise<boolean> {
  const value =
    given ??
    (await vscode.window.showInputBox({
      title: 'Operator session secret',
      prompt: 'The PF_SESSION_SECRET the snapshots were taken with (hex). Empty forgets it.',
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v === '' || isSecretHex(v) ? undefined : 'hex digits, two per byte'),
    }));
  if (value === undefined) {
    return false;
  }
  if (value === '') {
    await secrets.delete(SESSION_SECRET_KEY);
    await api.sessionSecret(null);
  } else {
    await secrets.store(SESSION_SECRET_KEY, value);
    await api.sessionSecret(value);
  }
  return true;
}

/** At every server start: the secret kept from an earlier session, if any. */
export async function restoreSessionSecret(api: StoreApi, secrets: vscode.SecretStorage): Promise<void> {
  const value = await secrets.get(SESSION_SECRET_KEY);
  if (value) {
    await api.sessionSecret(value);
  }
}
