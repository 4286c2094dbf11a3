// pf's one-image-per-location registries (file:// folders, s3:// key prefixes) seen as a few object operations
// on keys relative to the location (`manifest.json`, `blobs/sha256/ab/<hex>.zst`). Push, pull and listing are
// written once against this; each kind says only how to move bytes.
import { shardOf } from '../../../shared/blobs/digest';

export interface ObjectRegistry {
  /** `file:///mnt/usb/snaps` or `s3://bucket/prefix`, for messages. */
  readonly display: string;
  /** The object's bytes, or undefined when there is none; an object over `maxBytes` is refused, not read. */
  read(key: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer | undefined>;
  /** Streams the object into `dest` (created), refusing more than `maxBytes`; false when there is none. */
  download(key: string, dest: string, maxBytes: number, signal?: AbortSignal): Promise<boolean>;
  /** Whether an object is there (its size, when it is). */
  size(key: string, signal?: AbortSignal): Promise<number | undefined>;
  /** Writes small bytes whole (manifest, signature). A reader never sees half of it. */
  write(key: string, bytes: Uint8Array, signal?: AbortSignal): Promise<void>;
  /**
   * Sends a file of `size` bytes, streamed (a blob of many GiB). A reader never sees half of it. With `until`,
   * the object is made visible only once `until` resolves (its check, run while the bytes go); if it rejects,
   * the upload fails with its error and nothing is left under the key.
   */
  upload(key: string, file: string, size: number, signal?: AbortSignal, until?: Promise<void>): Promise<void>;
  /** The names of the folders (key prefixes) directly under the location, every page of them. */
  folders(signal?: AbortSignal): AsyncIterable<string>;
  /** The registry of the sub-folder `name` (one image per location: listing looks one level down). */
  within(name: string): ObjectRegistry;
  /**
   * Objects written together and made durable together, where that is cheaper than one by one (a folder: one
   * fsync per object is most of a push). Nothing staged has its final name before `commit` has made it durable.
   */
  batch?(): ObjectBatch;
  /**
   * A folder registry's own file for `key`, every folder on the way checked (no symlink, no non-folder), or
   * undefined when a folder is missing: a pull copies small objects from there straight into the store in
   * batches. The file itself is opened later as every stored file is (never a pipe, never a final symlink).
   */
  localPath?(key: string): Promise<string | undefined>;
}

export interface ObjectBatch {
  /** Whether the registry already holds `key` (a folder listed once per batch, not one open per object). */
  has(key: string): Promise<boolean>;
  write(key: string, bytes: Uint8Array, signal?: AbortSignal): Promise<void>;
  upload(key: string, file: string, size: number, signal?: AbortSignal): Promise<void>;
  /**
   * A fresh temp name beside `key`'s final name, its folder checked (and made): for bytes another writer puts
   * there (the store's worker copying many small blobs at once). `stageWritten` then adds it to the batch.
   */
  place(key: string): Promise<{ temp: string; file: string }>;
  /** Stages a file written at a `place`'s temp name (its writer has checked what it wrote). */
  stageWritten(place: { temp: string; file: string }): void;
  /** Makes every staged object durable, then gives each its name, then makes the names durable. */
  commit(signal?: AbortSignal): Promise<void>;
  /** Removes whatever was staged and not committed. */
  abort(): Promise<void>;
}

export const MANIFEST_KEY = 'manifest.json';
export const SIGNATURE_KEY = 'manifest.json.sig';

export function blobKey(hex: string): string {
  return `blobs/sha256/${shardOf(hex)}/${hex}.zst`;
}
