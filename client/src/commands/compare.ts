// Compare two images, as GitLens and DVC compare commits: "Select for Compare", then "Compare with Selected",
// "Compare with Parent", or "Compare Snapshots…" (the snapshot view's title bar, the palette), which remembers
// the first pick. The result is a quick pick of what changed, headed by each side's record verdict; a changed
// file opens in VS Code's diff editor between its two blob versions, the tool calls side by side in words.
import * as vscode from 'vscode';
import { blobUri } from '../../../shared/blobs/blobUri';
import { compareRows, compareTitle, type CompareRow } from '../../../shared/snapshots/compareText';
import type { ChangedFileInfo, DiffImagesResult } from '../../../shared/protocol';
import type { StoreApi } from '../connection/storeApi';
import { LAYER_TITLES } from '../tree/layerLabels';
import { shortDigest, shortHex } from '../../../shared/blobs/digest';
import { recordLine, toolCallText } from '../../../shared/snapshots/toolCallText';
import { shortTime } from '../../../shared/common/format';
import { reportUri } from '../documents/reports';

/** Calls listed on each side of a tool-call comparison (a page of the server's). */
const CALLS_SIDE_BY_SIDE = 1000;

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

interface SnapshotPick extends vscode.QuickPickItem {
  digest: string;
}

/** The catalog's snapshots as picks, `first` (a remembered or suggested one) on top. */
async function snapshotPicks(api: StoreApi, except: string | undefined, first?: { digest: string; why: string }) {
  const { images } = await api.images();
  const picks: SnapshotPick[] = images
    .filter((i) => i.digest.startsWith('sha256:') && i.digest !== except)
    .map((i) => ({
      label: i.name ?? shortDigest(i.digest),
      description: [i.agentKind, shortTime(i.createdAt)].filter(Boolean).join('  '),
      detail: i.digest,
      digest: i.digest,
    }));
  const top = first && picks.find((p) => p.digest === first.digest);
  return top ? [{ ...top, description: first!.why }, ...picks.filter((p) => p !== top)] : picks;
}

/**
 * Compare Snapshots…: the snapshot in front (a snapshot view) or one picked, then the one to compare it with
 * (its parent first). The first pick is kept as "selected for compare", so a mistake or an Escape at the
 * second step loses nothing: the next Compare starts from it.
 */
export async function compareSnapshots(
  api: StoreApi,
  inFront: string | undefined,
): Promise<DiffImagesResult | undefined> {
  let a = inFront;
  if (!a) {
    const remembered = selected ? { digest: selected, why: 'selected for compare' } : undefined;
    const pick = await vscode.window.showQuickPick(await snapshotPicks(api, undefined, remembered), {
      title: 'Compare Snapshots (1/2): which snapshot?',
      placeHolder: 'Type a snapshot name',
      matchOnDetail: true,
    });
    if (!pick) {
      return undefined;
    }
    a = pick.digest;
  }
  await selectForCompare(a);
  const { images } = await api.images();
  const parent = images.find((i) => i.digest === a)?.parents[0];
  const aName = images.find((i) => i.digest === a)?.name ?? shortDigest(a);
  const pick = await vscode.window.showQuickPick(
    await snapshotPicks(api, a, parent ? { digest: parent, why: 'its parent' } : undefined),
    {
      title: `Compare Snapshots (2/2): compare ${aName} with…`,
      placeHolder: 'Type a snapshot name',
      matchOnDetail: true,
    },
  );
  if (!pick) {
    return undefined; // the first pick stays selected for the next Compare
  }
  return compareImages(api, a, pick.digest);
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

/** The two records' calls side by side, in words (not their JSON Lines): each side headed by its verdict. */
export async function compareToolCalls(
  api: StoreApi,
  a: string,
  b: string,
  given?: { a?: string | null; b?: string | null },
): Promise<[vscode.Uri, vscode.Uri]> {
  const [left, right, catalog] = await Promise.all([
    api.toolCalls(a, 0, CALLS_SIDE_BY_SIDE),
    api.toolCalls(b, 0, CALLS_SIDE_BY_SIDE),
    given ? undefined : api.images().catch(() => undefined),
  ]);
  const nameOf = (digest: string) => catalog?.images.find((i) => i.digest === digest)?.name;
  const names = given ?? { a: nameOf(a), b: nameOf(b) };
  const [na, nb] = [names.a ?? shortDigest(a), names.b ?? shortDigest(b)];
  const uris: [vscode.Uri, vscode.Uri] = [
    reportUri(`${shortHex(a)}/Tool calls · ${na}.txt`, toolCallText(na, left)),
    reportUri(`${shortHex(b)}/Tool calls · ${nb}.txt`, toolCallText(nb, right)),
  ];
  await vscode.commands.executeCommand('vscode.diff', uris[0], uris[1], `Tool calls (${na} ↔ ${nb})`);
  return uris;
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
  api: StoreApi,
  names: { a?: string | null; b?: string | null },
): (() => Thenable<unknown>) | undefined {
  if (row.kind === 'agent') {
    return undefined;
  }
  if (row.kind === 'toolCalls') {
    return () => compareToolCalls(api, a, b, names);
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

/** A record the server could not read for us: said as unreadable, never as "no record". */
const unanswered = { unreadable: 'the server did not answer', missing: false };

/** Asks the server for the diff, shows it as a quick pick (not awaited), and returns it. */
export async function compareImages(api: StoreApi, a: string, b: string): Promise<DiffImagesResult> {
  // Each side's record is its ledger's verdict: two ledgers read (no entries kept), not every image checked.
  const [diff, catalog, left, right] = await Promise.all([
    api.diffImages(a, b),
    api.images().catch(() => undefined),
    api.toolCalls(a, 0, 0).catch(() => unanswered),
    api.toolCalls(b, 0, 0).catch(() => unanswered),
  ]);
  const nameOf = (digest: string) => catalog?.images.find((i) => i.digest === digest)?.name;
  const names = { a: nameOf(a), b: nameOf(b) };
  // Each side's record first: a comparison into an edited record says so before anything else.
  const records: ChangeItem[] = (
    [
      [a, left],
      [b, right],
    ] as const
  ).map(([image, record]) => {
    const verdict = record && 'verdict' in record ? record.verdict : undefined;
    const icon = verdict === 'bad' ? 'error' : verdict === 'ok' ? 'pass' : 'circle-outline';
    return {
      label: `$(${icon}) ${nameOf(image) ?? shortDigest(image)}: ${recordLine(record)}`,
      open: () => vscode.commands.executeCommand('processfork.openSnapshot', image),
    };
  });
  const items: ChangeItem[] = records.concat(
    compareRows(diff).map((row) => ({
      label: `$(${row.kind === 'file' ? FILE_ICONS[row.change] : ROW_ICONS[row.kind]}) ${row.label}`,
      description: row.description,
      detail: 'detail' in row ? row.detail : undefined,
      open: openerOf(row, diff, a, b, api, names),
    })),
  );
  void vscode.window
    .showQuickPick(items, {
      title: compareTitle(diff, names),
      placeHolder: items.length === records.length ? 'Nothing differs' : 'Choose a change to open it',
      matchOnDescription: true,
    })
    .then((pick) => pick?.open?.());
  return diff;
}
