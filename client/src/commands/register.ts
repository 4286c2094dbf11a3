// Every command of the extension, wired to the store API. Tree-item commands get the node they were
// invoked on; palette commands fall back to the active editor or ask.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { plural } from '../../../shared/common/format';
import { parseDigest, shardOf, shortDigest, shortHex } from '../../../shared/blobs/digest';
import type { ChangedFileInfo } from '../../../shared/protocol';
import type { KnownProblems } from '../problems/knownProblems';
import type { VerifyProblems } from '../problems/verifyProblems';
import type { StoreApi } from '../connection/storeApi';
import type { StoreNode } from '../tree/nodes';
import { digestOf, tabTitleOf } from '../tree/nodes';
import type { StoreTree } from '../tree/storeTree';
import { saveStorePath } from '../settings/settings';
import { openBlob, saveBlobAs } from './openBlob';
import { putFile } from './putFile';
import { putBlobAgain, removeBadBlob, showStoredBytes } from './badBlob';
import { putMissingFromFolder } from './putMissing';
import { addRegistryCommand, fetchFromRemote, pullImage, pushImage, setRemoteCredentials } from './registry';
import { imageFolderUri } from '../documents/imageFileSystem';
import {
  compareSnapshots,
  compareToolCalls,
  compareWithParent,
  compareWithSelected,
  openFileDiff,
  selectForCompare,
} from './compare';
import { removeUnreferenced, showStats, showUnreferenced } from './graph';
import { resolveDigest } from './resolveDigest';
import { runVerify } from './verify';

export interface CommandDeps {
  api: () => StoreApi | undefined;
  secrets: vscode.SecretStorage;
  /** Restarts the server (it reads registry credentials from its environment at start). */
  restartServer: () => Promise<void>;
  /** Starts the server if nothing has needed it yet (a command is a need). */
  ensureStarted: () => Promise<void>;
  tree: StoreTree;
  problems: KnownProblems;
  verifyPanel: VerifyProblems;
  storePath: () => string | undefined;
  /** The snapshot of the snapshot view in front, if one is (commands from its title bar act on it). */
  snapshotInFront: () => string | undefined;
  /** Selects and focuses a row in the visible store view. */
  reveal: (node: StoreNode) => Promise<void>;
}

/** The image of a tree node (commands on image rows). */
function imageOf(arg: unknown): { digest: string; parents: string[] } {
  const node = arg as StoreNode | undefined;
  if (node?.kind !== 'image' || !node.image.digest.startsWith('sha256:')) {
    throw new Error('choose an image in the ProcessFork Store view');
  }
  return { digest: node.image.digest, parents: node.image.parents };
}

/** A digest from a tree node, a string argument, or the word under the cursor in the active editor. */
function digestFrom(arg: unknown): string | undefined {
  if (typeof arg === 'string') {
    return parseDigest(arg) && arg;
  }
  const fromNode = digestOf(arg as StoreNode | undefined);
  if (fromNode) {
    return fromNode;
  }
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    return undefined;
  }
  const range = editor.document.getWordRangeAtPosition(editor.selection.active, /sha256:[0-9a-f]{64}/);
  return range ? editor.document.getText(range) : undefined;
}

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const api = (): StoreApi => {
    const a = deps.api();
    if (!a) {
      throw new Error('the store server is not running yet');
    }
    return a;
  };
  const command = (id: string, fn: (...args: unknown[]) => unknown) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        await deps.ensureStarted();
        return await fn(...args);
      } catch (err) {
        void vscode.window.showErrorMessage(`ProcessFork: ${(err as Error).message}`);
        return undefined;
      }
    });
  return [
    command('processfork.refresh', () => deps.tree.refresh()),
    command('processfork.loadMore', async (node) => {
      // Enter on "Show more…" loads the rows and keeps the keyboard on the first new one (not at the top).
      const first = await deps.tree.loadMore((node as { shard: string }).shard);
      if (first) {
        await deps.reveal(first);
      }
      return first;
    }),
    command('processfork.openBlob', async (arg, title) => {
      const digest = digestFrom(arg) ?? (await resolveDigest(api()));
      return digest
        ? openBlob(api(), digest, typeof title === 'string' ? title : tabTitleOf(arg as StoreNode | undefined))
        : undefined;
    }),
    command('processfork.resolveDigest', async (initial) => {
      const digest = await resolveDigest(api(), typeof initial === 'string' ? initial : '');
      if (digest) {
        await openBlob(api(), digest);
      }
      return digest;
    }),
    command('processfork.putFile', (uri) => putFile(api(), uri)),
    command('processfork.putActiveFile', () => putFile(api())),
    command('processfork.copyDigest', async (arg) => {
      const digest = digestFrom(arg);
      if (!digest) {
        throw new Error('no digest here to copy');
      }
      await vscode.env.clipboard.writeText(digest);
      vscode.window.setStatusBarMessage(`Copied ${digest}`, 3000);
      return digest;
    }),
    command('processfork.verifyStore', () =>
      runVerify(api(), deps.problems, { kind: 'store' }, 'Verifying the ProcessFork store', deps.verifyPanel),
    ),
    command('processfork.verifyItem', (arg) => {
      const node = arg as StoreNode | undefined;
      const digest = digestFrom(arg);
      if (!digest) {
        throw new Error('nothing to verify here');
      }
      const target =
        node?.kind === 'image' ? ({ kind: 'image', digest } as const) : ({ kind: 'blob', digest } as const);
      return runVerify(api(), deps.problems, target, `Verifying ${shortDigest(digest)}`, deps.verifyPanel);
    }),
    command('processfork.revealInOS', async (arg) => {
      const digest = digestFrom(arg);
      const root = deps.storePath();
      if (!digest || !root) {
        return;
      }
      const hex = digest.slice(7);
      await vscode.commands.executeCommand(
        'revealFileInOS',
        vscode.Uri.file(path.join(root, 'blobs', 'sha256', shardOf(hex), `${hex}.zst`)),
      );
    }),
    command('processfork.openStoreFolder', async () => {
      const root = deps.storePath();
      if (root) {
        await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(root));
      }
    }),
    command('processfork.chooseStore', async (given?: unknown) => {
      const folder =
        typeof given === 'string'
          ? given
          : (
              await vscode.window.showOpenDialog({
                canSelectFolders: true,
                canSelectFiles: false,
                openLabel: 'Use as ProcessFork Store',
              })
            )?.[0]?.fsPath;
      if (!folder) {
        return undefined;
      }
      const inWorkspace = (await saveStorePath(folder)) === 'workspace';
      void vscode.window.showInformationMessage(
        `ProcessFork store: ${folder} (saved in ${inWorkspace ? "this workspace's settings, where it was set" : 'your user settings'}).`,
      );
      return folder;
    }),
    command('processfork.putMissingFromFolder', (arg) => {
      const node = arg as StoreNode | undefined;
      const image = node?.kind === 'image' ? node.image.digest : node?.kind === 'reference' ? node.image : undefined;
      if (!image) {
        throw new Error('choose an image in the ProcessFork Store view');
      }
      return putMissingFromFolder(api(), deps.problems, image);
    }),
    command('processfork.pushImage', (arg, remote?: unknown, tag?: unknown) => {
      const node = arg as StoreNode | undefined;
      const image = node?.kind === 'image' ? node.image.digest : typeof arg === 'string' ? arg : undefined;
      if (!image) {
        throw new Error('choose an image in the ProcessFork Store view');
      }
      return pushImage(api(), image, {
        remote: typeof remote === 'string' ? remote : undefined,
        tag: typeof tag === 'string' ? tag : undefined,
      });
    }),
    command('processfork.pullImage', (arg) => {
      const node = arg as StoreNode | undefined;
      return pullImage(
        api(),
        node?.kind === 'remoteImage'
          ? (node.entry.location ?? `${node.remote}:${node.entry.tag}`)
          : typeof arg === 'string'
            ? arg
            : undefined,
      );
    }),
    command('processfork.fetchFromRemote', (digest, remote) => fetchFromRemote(api(), String(digest), String(remote))),
    command('processfork.putBlobAgain', (digest, file) =>
      putBlobAgain(api(), String(digest), file instanceof vscode.Uri ? file : undefined),
    ),
    command('processfork.removeBadBlob', (digest, confirmed) =>
      removeBadBlob(api(), String(digest), confirmed === true),
    ),
    command('processfork.showStoredBytes', (digest) => showStoredBytes(api(), String(digest))),
    command('processfork.addRegistry', (given) => addRegistryCommand(typeof given === 'string' ? given : undefined)),
    command('processfork.setRemoteCredentials', async (remote?: unknown, credential?: unknown) => {
      if (await setRemoteCredentials(deps.secrets, remote, credential)) {
        await deps.restartServer();
      }
    }),
    command('processfork.selectForCompare', (arg) => selectForCompare(imageOf(arg).digest)),
    command('processfork.compareWithSelected', (arg) => compareWithSelected(api(), imageOf(arg).digest)),
    command('processfork.compareSnapshots', (arg) =>
      compareSnapshots(
        api(),
        typeof arg === 'string'
          ? arg
          : (arg as StoreNode | undefined)?.kind === 'image'
            ? imageOf(arg).digest
            : deps.snapshotInFront(),
      ),
    ),
    command('processfork.compareToolCalls', (a, b) => compareToolCalls(api(), String(a), String(b))),
    command('processfork.compareWithParent', (arg) => {
      const image = imageOf(arg);
      return compareWithParent(api(), image.digest, image.parents);
    }),
    command('processfork.openFileDiff', (change, a, b) =>
      openFileDiff(change as ChangedFileInfo, String(a), String(b)),
    ),
    command('processfork.openImageFiles', (arg) => {
      // A read-only workspace folder of the image's files: Explorer, Quick Open and search work on it.
      const image = imageOf(arg).digest;
      const uri = imageFolderUri(image);
      const at = vscode.workspace.workspaceFolders?.length ?? 0;
      vscode.workspace.updateWorkspaceFolders(at, 0, { uri, name: `image ${shortHex(image)}` });
      return uri.toString();
    }),
    command('processfork.saveBlobAs', async (arg, target) => {
      const digest = digestFrom(arg) ?? (await resolveDigest(api()));
      return digest ? saveBlobAs(api(), digest, target instanceof vscode.Uri ? target : undefined) : undefined;
    }),
    command('processfork.showUnreferenced', () => showUnreferenced(api())),
    command('processfork.removeUnreferenced', () => removeUnreferenced(api())),
    command('processfork.showStats', () => showStats(api())),
    command('processfork.gc', async () => {
      const dry = await api().gc({ dryRun: true });
      if (dry.removed.length === 0) {
        void vscode.window.showInformationMessage('No stale temp files in the store.');
        return dry;
      }
      const go = await vscode.window.showWarningMessage(
        `Remove ${plural(dry.removed.length, 'temp file')} left by writers that are gone?`,
        { modal: true },
        'Remove',
      );
      if (go !== 'Remove') {
        return dry;
      }
      const done = await api().gc({});
      const kept =
        done.kept.length > 0 ? `; ${plural(done.kept.length, 'younger one')} kept, a writer may still own them` : '';
      void vscode.window.showInformationMessage(`Removed ${plural(done.removed.length, 'stale temp file')}${kept}.`);
      return done;
    }),
  ];
}
