// A folder registry's objects written as one batch and made durable together, the way git's batch fsync mode
// does it: every object is written to a temp name in its final folder; then all are fsynced with many syncs in
// flight (a journaling file system commits them together, where one after another each waits for its own
// commit); then each is checked for size and renamed to its name; then every folder that gained a name is
// fsynced once. Only after that does a push write its signature and manifest (each synced, with its folder), so
// a power cut at any point leaves either no manifest or a manifest whose every blob is whole under its name.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { forEachInFlight } from '../../../shared/common/inFlight';
import { StoreError, ioError, throwIfAborted } from '../store/errors';
import { renameOver, syncFolder, writeAll } from '../store/io/durableWrite';
import { openRegular } from '../store/io/safeOpen';
import type { ObjectBatch } from './objectRegistry';

export { syncFolder };

/** fsyncs in flight at once: enough for the journal to take them in one commit, few enough for open files. */
const SYNCS_IN_FLIGHT = 64;

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
  private staged: Array<{ temp: string; file: string; size: number }> = [];
  /** Each folder checked (no symlink on the way, made if missing) once per batch: 256 shards, not 1,000 walks. */
  private readonly folders = new Map<string, Promise<string>>();
  /** The regular files of each folder, listed once per batch (by key prefix). */
  private readonly listed = new Map<string, Promise<Set<string>>>();

  constructor(
    /** The checked final path of a key (its folders made, none a symlink). */
    private readonly placeFor: (key: string) => Promise<string>,
    /** The registry's own folder: folders are synced up to it. */
    private readonly root: string,
  ) {}

  async has(key: string): Promise<boolean> {
    const folderKey = key.slice(0, key.lastIndexOf('/') + 1);
    let names = this.listed.get(folderKey);
    if (!names) {
      names = this.list(folderKey, key);
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
    const staged = this.staged;
    await forEachInFlight(
      staged,
      SYNCS_IN_FLIGHT,
      async (s) => {
        const handle = await fs.open(s.temp, 'r+');
        try {
          await handle.sync();
          const { size } = await handle.stat();
          if (size !== s.size) {
            throw ioError('refusing to store', s.file, new Error(`the temp file holds ${size} of ${s.size} bytes`));
          }
        } finally {
          await handle.close();
        }
      },
      signal,
    );
    throwIfAborted(signal);
    await forEachInFlight(staged, SYNCS_IN_FLIGHT, (s) => renameOver(s.temp, s.file), signal);
    const folders = new Set<string>();
    for (const s of staged) {
      // The folder that gained the name, and those above it up to the registry (a shard folder may be new).
      for (let dir = path.dirname(s.file); ; dir = path.dirname(dir)) {
        folders.add(dir);
        if (dir === this.root || !dir.startsWith(this.root + path.sep)) {
          break;
        }
      }
    }
    this.staged = [];
    // Deepest first: a new folder's own entries are durable before its name in its parent.
    const order = [...folders].sort((a, b) => b.length - a.length);
    await forEachInFlight(order, SYNCS_IN_FLIGHT, syncFolder);
  }

  async abort(): Promise<void> {
    const staged = this.staged;
    this.staged = [];
    await Promise.all(staged.map((s) => fs.rm(s.temp, { force: true })));
  }

  /** A folder's regular files (no symlink, no folder counts as an object), the folder checked as for writes. */
  private async list(folderKey: string, key: string): Promise<Set<string>> {
    const dir = await this.folderOf(folderKey, key);
    try {
      const entries = await fs.readdir(dir, { withFileTypes: true });
      return new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
    } catch (err) {
      if (['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) {
        return new Set();
      }
      throw ioError('cannot list', dir, err);
    }
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

  private async stage(key: string, size: number, fill: (h: fs.FileHandle) => Promise<void>): Promise<void> {
    const folderKey = key.slice(0, key.lastIndexOf('/') + 1);
    const folder = this.folderOf(folderKey, key);
    const name = key.slice(folderKey.length);
    if (name === '' || name === '.' || name === '..' || name.includes('\\')) {
      throw new StoreError('invalid-input', `not a registry key: ${JSON.stringify(key)}`);
    }
    const file = path.join(await folder, name);
    const temp = tempName(file);
    const handle = await fs.open(temp, 'wx');
    try {
      await fill(handle);
    } catch (err) {
      await handle.close().catch(() => undefined);
      await fs.rm(temp, { force: true }); // a failed object leaves nothing, and the rest of the batch stands
      throw err instanceof StoreError ? err : ioError('cannot write', file, err);
    }
    await handle.close();
    this.staged.push({ temp, file, size });
  }
}
