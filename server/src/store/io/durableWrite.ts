// The one way the store writes a file: every byte checked as written (a write may be short on a nearly full
// disk; only the next one reports ENOSPC), the length on disk checked against what was meant, fsync, and
// only then a rename over the final name. A failure leaves nothing under the final name.
import * as fsSync from 'node:fs';
import * as fs from 'node:fs/promises';
import { ioError } from '../errors';

/** Writes all of `data` at the handle's position, looping over short writes; a write of 0 bytes is an error. */
export async function writeAll(handle: fs.FileHandle, data: Uint8Array): Promise<void> {
  for (let at = 0; at < data.length;) {
    const { bytesWritten } = await handle.write(data, at, data.length - at);
    if (bytesWritten <= 0) {
      throw Object.assign(new Error('the write made no progress'), { code: 'EIO' });
    }
    at += bytesWritten;
  }
}

/** The synchronous twin of writeAll, for worker threads. */
export function writeAllSync(fd: number, data: Uint8Array): void {
  for (let at = 0; at < data.length;) {
    const n = fsSync.writeSync(fd, data, at, data.length - at);
    if (n <= 0) {
      throw Object.assign(new Error('the write made no progress'), { code: 'EIO' });
    }
    at += n;
  }
}

/**
 * Makes a fully written temp file durable and visible: fsync, check that the file holds exactly
 * `expectedBytes`, close, rename to `final`. The caller removes the temp file if this throws.
 */
export async function commitTempFile(
  handle: fs.FileHandle,
  temp: string,
  final: string,
  expectedBytes: number,
): Promise<void> {
  await handle.sync();
  const { size } = await handle.stat();
  if (size !== expectedBytes) {
    throw ioError('refusing to store', final, new Error(`the temp file holds ${size} of ${expectedBytes} bytes`));
  }
  await handle.close();
  await renameOver(temp, final);
}

/** On Windows a reader holding the target open, or a virus scanner, fails a rename for a moment. */
const TRANSIENT_RENAME = process.platform === 'win32' ? ['EPERM', 'EACCES', 'EBUSY'] : [];

/**
 * Renames `temp` over `final` (an existing blob is replaced whole, never half). POSIX rename is atomic and
 * replaces; Windows' (MoveFileEx with replace) can fail transiently while another process has the target
 * open: retried a few times over about a second, as graceful-fs does, then the error stands.
 */
export async function renameOver(
  temp: string,
  final: string,
  opts: { rename?: (a: string, b: string) => Promise<void>; transient?: string[]; delays?: number[] } = {},
): Promise<void> {
  const rename = opts.rename ?? fs.rename;
  const transient = opts.transient ?? TRANSIENT_RENAME;
  const delays = opts.delays ?? [10, 20, 40, 80, 160, 320, 640];
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(temp, final);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (!transient.includes(code) || attempt >= delays.length) {
        throw err;
      }
      await new Promise((r) => setTimeout(r, delays[attempt]));
    }
  }
}

/** Writes a small file whole (a catalog manifest) with the same discipline, through `temp`. */
export async function writeFileDurably(temp: string, final: string, content: Uint8Array): Promise<void> {
  const handle = await fs.open(temp, 'wx');
  try {
    await writeAll(handle, content);
    await commitTempFile(handle, temp, final, content.length);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.rm(temp, { force: true });
    throw err;
  }
}

/** fsync of a folder, so the names renamed into it survive a power cut (where the platform can open one). */
export async function syncFolder(dir: string): Promise<void> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(dir, 'r');
  } catch (err) {
    if (['EISDIR', 'EPERM', 'EACCES'].includes((err as NodeJS.ErrnoException).code ?? '')) {
      return; // Windows opens no folder: its renames are durable as the file system makes them
    }
    throw ioError('cannot sync', dir, err);
  }
  try {
    await handle.sync();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EINVAL') {
      throw ioError('cannot sync', dir, err);
    }
  } finally {
    await handle.close();
  }
}
