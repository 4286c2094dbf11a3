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
  /** Folders found to be real folders, by key prefix ('' is the location): see checkedFolder. */
  private readonly knownFolders = new Map<string, Promise<boolean>>();
  /** Folders this registry made, in the order made: a push that fails removes those it left empty. */
  private made: string[] = [];

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
    const found = await this.checkedFolder(parts.slice(0, -1), false);
    return found === undefined ? undefined : path.join(found, parts[parts.length - 1]);
  }

  /** Blobs of a push as one batch, made durable together (folderBatch.ts). */
  batch(): FolderBatch {
    return new FolderBatch(
      (key) => this.folderFor(key),
      (folderKey) => this.listFolder(folderKey),
      this.dir,
      () => this.removeMadeFolders(),
    );
  }

  /** Removes the folders this registry made that are still empty, deepest first (a failed push leaves none). */
  private async removeMadeFolders(): Promise<void> {
    const made = this.made;
    this.made = [];
    this.knownFolders.clear();
    for (const dir of made.sort((a, b) => b.length - a.length)) {
      await fs.rmdir(dir).catch(() => undefined); // not empty (someone else's object), or gone: left as it is
    }
  }

  /** The entries of the folder at `folderKey` ('a/b'), checked as for reads; undefined when it is missing. */
  private async listFolder(folderKey: string): Promise<fsSync.Dirent[] | undefined> {
    const dir = await this.checkedFolder(keyParts(folderKey), false);
    if (dir === undefined) {
      return undefined;
    }
    try {
      return await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) {
        return undefined;
      }
      throw ioError('cannot list', dir, err);
    }
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
   * Each folder is checked once for this registry's life (one transfer): a push of 1,000 blobs walked the same
   * three folders above each shard 1,000 times.
   */
  private async checkedFolder(parts: string[], make: boolean): Promise<string | undefined> {
    let dir = this.dir;
    for (let depth = 0; depth <= parts.length; depth++) {
      if (depth > 0) {
        dir = path.join(dir, parts[depth - 1]);
      }
      const prefix = parts.slice(0, depth).join('/');
      let there = this.knownFolders.get(prefix);
      if (!there || (make && !(await there))) {
        const checking = this.checkOne(dir, depth === 0, make);
        this.knownFolders.set(prefix, checking);
        // Only a folder found (or made) is remembered: a missing one is looked for again, a failure too.
        const forget = () => this.knownFolders.get(prefix) === checking && this.knownFolders.delete(prefix);
        checking.then((found) => found || forget(), forget);
        there = checking;
      }
      if (!(await there)) {
        return undefined;
      }
    }
    return dir;
  }

  /** Whether `dir` is a real folder (made when missing and `make`); throws for a symlink or a non-folder. */
  private async checkOne(dir: string, isLocation: boolean, make: boolean): Promise<boolean> {
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
        return false;
      }
      try {
        // The location itself may be new, folders above it too (a first push to a fresh drive).
        const first = await fs.mkdir(dir, { recursive: isLocation });
        for (let made = dir; first !== undefined; made = path.dirname(made)) {
          this.made.push(made);
          if (made === first || path.dirname(made) === made) {
            break;
          }
        }
        if (!isLocation) {
          this.made.push(dir);
          return true; // made here, by this call: a real folder (a recursive mkdir also takes a link to one)
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw ioError('cannot create', dir, err);
        }
      }
      info = await fs.lstat(dir);
    }
    if (info.isSymbolicLink()) {
      throw new StoreError('invalid-input', `refusing ${dir}: it is a symbolic link inside the registry folder`);
    }
    if (!info.isDirectory()) {
      throw new StoreError('invalid-input', `refusing ${dir}: it is not a folder`);
    }
    return true;
  }
}

function keyParts(key: string): string[] {
  const parts = key.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\'))) {
    throw new InvalidInputError(`not a registry key: ${JSON.stringify(key)}`);
  }
  return parts;
}
