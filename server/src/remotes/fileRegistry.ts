// A file:// registry: one image in a folder (a USB drive, an NFS share), in pf's layout. Every object is opened
// as the store opens its blobs: never through a symlink (each folder on the way is checked too), never a pipe or
// a device, never more than the caller asked for. Writes go to a temp name in the same folder, are synced and
// checked for size, then renamed: a reader (or an interrupted push) never leaves half an object under its name.
import * as fsSync from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { InvalidInputError, NotRegularFileError, StoreError, ioError } from '../store/errors';
import { commitTempFile, writeFileDurably } from '../store/io/durableWrite';
import { FolderBatch, copyInto, syncFolder, tempName } from './folderBatch';
import { openRegular, readOpened } from '../store/io/safeOpen';
import type { ObjectRegistry } from './objectRegistry';

export class FileRegistry implements ObjectRegistry {
  readonly display: string;
  /** Folders checked for localPath, once per folder for this registry's life (one transfer). */
  private readonly checkedFolders = new Map<string, Promise<string | undefined>>();

  constructor(private readonly dir: string) {
    this.display = `file://${dir}`;
  }

  async read(key: string, maxBytes: number): Promise<Buffer | undefined> {
    const opened = await this.open(key);
    if (!opened) {
      return undefined;
    }
    try {
      return await readOpened(opened.handle, opened.info, opened.file, maxBytes);
    } finally {
      await opened.handle.close();
    }
  }

  async download(key: string, dest: string, maxBytes: number, signal?: AbortSignal): Promise<boolean> {
    const opened = await this.open(key);
    if (!opened) {
      return false;
    }
    const { handle, info, file } = opened;
    if (info.size > maxBytes) {
      await handle.close();
      throw ioError('refusing to read', file, new Error(`it is ${info.size} bytes, over the limit of ${maxBytes}`));
    }
    let seen = 0;
    // Bounded by the size the file had when opened: a file that grows while read is not taken.
    const bounded = new Transform({
      transform(chunk: Buffer, _enc, done) {
        seen += chunk.length;
        done(seen > info.size ? new Error(`it grew past ${info.size} bytes while being read`) : null, chunk);
      },
    });
    await pipeline(handle.createReadStream(), bounded, fsSync.createWriteStream(dest, { flags: 'wx' }), { signal });
    return true;
  }

  async size(key: string): Promise<number | undefined> {
    const opened = await this.open(key);
    if (!opened) {
      return undefined;
    }
    await opened.handle.close();
    return opened.info.size;
  }

  async write(key: string, bytes: Uint8Array): Promise<void> {
    const file = await this.folderFor(key);
    await writeFileDurably(tempName(file), file, bytes).catch((err) => {
      throw err instanceof StoreError ? err : ioError('cannot write', file, err);
    });
    await syncFolder(path.dirname(file)); // the name too: a manifest written is a manifest a power cut keeps
  }

  async upload(key: string, source: string, size: number, signal?: AbortSignal, until?: Promise<void>): Promise<void> {
    const file = await this.folderFor(key);
    const temp = tempName(file);
    const output = await fs.open(temp, 'wx');
    try {
      // The temp file's handle stays open for its fsync.
      await copyInto(output, source, size, signal);
      await until; // running beside the copy: the name is given only to checked bytes
      await commitTempFile(output, temp, file, size);
    } catch (err) {
      await output.close().catch(() => undefined);
      await fs.rm(temp, { force: true });
      throw err instanceof StoreError ? err : ioError('cannot write', file, err);
    }
    await syncFolder(path.dirname(file));
  }

  async localPath(key: string): Promise<string | undefined> {
    const parts = keyParts(key);
    const folderKey = parts.slice(0, -1).join('/');
    let dir = this.checkedFolders.get(folderKey);
    if (!dir) {
      dir = this.checkedFolder(parts.slice(0, -1), false);
      this.checkedFolders.set(folderKey, dir);
      dir.catch(() => this.checkedFolders.delete(folderKey)); // a failed check is made again, not remembered
    }
    const found = await dir;
    return found === undefined ? undefined : path.join(found, parts[parts.length - 1]);
  }

  /** Blobs of a push as one batch, made durable together (folderBatch.ts). */
  batch(): FolderBatch {
    return new FolderBatch((key) => this.folderFor(key), this.dir);
  }

  within(name: string): FileRegistry {
    return new FileRegistry(path.join(this.dir, keyParts(name).join(path.sep)));
  }

  async *folders(): AsyncIterable<string> {
    const dir = await this.checkedFolder([], false);
    if (dir === undefined) {
      throw new StoreError('not-found', `there is no folder ${this.dir}`);
    }
    let entries: fsSync.Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      throw ioError('cannot list', dir, err);
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isDirectory() && !e.name.startsWith('.')) {
        yield e.name; // symlinked folders are not followed (a Dirent of a link is not a directory)
      }
    }
  }

  /** Opens `key` read-only if every folder on the way and the object itself are what they seem. */
  private async open(key: string) {
    const parts = keyParts(key);
    const dir = await this.checkedFolder(parts.slice(0, -1), false);
    if (dir === undefined) {
      return undefined;
    }
    const file = path.join(dir, parts[parts.length - 1]);
    try {
      return { ...(await openRegular(file)), file };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return undefined;
      }
      if (err instanceof NotRegularFileError) {
        throw new StoreError('invalid-input', `refusing ${file}: it is ${err.what}, not a regular file`);
      }
      throw ioError('cannot read', file, err);
    }
  }

  /** The folder `key` goes in, made if missing; its final name, checked the same way. */
  private async folderFor(key: string): Promise<string> {
    const parts = keyParts(key);
    const dir = (await this.checkedFolder(parts.slice(0, -1), true))!;
    return path.join(dir, parts[parts.length - 1]);
  }

  /**
   * Walks from the location down `parts`, refusing a symlink or a non-folder anywhere on the way (a link
   * inside a shared folder could lead a pull's reads or a push's writes anywhere). Missing: undefined, or made.
   */
  private async checkedFolder(parts: string[], make: boolean): Promise<string | undefined> {
    let dir = this.dir;
    for (const part of ['', ...parts]) {
      dir = part === '' ? dir : path.join(dir, part);
      let info: fsSync.Stats | undefined;
      try {
        info = await fs.lstat(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
          throw ioError('cannot read', dir, err);
        }
      }
      if (!info) {
        if (!make) {
          return undefined;
        }
        // The location itself may be new, folders above it too (a first push to a fresh drive).
        await fs.mkdir(dir, { recursive: part === '' }).catch((err) => {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
            throw ioError('cannot create', dir, err);
          }
        });
        info = await fs.lstat(dir);
      }
      if (info.isSymbolicLink()) {
        throw new StoreError('invalid-input', `refusing ${dir}: it is a symbolic link inside the registry folder`);
      }
      if (!info.isDirectory()) {
        throw new StoreError('invalid-input', `refusing ${dir}: it is not a folder`);
      }
    }
    return dir;
  }
}

function keyParts(key: string): string[] {
  const parts = key.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\'))) {
    throw new InvalidInputError(`not a registry key: ${JSON.stringify(key)}`);
  }
  return parts;
}
