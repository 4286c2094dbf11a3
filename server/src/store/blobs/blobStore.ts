// The contract both stores keep (on disk and in memory). Hex digests here are already validated by
// shared/blobs/digest.ts: 64 lower-case hex characters, no prefix.
import type { IntegrityKind } from '../errors';

export interface PutResult {
  hex: string;
  /** False when the blob was already there (put is then a no-op, as in pf-core). */
  created: boolean;
  rawBytes: number;
  storedBytes: number;
}

export interface BlobStat {
  hex: string;
  storedBytes: number;
  /**
   * From the zstd frame headers, without decoding, or remembered from an earlier decode of this very file
   * (large blobs, decodedSizeLog.ts); undefined when neither knows it.
   */
  decodedBytes?: number;
  modifiedMs: number;
}

export interface BlobEntry {
  hex: string;
  storedBytes: number;
}

export interface BlobPage {
  items: BlobEntry[];
  /** Pass back as `after` for the next page; absent on the last page. */
  nextCursor?: string;
}

export interface ListOptions {
  /** Only this shard (two lower-case hex characters). */
  shard?: string;
  /** Start after this digest (a cursor from a previous page). */
  after?: string;
  limit: number;
}

export interface VerifyProblem {
  hex: string;
  /** `unchecked`: a nested manifest too large or unreadable to expand, so what it names was not verified. */
  kind: IntegrityKind | 'not-found' | 'unreadable' | 'stray' | 'unchecked';
  message: string;
  /** The file on disk, when there is one (strays and misplaced blobs have no digest-derived path). */
  path?: string;
}

export interface VerifyResult {
  hex: string;
  ok: boolean;
  decodedBytes?: number;
  problem?: VerifyProblem;
}

export interface VerifyAllOptions {
  signal?: AbortSignal;
  /** Called as each blob finishes, in completion order. */
  onResult?: (result: VerifyResult, done: number, total: number) => void;
}

export interface VerifySummary {
  checked: number;
  ok: number;
  problems: VerifyProblem[];
  cancelled: boolean;
}

export interface SweepResult {
  removed: string[];
  kept: string[];
}

/** Page i's `k` at i * 64, its `v` at i * 64 + 32 (raw digests); `text` when the list is in another shape. */
export type PageList = { records: Buffer } | { text: string };

export interface BlobStore {
  readonly root: string | undefined;
  put(data: Uint8Array, opts?: { signal?: AbortSignal }): Promise<PutResult>;
  /** `onProgress` gets raw bytes compressed so far (large files report per 4 MiB frame). */
  putFile(file: string, opts?: { signal?: AbortSignal; onProgress?: (bytes: number) => void }): Promise<PutResult>;
  /** The verified bytes; refuses blobs over `maxBytes` (default: the store's limit). */
  get(hex: string, opts?: { maxBytes?: number; signal?: AbortSignal }): Promise<Buffer>;
  /** A verified cache page list: packed 64-byte records when it is in pf's shape (pageList.ts), else its text. */
  pageList(hex: string, opts?: { maxBytes?: number; signal?: AbortSignal }): Promise<PageList>;
  /** The first `bytes` decoded bytes, not re-hashed: only to learn what else a layer names. */
  head(hex: string, bytes: number, opts?: { signal?: AbortSignal }): Promise<Buffer>;
  /** A verified slice: the whole blob is still re-hashed, so a range never hides corruption. */
  readRange(hex: string, offset: number, length: number, opts?: { signal?: AbortSignal }): Promise<Buffer>;
  /** Streams the verified bytes into `dest`; nothing appears at `dest` unless the hash matched. */
  getToFile(hex: string, dest: string, opts?: { signal?: AbortSignal }): Promise<number>;
  has(hex: string): Promise<boolean>;
  stat(hex: string): Promise<BlobStat>;
  delete(hex: string): Promise<boolean>;
  list(opts: ListOptions): Promise<BlobPage>;
  /** Blob counts per shard that has any, in shard order. */
  shardCounts(): Promise<Array<{ shard: string; count: number }>>;
  physicalBytes(): Promise<number>;
  verify(hex: string, opts?: { signal?: AbortSignal }): Promise<VerifyResult>;
  verifyMany(hexes: string[], opts?: VerifyAllOptions): Promise<VerifySummary>;
  verifyAll(opts?: VerifyAllOptions): Promise<VerifySummary>;
  /** Removes temp files left by writers that died (dead pid, or older than `olderThanMs`). */
  sweepTemp(opts?: { olderThanMs?: number; dryRun?: boolean }): Promise<SweepResult>;
  close(): Promise<void>;
}

/** 1 GiB: large enough for model deltas, small enough that a forged frame cannot exhaust memory. */
export const DEFAULT_MAX_BLOB_BYTES = 1 << 30;
