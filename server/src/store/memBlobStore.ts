// The in-memory store: raw bytes, no compression (as pf-core's), same contract as FsBlobStore, so tests and
// an ephemeral mode can swap one for the other.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { checkedHex } from './blobPaths';
import type {
  BlobPage,
  BlobStat,
  BlobStore,
  ListOptions,
  PageList,
  PutResult,
  SweepResult,
  VerifyAllOptions,
  VerifyProblem,
  VerifyResult,
  VerifySummary,
} from './blobStore';
import { DEFAULT_MAX_BLOB_BYTES } from './blobStore';
import { MAX_PAGE } from './blobListing';
import { packPageList } from './pageList';
import {
  BlobNotFoundError,
  IntegrityError,
  InvalidInputError,
  TooLargeToReadError,
  ioError,
  throwIfAborted,
} from './errors';

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export class MemBlobStore implements BlobStore {
  readonly root = undefined;
  private readonly blobs = new Map<string, { data: Buffer; modifiedMs: number }>();

  constructor(readonly maxBlobBytes = DEFAULT_MAX_BLOB_BYTES) {}

  async put(data: Uint8Array, opts: { signal?: AbortSignal } = {}): Promise<PutResult> {
    throwIfAborted(opts.signal);
    const hex = sha256(data);
    const created = !this.blobs.has(hex);
    if (created) {
      this.blobs.set(hex, { data: Buffer.from(data), modifiedMs: Date.now() });
    }
    return { hex, created, rawBytes: data.length, storedBytes: data.length };
  }

  async putFile(
    file: string,
    opts: { signal?: AbortSignal; onProgress?: (bytes: number) => void } = {},
  ): Promise<PutResult> {
    const data = await fs.readFile(file).catch((err) => {
      throw ioError('cannot read', file, err);
    });
    const result = await this.put(data, opts);
    opts.onProgress?.(data.length);
    return result;
  }

  async get(hex: string, opts: { maxBytes?: number } = {}): Promise<Buffer> {
    const data = this.checked(hex);
    const max = opts.maxBytes ?? this.maxBlobBytes;
    if (data.length > max) {
      throw new TooLargeToReadError(hex, max);
    }
    return Buffer.from(data);
  }

  async pageList(hex: string, opts: { maxBytes?: number } = {}): Promise<PageList> {
    const bytes = await this.get(hex, opts);
    const records = packPageList(bytes);
    return records ? { records } : { text: bytes.toString('utf8') };
  }

  async readRange(hex: string, offset: number, length: number): Promise<Buffer> {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
      throw new InvalidInputError(`a byte range needs a non-negative offset and length, got ${offset} and ${length}`);
    }
    return Buffer.from(this.checked(hex).subarray(offset, offset + length));
  }

  async getToFile(hex: string, dest: string): Promise<number> {
    const data = this.checked(hex);
    await fs.writeFile(dest, data);
    return data.length;
  }

  async has(hex: string): Promise<boolean> {
    return this.blobs.has(checkedHex(hex));
  }

  async stat(hex: string): Promise<BlobStat> {
    const blob = this.blobs.get(checkedHex(hex));
    if (!blob) {
      throw new BlobNotFoundError(hex);
    }
    return { hex, storedBytes: blob.data.length, decodedBytes: blob.data.length, modifiedMs: blob.modifiedMs };
  }

  async delete(hex: string): Promise<boolean> {
    return this.blobs.delete(checkedHex(hex));
  }

  async list(opts: ListOptions): Promise<BlobPage> {
    if (!Number.isSafeInteger(opts.limit) || opts.limit < 1 || opts.limit > MAX_PAGE) {
      throw new InvalidInputError(`page size must be between 1 and ${MAX_PAGE}, got ${opts.limit}`);
    }
    const all = [...this.blobs.keys()]
      .filter((h) => (!opts.shard || h.startsWith(opts.shard)) && (!opts.after || h > opts.after))
      .sort();
    const page = all.slice(0, opts.limit);
    return {
      items: page.map((hex) => ({ hex, storedBytes: this.blobs.get(hex)!.data.length })),
      nextCursor: all.length > opts.limit ? page[page.length - 1] : undefined,
    };
  }

  async shardCounts(): Promise<Array<{ shard: string; count: number }>> {
    const counts = new Map<string, number>();
    for (const hex of this.blobs.keys()) {
      counts.set(hex.slice(0, 2), (counts.get(hex.slice(0, 2)) ?? 0) + 1);
    }
    return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([shard, count]) => ({ shard, count }));
  }

  async physicalBytes(): Promise<number> {
    let total = 0;
    for (const { data } of this.blobs.values()) {
      total += data.length;
    }
    return total;
  }

  async verify(hex: string): Promise<VerifyResult> {
    try {
      const data = this.checked(hex);
      return { hex, ok: true, decodedBytes: data.length };
    } catch (err) {
      const kind = err instanceof IntegrityError ? err.kind : 'not-found';
      return { hex, ok: false, problem: { hex, kind, message: (err as Error).message } };
    }
  }

  async verifyMany(hexes: string[], opts: VerifyAllOptions = {}): Promise<VerifySummary> {
    const summary: VerifySummary = { checked: 0, ok: 0, problems: [], cancelled: false };
    for (const hex of hexes) {
      if (opts.signal?.aborted) {
        return { ...summary, cancelled: true };
      }
      const result = await this.verify(hex);
      summary.checked++;
      if (result.ok) {
        summary.ok++;
      } else {
        summary.problems.push(result.problem as VerifyProblem);
      }
      opts.onResult?.(result, summary.checked, hexes.length);
    }
    return summary;
  }

  verifyAll(opts: VerifyAllOptions = {}): Promise<VerifySummary> {
    return this.verifyMany([...this.blobs.keys()].sort(), opts);
  }

  async sweepTemp(): Promise<SweepResult> {
    return { removed: [], kept: [] }; // nothing is ever half-written in memory
  }

  async close(): Promise<void> {
    this.blobs.clear();
  }

  /** Test hook: change stored bytes in place, to exercise the re-hash on read. */
  corruptForTest(hex: string, data: Uint8Array): void {
    const blob = this.blobs.get(checkedHex(hex));
    if (blob) {
      blob.data = Buffer.from(data);
    }
  }

  /** Re-hashes on every read, like the file store, so a corrupted entry is never returned. */
  private checked(hex: string): Buffer {
    const blob = this.blobs.get(checkedHex(hex));
    if (!blob) {
      throw new BlobNotFoundError(hex);
    }
    const actual = sha256(blob.data);
    if (actual !== hex) {
      throw new IntegrityError(hex, 'hash-mismatch', `its content hashes to sha256:${actual}`);
    }
    return blob.data;
  }
}
