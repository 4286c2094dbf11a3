// Compare two images, as GitLens and DVC compare commits: "Select for Compare", then "Compare with Selected",
// or "Compare with Parent". The result is a quick pick of what changed; a changed file opens in VS Code's diff
// editor between its two blob versions (read-only blob documents), an added or removed one opens as a blob.
import * as vscode from 'vscode';
import { blobUri } from '../../../shared/blobUri';
import { formatBytes } from '../../../shared/format';
import type { ChangedFileInfo, DiffImagesResult } from '../../../shared/protocol';
import type { StoreApi } from '../storeApi';

const SELECTED_CONTEXT = 'processfork:compareSelected';
let selected: string | undefined;

const short = (digest: string | null) => (digest ? digest.slice(7, 15) : 'none');
const size = (n: number | null) => (n === null ? '' : formatBytes(n));

export async function selectForCompare(image: string): Promise<void> {
  selected = image;
  await vscode.commands.executeCommand('setContext', SELECTED_CONTEXT, true);
  vscode.window.setStatusBarMessage(`ProcessFork: ${short(image)} selected for compare`, 4000);
}

export function compareWithSelected(api: StoreApi, image: string): Promise<DiffImagesResult> {
  if (!selected) {
    throw new Error('select an image for compare first (Select for Compare on an image)');
  }
  return compareImages(api, selected, image);
}

export function compareWithParent(api: StoreApi, image: string, parents: string[]): Promise<DiffImagesResult> {
  if (parents.length === 0) {
    throw new Error(`image ${short(image)} has no parent to compare with`);
  }
  return compareImages(api, parents[0], image);
}

/** Opens VS Code's diff editor between the two versions of a changed file. */
export async function openFileDiff(change: ChangedFileInfo, a: string, b: string): Promise<void> {
  if (!change.from || !change.to) {
    throw new Error(`${change.path} is not a file in both images`);
  }
  await vscode.commands.executeCommand(
    'vscode.diff',
    vscode.Uri.parse(blobUri(change.from.slice(7))),
    vscode.Uri.parse(blobUri(change.to.slice(7))),
    `${change.path} (${short(a)} ↔ ${short(b)})`,
  );
}

interface ChangeItem extends vscode.QuickPickItem {
  open?: () => Promise<unknown>;
}

/** Asks the server for the diff, shows it as a quick pick (not awaited), and returns it. */
export async function compareImages(api: StoreApi, a: string, b: string): Promise<DiffImagesResult> {
  const diff = await api.diffImages(a, b);
  const items: ChangeItem[] = [
    {
      label: `${diff.relation.replace(/-/g, ' ')}`,
      description: `pages: ${diff.pages.shared} shared, ${diff.pages.added} added, ${diff.pages.removed} dropped`,
      kind: vscode.QuickPickItemKind.Separator,
    },
    ...diff.layers.map((l) => ({ label: `$(layers) ${l.layer}`, description: `${short(l.from)} → ${short(l.to)}` })),
    ...diff.files.changed.map((c) => ({
      label: `$(diff) ${c.path}`,
      description: `${size(c.fromSize)} → ${size(c.toSize)}`,
      detail: `${c.from} → ${c.to}`,
      open: () => openFileDiff(c, a, b),
    })),
    ...diff.files.added.map((e) => ({
      label: `$(add) ${e.path}`,
      description: size(e.size),
      open: e.digest ? () => vscode.commands.executeCommand('processfork.openBlob', e.digest) : undefined,
    })),
    ...diff.files.removed.map((e) => ({
      label: `$(remove) ${e.path}`,
      description: size(e.size),
      open: e.digest ? () => vscode.commands.executeCommand('processfork.openBlob', e.digest) : undefined,
    })),
  ];
  void vscode.window
    .showQuickPick(items, {
      title: `Compare ${short(a)} → ${short(b)}: ${diff.files.changed.length} changed, ${diff.files.added.length} added, ${diff.files.removed.length} removed`,
      matchOnDescription: true,
    })
    .then((pick) => pick?.open?.());
  return diff;
}
