// Compare two images, as GitLens and DVC compare commits: "Select for Compare", then "Compare with Selected",
// or "Compare with Parent". The result is a quick pick of what changed; a changed file opens in VS Code's diff
// editor between its two blob versions (read-only blob documents), an added or removed one opens as a blob.
import * as vscode from 'vscode';
import { blobUri } from '../../../shared/blobs/blobUri';
import { compareRows, compareTitle, type CompareRow } from '../../../shared/snapshots/compareText';
import type { ChangedFileInfo, DiffImagesResult } from '../../../shared/protocol';
import type { StoreApi } from '../connection/storeApi';
import { LAYER_TITLES } from '../tree/layerLabels';
import { shortHex } from '../../../shared/blobs/digest';

const SELECTED_CONTEXT = 'processfork:compareSelected';
let selected: string | undefined;

const short = (digest: string | null) => (digest ? shortHex(digest) : 'none');

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
  open?: () => Thenable<unknown>;
}

/** Opens VS Code's diff editor between the two blobs of a changed layer (a trace or a ledger reads line by line). */
function openLayerDiff(layer: string, from: string, to: string, a: string, b: string): Thenable<unknown> {
  return vscode.commands.executeCommand(
    'vscode.diff',
    vscode.Uri.parse(blobUri(from.slice(7))),
    vscode.Uri.parse(blobUri(to.slice(7))),
    `${LAYER_TITLES[layer] ?? layer} (${short(a)} ↔ ${short(b)})`,
  );
}

const ROW_ICONS: Record<CompareRow['kind'], string> = {
  agent: 'person',
  conversation: 'comment-discussion',
  toolCalls: 'tools',
  layer: 'layers',
  file: 'diff',
};
const FILE_ICONS = { changed: 'diff', added: 'add', removed: 'remove' } as const;

/** What choosing a row opens: a layer or file diff, or the added or removed file. */
function openerOf(
  row: CompareRow,
  diff: DiffImagesResult,
  a: string,
  b: string,
): (() => Thenable<unknown>) | undefined {
  if (row.kind === 'agent') {
    return undefined;
  }
  if (row.kind !== 'file') {
    const l = diff.layers.find((x) => x.layer === row.layer);
    return l?.from && l.to ? () => openLayerDiff(row.layer, l.from!, l.to!, a, b) : undefined;
  }
  if (row.change === 'changed') {
    const c = diff.files.changed[row.index];
    return () => openFileDiff(c, a, b);
  }
  const e = diff.files[row.change][row.index];
  return e.digest ? () => vscode.commands.executeCommand('processfork.openBlob', e.digest) : undefined;
}

/** Asks the server for the diff, shows it as a quick pick (not awaited), and returns it. */
export async function compareImages(api: StoreApi, a: string, b: string): Promise<DiffImagesResult> {
  const [diff, catalog] = await Promise.all([api.diffImages(a, b), api.images().catch(() => undefined)]);
  const nameOf = (digest: string) => catalog?.images.find((i) => i.digest === digest)?.name;
  const items: ChangeItem[] = compareRows(diff).map((row) => ({
    label: `$(${row.kind === 'file' ? FILE_ICONS[row.change] : ROW_ICONS[row.kind]}) ${row.label}`,
    description: row.description,
    detail: 'detail' in row ? row.detail : undefined,
    open: openerOf(row, diff, a, b),
  }));
  void vscode.window
    .showQuickPick(items, {
      title: compareTitle(diff, { a: nameOf(a), b: nameOf(b) }),
      placeHolder: items.length === 0 ? 'Nothing differs' : 'Choose a change to open it',
      matchOnDescription: true,
    })
    .then((pick) => pick?.open?.());
  return diff;
}
