// Compare two images, as GitLens and DVC compare commits: "Select for Compare", then "Compare with Selected",
// or "Compare with Parent". The result is a quick pick of what changed; a changed file opens in VS Code's diff
// editor between its two blob versions (read-only blob documents), an added or removed one opens as a blob.
import * as vscode from 'vscode';
import { blobUri } from '../../../shared/blobUri';
import { formatBytes } from '../../../shared/format';
import type { ChangedFileInfo, DiffImagesResult } from '../../../shared/protocol';
import type { StoreApi } from '../storeApi';
import { LAYER_TITLES } from '../tree/layerLabels';

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

/** Asks the server for the diff, shows it as a quick pick (not awaited), and returns it. */
export async function compareImages(api: StoreApi, a: string, b: string): Promise<DiffImagesResult> {
  const diff = await api.diffImages(a, b);
  const snap = diff.snapshot;
  const conv = snap?.conversation;
  const calls = snap?.toolCalls;
  const layerOf = (name: string) => diff.layers.find((l) => l.layer === name);
  const openLayer = (name: string) => {
    const l = layerOf(name);
    return l?.from && l.to ? () => openLayerDiff(name, l.from!, l.to!, a, b) : undefined;
  };
  const items: ChangeItem[] = [
    ...(snap?.agent ?? []).map((c) => ({
      label: `$(person) ${c.field === 'name' ? 'Name' : c.field === 'kind' ? 'Agent' : 'Agent version'}`,
      description: `${c.from ?? 'none'} → ${c.to ?? 'none'}`,
    })),
    ...(conv && (conv.added > 0 || conv.changed > 0)
      ? [
          {
            label: '$(comment-discussion) Conversation',
            description: `${conv.added} message${conv.added === 1 ? '' : 's'} added after the first ${conv.commonPrefix}${conv.changed ? `, ${conv.changed} changed` : ''}`,
            detail: conv.firstAdded
              .slice(0, 3)
              .map((m) => `${m.role}: ${m.content.split('\n')[0]}`)
              .join('  ·  '),
            open: openLayer('trace.messages'),
          },
        ]
      : []),
    ...(calls && calls.to !== calls.from
      ? [
          {
            label: '$(tools) Tool calls',
            description: `${calls.from} → ${calls.to}`,
            detail: calls.firstAdded
              .slice(0, 5)
              .map((e) => `${e.tool ?? '?'}${e.sideEffectClass === 'irreversible' ? ' (irreversible)' : ''}`)
              .join(', '),
            open: openLayer('effects.ledger'),
          },
        ]
      : []),
    ...diff.layers
      .filter((l) => !(l.layer === 'trace.messages' && conv) && !(l.layer === 'effects.ledger' && calls))
      .map((l) => ({
        label: `$(layers) ${LAYER_TITLES[l.layer] ?? l.layer}`,
        description: `${l.layer}  ${short(l.from)} → ${short(l.to)}`,
        open: openLayer(l.layer),
      })),
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
    {
      label: `Cache pages: ${diff.pages.shared} shared, ${diff.pages.added} added, ${diff.pages.removed} dropped`,
      kind: vscode.QuickPickItemKind.Separator,
    },
  ];
  const relation = diff.relation
    .replace(/^a-is-ancestor-of-b$/, 'A is an ancestor of B')
    .replace(/^b-is-ancestor-of-a$/, 'B is an ancestor of A')
    .replace(/-/g, ' ');
  void vscode.window
    .showQuickPick(items, {
      title: `Compare ${short(a)} → ${short(b)} (${relation}): ${diff.layers.length} layer${diff.layers.length === 1 ? '' : 's'} and ${diff.files.changed.length} file${diff.files.changed.length === 1 ? '' : 's'} changed, ${diff.files.added.length} added, ${diff.files.removed.length} removed`,
      matchOnDescription: true,
    })
    .then((pick) => pick?.open?.());
  return diff;
}
