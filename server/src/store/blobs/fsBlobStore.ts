// pf-core's FsBlobStore, byte for byte on disk: `<root>/blobs/sha256/<2 hex>/<64 hex>.zst`, zstd level 19,
// temp + fsync + rename on write, re-hash on every read. CPU work runs on the worker pool.
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { blobPath, blobsDir, checkedHex, tempBlobPath } from './blobPaths';
import type {
  BlobPage,
  BlobStat,
  BlobStore,
  ListOptions,
  PageList,
  PutResult,
  SweepResult,
  VerifyAllOptions,
  VerifyResult,
  VerifySummary,
} from './blobStore';
import { DEFAULT_MAX_BLOB_BYTES } from './blobStore';
import { listBlobs, physicalBytes, shardCounts } from './blobListing';
import { DecodedSizeLog, sameVersion, type FileVersion } from './decodedSizeLog';
import {
  BlobNotFoundError,
  InvalidInputError,
  IntegrityError,
  NotRegularFileError,
  StoreError,
  TooLargeToReadError,
  ioError,
  throwIfAborted,
} from '../errors';
import { FRAME_BYTES, fileFrames, frameSlices, prepareShard, writeCompressedBlob } from './compressedWriter';
import { openRegular, readRegularFile } from '../io/safeOpen';
import { nextSession, verifyAllBlobs, verifyBlobs } from './blobVerify';
import { sweepTempFiles } from './tempSweep';
import { WorkerPool } from '../workers/workerPool';
import type { WorkerReply, WorkerRequest } from '../workers/workerProtocol';
import { declaredDecodedSize } from '../io/zstdFrame';
import { hashFile } from '../io/fileHash';
import { renameOver } from '../io/durableWrite';
import { adoptFiles, copyOut, type AdoptOutcome } from './batchCopy';
import { commitStaged, type StagedFile } from '../io/stagedCommit';
import { errorOfFailure } from './workerFailures';
import { freshen } from './freshen';
import { formatBytes } from '../../../../shared/common/format';

/**
 * Reads that stream (verify, `get -o`, decode of a range, adopting a pulled layer) hold a bounded window of the
 * blob whatever its size, so they have no size limit: a 1.6 GiB model is a good blob, not a bomb. Only reads
 * into memory keep `maxBlobBytes`.
 */
const STREAMED = Number.MAX_SAFE_INTEGER;

export interface FsBlobStoreOptions {
  maxBlobBytes?: number;
  pool?: WorkerPool;
  decodedSizes?: DecodedSizeLog;
  /** A test seam: awaited at each step of finding a blob already stored, so a test can run gc in between. */
  pauseAt?: (step: 'checked' | 'verified', hex: string) => Promise<void>;
}

export class FsBlobStore implements BlobStore {
  readonly maxBlobBytes: number;
  readonly pool: WorkerPool;
  /** Decoded sizes learned by decoding large blobs whose frames record none, kept outside the store. */
  readonly decodedSizes: DecodedSizeLog;
  private readonly ownsPool: boolean;
  private readonly pauseAt: FsBlobStoreOptions['pauseAt'];

  constructor(
    readonly root: string,
    opts: FsBlobStoreOptions = {},
  ) {
    this.maxBlobBytes = opts.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES;
    this.ownsPool = !opts.pool;
    this.pool = opts.pool ?? new WorkerPool();
    this.decodedSizes = opts.decodedSizes ?? DecodedSizeLog.forStore(root);
    this.pauseAt = opts.pauseAt;
  }

  async put(data: Uint8Array, opts: { signal?: AbortSignal } = {}): Promise<PutResult> {
    const hex = createHash('sha256').update(data).digest('hex');
    const existing = await this.goodStoredSize(hex, opts.signal);
    if (existing !== undefined) {
      return { hex, created: false, rawBytes: data.length, storedBytes: existing };
    }
    const storedBytes = await writeCompressedBlob(this.pool, this.root, hex, frameSlices(data), opts.signal);
    return { hex, created: true, rawBytes: data.length, storedBytes };
  }

  async putFile(
    file: string,
    opts: { signal?: AbortSignal; onProgress?: (bytes: number) => void } = {},
  ): Promise<PutResult> {
    const info = await fs.stat(file).catch((err) => {
      throw ioError('cannot read', file, err);
    });
    if (!info.isFile()) {
      throw new InvalidInputError(`${file} is not a regular file`);
    }
    // Small files: one read, hash and compress the same bytes.
    if (info.size <= FRAME_BYTES) {
      const data = await fs.readFile(file).catch((err) => {
        throw ioError('cannot read', file, err);
      });
      const result = await this.put(data, opts);
      opts.onProgress?.(data.length);
      return result;
    }
    // Large files: hash first (fast) to learn the name, then stream again through the compressors,
    // re-hashing to catch a file that changed between the two passes.
    const hex = await hashFile(file, opts.signal);
    const existing = await this.goodStoredSize(hex, opts.signal);
    if (existing !== undefined) {
      return { hex, created: false, rawBytes: info.size, storedBytes: existing };
    }
    const rehash = createHash('sha256');
    const onProgress = opts.onProgress;
    let rawBytes = 0;
    async function* chunks(): AsyncIterable<Uint8Array> {
      yield* fileFrames(file, (chunk) => {
        rehash.update(chunk);
        rawBytes += chunk.length;
        onProgress?.(rawBytes);
      });
      if (rehash.digest('hex') !== hex) {
        throw new InvalidInputError(`${file} changed while it was being stored`);
      }
    }
    const storedBytes = await writeCompressedBlob(this.pool, this.root, hex, chunks(), opts.signal);
    return { hex, created: true, rawBytes, storedBytes };
  }

  async get(hex: string, opts: { maxBytes?: number; signal?: AbortSignal } = {}): Promise<Buffer> {
    const limit = opts.maxBytes ?? this.maxBlobBytes;
    const reply = await this.decodeTask(
      hex,
      {
        op: 'decode',
        path: blobPath(this.root, hex),
        root: this.root,
        hex,
        maxBytes: limit,
      },
      opts.signal,
    ).catch((err) => {
      // Over the limit of a read into memory is not an integrity failure: the blob streams to a file.
      if (err instanceof IntegrityError && err.kind === 'too-large') {
        throw new TooLargeToReadError(hex, limit);
      }
      throw err;
    });
    return Buffer.from(reply.data!.buffer, reply.data!.byteOffset, reply.data!.byteLength);
  }

  /** Decoded, verified and packed on a worker: the main thread gets one transferred buffer, not 15 MB of text. */
  async pageList(hex: string, opts: { maxBytes?: number; signal?: AbortSignal } = {}): Promise<PageList> {
    const limit = opts.maxBytes ?? this.maxBlobBytes;
    const req: WorkerRequest = {
      op: 'pageRecords',
      path: blobPath(this.root, hex),
      root: this.root,
      hex,
      maxBytes: limit,
    };
    const reply = await this.decodeTask(hex, req, opts.signal).catch((err) => {
      if (err instanceof IntegrityError && err.kind === 'too-large') {
        throw new TooLargeToReadError(hex, limit);
      }
      throw err;
    });
    const bytes = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
    return reply.records ? { records: bytes(reply.records) } : { text: bytes(reply.data!).toString('utf8') };
  }

  /**
   * Runs the named layer scan (workers/layerScans.ts) over the blob's decoded bytes on a worker. The module that
   * defines the scan must be imported on this thread too (the CLI's main thread runs tasks as well).
   */
  async scanLayer<T>(
    hex: string,
    scan: string,
    params: unknown,
    opts: { maxBytes?: number; signal?: AbortSignal } = {},
  ): Promise<T> {
    const req: WorkerRequest = {
      op: 'scanLayer',
      scan,
      params,
      path: blobPath(this.root, hex),
      root: this.root,
      hex,
      maxBytes: opts.maxBytes ?? STREAMED,
    };
    const reply = await this.decodeTask(hex, req, opts.signal).catch((err) => {
      // A scan's size bound is not damage: the blob may be whole, it is only more than a scan reads.
      if (err instanceof IntegrityError && err.kind === 'too-large' && opts.maxBytes !== undefined) {
        throw new StoreError(
          'too-large',
          `too large to read: stopped at ${formatBytes(opts.maxBytes)} of decoded bytes, the limit of this reader`,
        );
      }
      throw err;
    });
    return reply.value as T;
  }

  /** The first `bytes` decoded bytes, not re-hashed (see the worker's `head` request): for closures only. */
  async head(hex: string, bytes: number, opts: { signal?: AbortSignal } = {}): Promise<Buffer> {
    const req: WorkerRequest = { op: 'head', path: blobPath(this.root, hex), root: this.root, hex, bytes };
    const reply = await this.decodeTask(hex, req, opts.signal);
    return Buffer.from(reply.data!.buffer, reply.data!.byteOffset, reply.data!.byteLength);
  }

  async readRange(hex: string, offset: number, length: number, opts: { signal?: AbortSignal } = {}): Promise<Buffer> {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
      throw new InvalidInputError(`a byte range needs a non-negative offset and length, got ${offset} and ${length}`);
    }
    const req: WorkerRequest = {
      op: 'decode',
      path: blobPath(this.root, hex),
      root: this.root,
      hex,
      maxBytes: STREAMED,
      offset,
      length,
    };
    const reply = await this.decodeTask(hex, req, opts.signal);
    return Buffer.from(reply.data!.buffer, reply.data!.byteOffset, reply.data!.byteLength);
  }

  async getToFile(hex: string, dest: string, opts: { signal?: AbortSignal } = {}): Promise<number> {
    await checkDestination(dest);
    const temp = path.join(path.dirname(dest), `.${path.basename(dest)}.pfstore-${process.pid}-${Date.now()}`);
    try {
      const reply = await this.decodeTask(
        hex,
        {
          op: 'decodeToFile',
          path: blobPath(this.root, hex),
          root: this.root,
          hex,
          maxBytes: STREAMED,
          dest: temp,
        },
        opts.signal,
      );
      await renameOver(temp, dest);
      return reply.decodedBytes ?? 0;
    } finally {
      await fs.rm(temp, { force: true });
    }
  }

  /** The blob file's bytes (level-19 zstd, as stored), checked to decode to the right content: what a push sends. */
  async readCompressed(hex: string, opts: { signal?: AbortSignal } = {}): Promise<Buffer> {
    const file = blobPath(this.root, hex);
    const data = await readRegularFile(file, this.maxBlobBytes).catch((err) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new BlobNotFoundError(hex);
      }
      if (err instanceof NotRegularFileError) {
        throw new IntegrityError(hex, err.kind, err.message);
      }
      if (err instanceof StoreError) {
        throw err;
      }
      throw ioError('cannot read', file, err);
    });
    await this.decodeTask(
      hex,
      { op: 'verifyBytes', data: new Uint8Array(data), hex, maxBytes: this.maxBlobBytes },
      opts.signal,
    );
    return data;
  }

  /**
   * Stores a blob whose compressed bytes are fetched into a temp file in its shard (pf-core's temp name) by
   * `fill`: the file is decoded and re-hashed against `hex` on a worker. Nothing is visible under the final name
   * unless it verified and was made durable first. With `stage`, the checked temp file is added there for the
   * caller to commit with others (io/stagedCommit.ts: one sync for a whole pull); without, it is committed
   * alone. The temp file is removed on any failure.
   */
  async adoptCompressedFile(
    hex: string,
    fill: (tempFile: string) => Promise<unknown>,
    opts: { signal?: AbortSignal; stage?: StagedFile[] } = {},
  ): Promise<boolean> {
    if ((await this.goodStoredSize(checkedHex(hex), opts.signal)) !== undefined) {
      return false;
    }
    await prepareShard(this.root, hex);
    const staged = { temp: tempBlobPath(this.root, hex), file: blobPath(this.root, hex) };
    let handedOver = false;
    try {
      await fill(staged.temp);
      await this.decodeTask(
        hex,
        { op: 'verify', path: staged.temp, root: this.root, hex, maxBytes: STREAMED },
        opts.signal,
      );
      if (opts.stage) {
        opts.stage.push(staged);
        handedOver = true;
      } else {
        await commitStaged([staged], this.root, opts.signal);
      }
      return true;
    } finally {
      if (!handedOver) {
        await fs.rm(staged.temp, { force: true });
      }
    }
  }

  /** Many small blob files from outside the store adopted at once (batchCopy.ts, `adoptFiles`). */
  adoptFiles(
    items: ReadonlyArray<{ hex: string; from: string }>,
    opts: { signal?: AbortSignal; onBatch?: (copied: number) => void } = {},
  ): Promise<AdoptOutcome[]> {
    return adoptFiles(this, items, opts);
  }

  /** Many small blobs of this store copied out at once (batchCopy.ts, `copyOut`). */
  copyOut(
    items: ReadonlyArray<{ hex: string; to: string }>,
    opts: { signal?: AbortSignal; onBatch?: (copied: number) => void } = {},
  ): Promise<Array<number | 'single' | StoreError>> {
    return copyOut(this, items, opts);
  }

  async has(hex: string): Promise<boolean> {
    return (await this.storedSize(hex)) !== undefined;
  }

  async stat(hex: string): Promise<BlobStat> {
    const file = blobPath(this.root, hex);
    let handle: fs.FileHandle;
    let info: Stats;
    try {
      ({ handle, info } = await openRegular(file));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new BlobNotFoundError(hex);
      }
      if (err instanceof NotRegularFileError) {
        throw new IntegrityError(hex, err.kind, err.message);
      }
      throw ioError('cannot read', file, err);
    }
    try {
      const readAt = async (position: number, length: number) => {
        const buf = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buf, 0, length, position);
        return buf.subarray(0, bytesRead);
      };
      const decodedBytes =
        (await declaredDecodedSize(readAt, info.size)) ?? this.decodedSizes.lookup(hex, versionOf(info));
      return { hex, storedBytes: info.size, decodedBytes, modifiedMs: info.mtimeMs };
    } finally {
      await handle.close();
    }
  }

  /**
   * The exact decoded size: from the frame headers when every frame records it, else by decoding once
   * (streamed and re-hashed, so a corrupt blob fails here as in a verify).
   */
  async decodedSize(hex: string, opts: { signal?: AbortSignal } = {}): Promise<number> {
    const known = (await this.stat(hex)).decodedBytes; // declared by the frames, or remembered
    if (known !== undefined) {
      return known;
    }
    const before = await fs.lstat(blobPath(this.root, hex));
    const reply = await this.decodeTask(
      hex,
      { op: 'verify', path: blobPath(this.root, hex), root: this.root, hex, maxBytes: STREAMED },
      opts.signal,
    );
    const decodedBytes = reply.decodedBytes ?? 0;
    // Kept only if the file did not change while it was decoded.
    const after = versionOf(await fs.lstat(blobPath(this.root, hex)));
    if (sameVersion(versionOf(before), after)) {
      this.decodedSizes.remember(hex, after, decodedBytes);
    }
    return decodedBytes;
  }

  async delete(hex: string): Promise<boolean> {
    try {
      await fs.unlink(blobPath(this.root, hex));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return false;
      }
      throw ioError('cannot delete', blobPath(this.root, hex), err);
    }
  }

  list(opts: ListOptions): Promise<BlobPage> {
    return listBlobs(this.root, opts);
  }

  shardCounts(): Promise<Array<{ shard: string; count: number }>> {
    return shardCounts(this.root);
  }

  physicalBytes(): Promise<number> {
    return physicalBytes(this.root);
  }

  async verify(hex: string, opts: { signal?: AbortSignal } = {}): Promise<VerifyResult> {
    let decodedBytes: number | undefined;
    const summary = await verifyBlobs(this, [checkedHex(hex)], {
      ...opts,
      onResult: (r) => {
        decodedBytes = r.decodedBytes;
      },
    });
    const problem = summary.problems[0];
    return problem ? { hex, ok: false, problem } : { hex, ok: true, decodedBytes };
  }

  async verifyMany(hexes: string[], opts: VerifyAllOptions = {}): Promise<VerifySummary> {
    return verifyBlobs(this, hexes.map(checkedHex), opts);
  }

  async verifyAll(opts: VerifyAllOptions = {}): Promise<VerifySummary> {
    return verifyAllBlobs(this, opts);
  }

  sweepTemp(opts: { olderThanMs?: number; dryRun?: boolean } = {}): Promise<SweepResult> {
    return sweepTempFiles(this.root, opts);
  }

  async close(): Promise<void> {
    if (this.ownsPool) {
      await this.pool.close();
    }
  }

  /** Runs a decode-type task and turns a failed reply into the store's typed error. */
  async decodeTask(hex: string, req: WorkerRequest, signal?: AbortSignal): Promise<WorkerReply & { ok: true }> {
    checkedHex(hex);
    throwIfAborted(signal);
    const reply = await this.pool.run(req, { signal });
    if (reply.ok) {
      return reply;
    }
    throw errorOfFailure(hex, reply);
  }

  /**
   * Verifies several blobs in one worker round trip (small blobs: the message costs more than the decode).
   * Each result is the decoded size or the typed error for that blob. `hexes` are checked digests (verifyMany
   * checks them; a scan takes only names that are digests). Batches of one verify pass the same `session`.
   */
  async verifyBatch(
    hexes: string[],
    signal?: AbortSignal,
    session = nextSession(),
  ): Promise<Array<number | StoreError>> {
    throwIfAborted(signal);
    const req: WorkerRequest = {
      op: 'verifyBatch',
      root: this.root,
      blobsDir: blobsDir(this.root),
      hexes,
      maxBytes: STREAMED,
      session,
    };
    const reply = await this.pool.run(req, { signal });
    if (!reply.ok) {
      throw errorOfFailure(hexes[0], reply);
    }
    return reply.results!.map((r, i) => (r.ok ? r.decodedBytes : errorOfFailure(hexes[i], r)));
  }

  /**
   * The stored size of a blob that is there, verifies and was freshened; undefined means "write it". A blob file
   * that is empty, truncated, corrupt or not a file at all counts as absent, so a put of the right content
   * replaces it (atomically, by rename): pf-core's "already there, do nothing" holds only for a good blob.
   *
   * The gc protocol (docs/architecture.md): a present blob counts as stored only once its mtime is refreshed, as
   * git does, so a gc that planned to remove it as old sees it young and puts it back. If gc moved it aside
   * first, the refresh finds no file (ENOENT) and the blob is written again.
   */
  private async goodStoredSize(hex: string, signal?: AbortSignal): Promise<number | undefined> {
    const size = await this.storedSize(hex);
    if (size === undefined) {
      return undefined;
    }
    await this.pauseAt?.('checked', hex);
    try {
      await this.decodeTask(
        hex,
        { op: 'verify', path: blobPath(this.root, hex), root: this.root, hex, maxBytes: STREAMED },
        signal,
      );
    } catch (err) {
      if (err instanceof IntegrityError || err instanceof BlobNotFoundError) {
        return undefined;
      }
      throw err;
    }
    await this.pauseAt?.('verified', hex);
    return (await freshen(blobPath(this.root, hex))) ? size : undefined;
  }

  /** The size of a blob's file, or undefined when there is none (nothing read, nothing checked). */
  async storedSize(hex: string): Promise<number | undefined> {
    try {
      return (await fs.lstat(blobPath(this.root, hex))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return undefined;
      }
      throw ioError('cannot read', blobPath(this.root, hex), err);
    }
  }
}

/**
 * Says what is wrong with a `get -o` destination before any decoding: a missing folder, a folder where the
 * file should go, or something that is not a regular file (writing into a FIFO would block).
 */
async function checkDestination(dest: string): Promise<void> {
  const dir = path.dirname(path.resolve(dest));
  const dirInfo = await fs.stat(dir).catch(() => undefined);
  if (!dirInfo) {
    throw new InvalidInputError(`cannot write ${dest}: the folder ${dir} does not exist`);
  }
  if (!dirInfo.isDirectory()) {
    throw new InvalidInputError(`cannot write ${dest}: ${dir} is not a folder`);
  }
  const info = await fs.stat(dest).catch(() => undefined);
  if (info?.isDirectory()) {
    throw new InvalidInputError(`cannot write ${dest}: it is a folder; name a file instead`);
  }
  if (info && !info.isFile()) {
    throw new InvalidInputError(`cannot write ${dest}: it is not a regular file`);
  }
}

function versionOf(info: Stats): FileVersion {
  return { ino: info.ino, size: info.size, mtimeMs: info.mtimeMs };
}
