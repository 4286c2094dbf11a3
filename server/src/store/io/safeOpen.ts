// Every file under the store is opened through here. A named pipe at a blob path would block a plain open
// (and, with a synchronous open, the whole server); a symlink could lead the reader out of the store. So:
// open non-blocking and without following a final symlink, then refuse anything but a regular file before
// reading a byte. Directories on the way are checked against the store root by `insideRoot`.
import * as fsSync from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { NotRegularFileError, ioError } from '../errors';

// O_NOFOLLOW and O_NONBLOCK do not exist on Windows, where FIFOs and symlinks do not appear in a store.
const { O_RDONLY, O_NOFOLLOW = 0, O_NONBLOCK = 0 } = fsSync.constants;
export const SAFE_READ_FLAGS = O_RDONLY | O_NOFOLLOW | O_NONBLOCK;

/** What a non-regular file is, in words a user can act on. */
export function fileTypeOf(info: fsSync.Stats): string {
  if (info.isFIFO()) {
    return 'a named pipe (FIFO)';
  }
  if (info.isSocket()) {
    return 'a socket';
  }
  if (info.isCharacterDevice() || info.isBlockDevice()) {
    return 'a device';
  }
  if (info.isDirectory()) {
    return 'a directory';
  }
  if (info.isSymbolicLink()) {
    return 'a symbolic link';
  }
  return 'not a regular file';
}

function refuseSymlinkError(file: string, err: unknown): never {
  // O_NOFOLLOW on a symlink fails with ELOOP (EMLINK on some BSDs): say what it is instead.
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ELOOP' || code === 'EMLINK') {
    throw new NotRegularFileError(file, 'a symbolic link');
  }
  // A socket cannot be opened at all (ENXIO): it is still a blob file that is not a file, not an I/O failure.
  if (code === 'ENXIO') {
    const info = fsSync.lstatSync(file, { throwIfNoEntry: false });
    if (info && !info.isFile()) {
      throw new NotRegularFileError(file, fileTypeOf(info));
    }
  }
  throw err;
}

/** Opens `file` for reading only if it is a regular file; the caller closes the fd. ENOENT passes through. */
export function openRegularSync(file: string): { fd: number; info: fsSync.Stats } {
  let fd: number;
  try {
    fd = fsSync.openSync(file, SAFE_READ_FLAGS);
  } catch (err) {
    refuseSymlinkError(file, err);
  }
  let info: fsSync.Stats;
  try {
    info = fsSync.fstatSync(fd);
  } catch (err) {
    fsSync.closeSync(fd);
    throw err;
  }
  if (!info.isFile()) {
    fsSync.closeSync(fd);
    throw new NotRegularFileError(file, fileTypeOf(info));
  }
  return { fd, info };
}

/** The async twin of openRegularSync. */
export async function openRegular(file: string): Promise<{ handle: fs.FileHandle; info: fsSync.Stats }> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, SAFE_READ_FLAGS);
  } catch (err) {
    refuseSymlinkError(file, err);
  }
  const info = await handle.stat().catch(async (err) => {
    await handle.close();
    throw err;
  });
  if (!info.isFile()) {
    await handle.close();
    throw new NotRegularFileError(file, fileTypeOf(info));
  }
  return { handle, info };
}

/**
 * Reads a whole regular file of at most `maxBytes` (catalog manifests, registry config files): never a pipe,
 * never through a final symlink, never more than the caller can hold.
 */
export async function readRegularFile(file: string, maxBytes: number): Promise<Buffer> {
  const { handle, info } = await openRegular(file);
  try {
    return await readOpened(handle, info, file, maxBytes);
  } finally {
    await handle.close();
  }
}

/** Reads a regular file opened by openRegular whole, refusing one over `maxBytes`; the caller closes it. */
export async function readOpened(
  handle: fs.FileHandle,
  info: fsSync.Stats,
  file: string,
  maxBytes: number,
): Promise<Buffer> {
  if (info.size > maxBytes) {
    throw ioError('refusing to read', file, new Error(`it is ${info.size} bytes, over the limit of ${maxBytes}`));
  }
  const buf = Buffer.alloc(info.size);
  let at = 0;
  while (at < buf.length) {
    const { bytesRead } = await handle.read(buf, at, buf.length - at, at);
    if (bytesRead === 0) {
      break;
    }
    at += bytesRead;
  }
  return buf.subarray(0, at);
}

/** True when `dir` (which must exist) resolves to the store root or a folder inside it. */
export async function insideRoot(root: string, dir: string): Promise<boolean> {
  const [realRoot, realDir] = await Promise.all([fs.realpath(root), fs.realpath(dir)]);
  const rel = path.relative(realRoot, realDir);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

// The root's real path, remembered for the last root asked about: verify-all checks every blob's shard, and
// the root does not move under a running store (if it did, shards would resolve outside it: refused, safe).
let lastRoot: { root: string; real: string } | undefined;

/** The synchronous twin of insideRoot, for the hover path and the workers. */
export function insideRootSync(root: string, dir: string): boolean {
  if (lastRoot?.root !== root) {
    lastRoot = { root, real: fsSync.realpathSync.native(root) };
  }
  const rel = path.relative(lastRoot.real, fsSync.realpathSync.native(dir));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
