// What the server knows about each blob, cached against the file's size and mtime: a repaired or replaced
// blob file has a new mtime, so its old verdict stops applying by itself, even if a watcher event was lost.
import * as fsSync from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { ContentKind, VerifyRecord } from '../../../shared/protocol';
import { blobPath } from '../store/blobs/blobPaths';
import { NotRegularFileError, ioError } from '../store/errors';
import { insideRootSync, openRegularSync } from '../store/io/safeOpen';
import type { FsBlobStore } from '../store/blobs/fsBlobStore';
import { COMPRESSED_PEEK, decodePrefix, sniffContent } from './contentSniff';
import { declaredDecodedSize } from '../store/io/zstdFrame';

interface FileKey {
  size: number;
  mtimeMs: number;
  /** For the decoded sizes kept across restarts (absent for what is not a regular file). */
  ino?: number;
}

interface Facts extends FileKey {
  decodedBytes?: number;
  contentKind?: ContentKind;
  verified?: VerifyRecord;
}

export interface BlobFactsView extends FileKey {
  hex: string;
  decodedBytes?: number;
  contentKind?: ContentKind;
  verified?: VerifyRecord;
}

export class BlobFacts {
  private readonly facts = new Map<string, Facts>();

  constructor(private readonly store: FsBlobStore) {}

  /**
   * Current facts; undefined when the blob is missing. One open per file version: the first 64 KiB serve both
   * the frame-header walk (all of it, for most blobs) and the content sniff.
   *
   * The open, stat and first read are synchronous on purpose: they take tens of microseconds, while the async
   * versions wait in libuv's four-thread pool behind whatever background verify is reading, which is what
   * made hover p99 slip past 5 ms. Only a blob too big for one peek walks its remaining frames asynchronously.
   */
  async get(hex: string): Promise<BlobFactsView | undefined> {
    const file = blobPath(this.store.root, hex);
    let fd: number;
    let info: fsSync.Stats;
    try {
      if (!insideRootSync(this.store.root, path.dirname(file))) {
        throw new NotRegularFileError(file, 'reached through a symbolic link that leaves the store');
      }
      ({ fd, info } = openRegularSync(file));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        this.facts.delete(hex);
        return undefined;
      }
      if (err instanceof NotRegularFileError) {
        return this.notAFile(hex, file, err);
      }
      throw ioError('cannot read', file, err);
    }
    try {
      let facts = this.facts.get(hex);
      if (!facts || facts.size !== info.size || facts.mtimeMs !== info.mtimeMs) {
        facts = { size: info.size, mtimeMs: info.mtimeMs };
        this.facts.set(hex, facts);
      }
      if (facts.contentKind === undefined) {
        const head = Buffer.alloc(Math.min(info.size, COMPRESSED_PEEK));
        fsSync.readSync(fd, head, 0, head.length, 0);
        const readAt = async (position: number, length: number): Promise<Uint8Array> => {
          if (position + length <= head.length) {
            return head.subarray(position, position + length);
          }
          // Past the peek (multi-frame blobs): asynchronous, so a 1 GiB blob's walk never blocks the thread.
          const buf = Buffer.alloc(length);
          const bytesRead = await new Promise<number>((resolve, reject) =>
            fsSync.read(fd, buf, 0, length, position, (err, n) => (err ? reject(err) : resolve(n))),
          );
          return buf.subarray(0, bytesRead);
        };
        // pf-core's frames record no size: keep what a verify of this file version learned.
        facts.decodedBytes =
          (await declaredDecodedSize(readAt, info.size)) ??
          facts.decodedBytes ??
          this.store.decodedSizes.lookup(hex, { ino: info.ino, size: info.size, mtimeMs: info.mtimeMs });
        facts.contentKind = sniffContent(decodePrefix(head));
      }
      return { hex, ...facts };
    } finally {
      fsSync.closeSync(fd);
    }
  }

  /** A FIFO, socket, device or symlink at a blob path: never opened, reported as a failed verify. */
  private notAFile(hex: string, file: string, err: NotRegularFileError): BlobFactsView {
    const info = fsSync.lstatSync(file, { throwIfNoEntry: false });
    const key = { size: info?.size ?? 0, mtimeMs: info?.mtimeMs ?? 0 };
    const verified = this.record(hex, key, false, err.message);
    return { hex, ...key, verified };
  }

  /** The verify verdict, only while the file is the one that was verified. */
  async verdict(hex: string): Promise<VerifyRecord | undefined> {
    const key = await this.fileKey(hex);
    const facts = this.facts.get(hex);
    if (!key || !facts || facts.size !== key.size || facts.mtimeMs !== key.mtimeMs) {
      return undefined;
    }
    return facts.verified;
  }

  /** Verifies on the worker pool unless a verdict for this file version is cached. */
  async verifyCached(hex: string, signal?: AbortSignal): Promise<VerifyRecord | undefined> {
    const cached = await this.verdict(hex);
    if (cached) {
      return cached;
    }
    const key = await this.fileKey(hex);
    if (!key) {
      return undefined;
    }
    const result = await this.store.verify(hex, { signal });
    if (result.problem?.kind === 'not-found') {
      return undefined;
    }
    return this.record(hex, key, result.ok, result.problem?.message, result.decodedBytes);
  }

  /** Records a verify outcome computed elsewhere (verify-all, image verify). */
  async remember(hex: string, ok: boolean, problem?: string, decodedBytes?: number): Promise<VerifyRecord | undefined> {
    const key = await this.fileKey(hex);
    return key ? this.record(hex, key, ok, problem, decodedBytes) : undefined;
  }

  /**
   * Drops what is known of a blob whose file changed. A watcher event can arrive after a verify that already
   * saw the new file (events are debounced), so facts that match the file as it is now are kept.
   */
  async forgetIfChanged(hex: string): Promise<void> {
    const facts = this.facts.get(hex);
    if (!facts) {
      return;
    }
    const key = await this.fileKey(hex).catch(() => undefined);
    if (!key || key.size !== facts.size || key.mtimeMs !== facts.mtimeMs) {
      this.facts.delete(hex);
    }
  }

  /** Digests whose last verify failed and whose file has not changed since. */
  knownBad(): string[] {
    return [...this.facts].filter(([, f]) => f.verified && !f.verified.ok).map(([hex]) => hex);
  }

  /** A verdict (and, from a passing verify, the exact decoded size) for the file version `key`. */
  private record(hex: string, key: FileKey, ok: boolean, problem?: string, decodedBytes?: number): VerifyRecord {
    let facts = this.facts.get(hex);
    if (!facts || facts.size !== key.size || facts.mtimeMs !== key.mtimeMs) {
      facts = { size: key.size, mtimeMs: key.mtimeMs };
      this.facts.set(hex, facts);
    }
    facts.verified = { ok, atMs: Date.now(), problem };
    if (ok && decodedBytes !== undefined) {
      facts.decodedBytes = decodedBytes;
      if (key.ino !== undefined) {
        this.store.decodedSizes.remember(hex, { ino: key.ino, size: key.size, mtimeMs: key.mtimeMs }, decodedBytes);
      }
    }
    return facts.verified;
  }

  private async fileKey(hex: string): Promise<FileKey | undefined> {
    try {
      const info = await fs.lstat(blobPath(this.store.root, hex));
      return { size: info.size, mtimeMs: info.mtimeMs, ino: info.ino };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return undefined;
      }
      throw ioError('cannot read', blobPath(this.store.root, hex), err);
    }
  }
}
