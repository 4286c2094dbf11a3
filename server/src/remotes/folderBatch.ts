// A folder registry's objects written as one batch and made durable together, the way git's batch fsync mode
// does it: every object is written to a temp name in its final folder; then all are fsynced with many syncs in
// flight (a journaling file system commits them together, where one after another each waits for its own
// commit); then each is checked for size and renamed to its name; then every folder that gained a name is
// fsynced once. Only after that does a push write its signature and manifest (each synced, with its folder), so
// a power cut at any point leaves either no manifest or a manifest whose every blob is whole under its name.
import type { Dirent } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { StoreError, ioError, throwIfAborted } from '../store/errors';
import { syncFolder, writeAll } from '../store/io/durableWrite';
import { commitStaged, removeStaged, type StagedFile } from '../store/io/stagedCommit';
import { openRegular } from '../store/io/safeOpen';
import type { ObjectBatch } from './objectRegistry';

export { syncFolder };

let tempCounter = 0;

/** A temp name beside `file`, hidden, naming this process: never a name a reader takes for an object. */
export function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.pfstore-${process.pid}-${Date.now()}-${++tempCounter}`);
}

/** Copies `size` bytes of `source` into the open `output`, refusing a file that is not that size. */
export async function copyInto(output: fs.FileHandle, source: string, size: number, signal?: AbortSignal) {
  const { handle: input } = await openRegular(source);
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    let at = 0;
    for (;;) {
      throwIfAborted(signal);
      const { bytesRead } = await input.read(chunk, 0, chunk.length, at);
      if (bytesRead === 0) {
        break;
      }
      await writeAll(output, chunk.subarray(0, bytesRead));
      at += bytesRead;
    }
    if (at !== size) {
      throw new StoreError('io', `${source} held ${at} bytes, not the ${size} expected`);
    }
  } finally {
    await input.close().catch(() => undefined);
  }
}

export class FolderBatch implements ObjectBatch {
  private staged: StagedFile[] = [];
  /** Each folder checked (no symlink on the way, made if missing) once per batch: 256 shards, not 1,000 walks. */
  private readonly folders = new Map<string, Promise<string>>();
  /** The regular files of each folder, listed once per batch (by key prefix). */
  private readonly listed = new Map<string, Promise<Set<string>>>();

  constructor(
    /** The checked final path of a key (its folders made, none a symlink). */
    private readonly placeFor: (key: string) => Promise<string>,
    /** A folder's entries ('a/b'), every folder on the way checked; undefined when it is missing. */
    private readonly listFolder: (folderKey: string) => Promise<Dirent[] | undefined>,
    /** The registry's own folder: folders are synced up to it. */
    private readonly root: string,
    /** Removes the folders made for this batch that are still empty (after an abort). */
    private readonly unmakeFolders: () => Promise<void> = async () => undefined,
  ) {}

  async has(key: string): Promise<boolean> {
    const folderKey = key.slice(0, key.lastIndexOf('/') + 1);
    let names = this.listed.get(folderKey);
    if (!names) {
      names = this.list(folderKey);
      this.listed.set(folderKey, names);
    }
    return (await names).has(key.slice(folderKey.length));
  }

  async write(key: string, bytes: Uint8Array): Promise<void> {
    await this.stage(key, bytes.length, (h) => writeAll(h, bytes));
  }

  async upload(key: string, source: string, size: number, signal?: AbortSignal): Promise<void> {
    await this.stage(key, size, (h) => copyInto(h, source, size, signal));
  }

  async commit(signal?: AbortSignal): Promise<void> {
    await commitStaged(this.staged, this.root, signal);
    this.staged = [];
  }

  async abort(): Promise<void> {
    const staged = this.staged;
    this.staged = [];
    await removeStaged(staged);
    await this.unmakeFolders();
  }

  /** A folder's regular files (no symlink, no folder counts as an object); nothing is made for a missing one. */
  private async list(folderKey: string): Promise<Set<string>> {
    const entries = await this.listFolder(folderKey.replace(/\/$/, ''));
    return new Set((entries ?? []).filter((e) => e.isFile()).map((e) => e.name));
  }

  /** The checked folder of keys under `folderKey` (no symlink on the way, made if missing), once per batch. */
  private folderOf(folderKey: string, key: string): Promise<string> {
    let folder = this.folders.get(folderKey);
    if (!folder) {
      folder = this.placeFor(key).then((file) => path.dirname(file));
      this.folders.set(folderKey, folder);
      folder.catch(() => this.folders.delete(folderKey)); // a failed check is made again, not remembered
    }
    return folder;
  }

  async place(key: string): Promise<{ temp: string; file: string }> {
    const folderKey = key.slice(0, key.lastIndexOf('/') + 1);
    const folder = this.folderOf(folderKey, key);
    const name = key.slice(folderKey.length);
    if (name === '' || name === '.' || name === '..' || name.includes('\\')) {
      throw new StoreError('invalid-input', `not a registry key: ${JSON.stringify(key)}`);
    }
    const file = path.join(await folder, name);
    return { temp: tempName(file), file };
  }

  stageWritten(place: { temp: string; file: string }): void {
    this.staged.push({ ...place });
  }

  private async stage(key: string, size: number, fill: (h: fs.FileHandle) => Promise<void>): Promise<void> {
    const { temp, file } = await this.place(key);
    const handle = await fs.open(temp, 'wx');
    try {
      await fill(handle);
    } catch (err) {
      await handle.close().catch(() => undefined);
      await fs.rm(temp, { force: true }); // a failed object leaves nothing, and the rest of the batch stands
      throw err instanceof StoreError ? err : ioError('cannot write', file, err);
    }
    const { size: written } = await handle.stat().catch(() => ({ size: -1 }));
    await handle.close();
    if (written !== size) {
      await fs.rm(temp, { force: true });
      throw ioError('refusing to store', file, new Error(`the temp file holds ${written} of ${size} bytes`));
    }
    this.staged.push({ temp, file });
  }
}
