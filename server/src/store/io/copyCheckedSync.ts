// A small blob file copied with its check on the way, synchronously (worker threads only): read whole,
// decoded and re-hashed against its digest, then written to a fresh name that nothing else can hold. Pulls
// and pushes of many small blobs send these in batches: one worker message per batch, a few system calls per
// blob, where the same through the event loop took a dozen thread-pool round trips per blob. Nothing is
// synced here: the caller makes the whole batch durable together before any copy gets its final name.
import * as fs from 'node:fs';
import { writeAllSync } from './durableWrite';
import { decodeBytesSync } from './decodeSync';
import { openRegularSync } from './safeOpen';

/** The stored file is over the batch's bound: the caller streams it instead (a blob of many GiB never sits here). */
export class TooLargeToCopy extends Error {
  constructor(readonly storedBytes: number) {
    super(`the stored file is ${storedBytes} bytes, over what a batch copies whole`);
  }
}

// One read buffer per thread, grown to the largest file copied so far (at most the batch's bound).
let readBuffer = Buffer.allocUnsafe(64 << 10);

/**
 * Copies `from` to the new file `to` when `from` decodes to `hex`; returns its stored and decoded sizes. ENOENT on `from`
 * passes through (the caller says the object is absent); a damaged file throws DecodeFailure and leaves no
 * `to`. `from` is opened as every stored file is (never a pipe, never through a final symlink); `to` is
 * created exclusively, so a name already there (a link planted at a temp name) is never written through.
 */
export function copyCheckedSync(
  from: string,
  to: string,
  hex: string,
  maxStored: number,
  maxBytes: number,
): { storedBytes: number; decodedBytes: number } {
  const { fd, info } = openRegularSync(from);
  let size = 0;
  try {
    if (info.size > maxStored) {
      throw new TooLargeToCopy(info.size);
    }
    if (readBuffer.length < info.size) {
      readBuffer = Buffer.allocUnsafe(info.size);
    }
    // Up to the size it had when opened: a file that grows meanwhile is cut there, and the hash decides.
    while (size < info.size) {
      const n = fs.readSync(fd, readBuffer, size, info.size - size, size);
      if (n === 0) {
        break;
      }
      size += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  const bytes = readBuffer.subarray(0, size);
  const decodedBytes = decodeBytesSync(bytes, hex, maxBytes);
  const out = fs.openSync(to, 'wx');
  try {
    writeAllSync(out, bytes);
    if (fs.fstatSync(out).size !== size) {
      throw Object.assign(new Error(`wrote ${fs.fstatSync(out).size} of ${size} bytes`), { code: 'EIO' });
    }
  } catch (err) {
    fs.closeSync(out);
    fs.rmSync(to, { force: true });
    throw err;
  }
  fs.closeSync(out);
  return { storedBytes: size, decodedBytes };
}
