// Messages between the store and its worker threads. Kept apart from both sides so each imports only types.
import type { IntegrityKind } from '../errors';

export const COMPRESSION_LEVEL = 19; // fixed by the pf-core format

export type WorkerRequest =
  | { op: 'compress'; data: Uint8Array }
  /** Decode a blob file, re-hash it, and return the bytes (or a slice of them). */
  | { op: 'decode'; path: string; root?: string; hex: string; maxBytes: number; offset?: number; length?: number }
  /** Decode and re-hash without keeping the bytes. */
  | { op: 'verify'; path: string; root?: string; hex: string; maxBytes: number }
  /**
   * The same for many small blobs in one message: one round trip per batch, not per blob (verify-all). The
   * worker builds each path from `blobsDir` and the digest (checked by the sender): a million paths joined on
   * the main thread and cloned into the message cost a tenth of a small-blob verify.
   */
  | {
      op: 'verifyBatch';
      root: string;
      blobsDir: string;
      hexes: string[];
      maxBytes: number;
      /**
       * One verify's batches share an id: a shard folder found inside the store is not resolved again for the
       * rest of that verify (a `realpath` per shard per batch was 6% of a 10,000-blob verify).
       */
      session: number;
    }
  /** Decode and re-hash bytes in memory (a downloaded layer, a blob file about to be pushed). */
  | { op: 'verifyBytes'; data: Uint8Array; hex: string; maxBytes: number }
  /**
   * Decode a cache page list and, when it is in pf's shape, pack its pages as 64-byte records (`records`);
   * otherwise the text comes back as `data` for the caller to parse and check.
   */
  | { op: 'pageRecords'; path: string; root?: string; hex: string; maxBytes: number }
  /**
   * Decode a layer blob through a named scan (layerScans.ts): the scan's value comes back only when the whole
   * blob re-hashed to its digest, so no verdict is ever drawn from bytes that are not the blob's.
   */
  | { op: 'scanLayer'; scan: string; params: unknown; path: string; root?: string; hex: string; maxBytes: number }
  /**
   * The first `bytes` decoded bytes, NOT re-hashed (the rest is never decoded): only for deciding what else a
   * layer names (a merge record's parents, a CRIU record's dump), where a wrong answer can only keep more.
   */
  | { op: 'head'; path: string; root?: string; hex: string; bytes: number }
  /**
   * Small blob files copied with their check on the way (io/copyCheckedSync.ts), one message per batch: a
   * pull's objects into the store's temp names, a push's blobs into a folder registry's. With `fromRoot`, each
   * source folder must resolve inside it (the store's own blobs), checked once per folder per batch. Results
   * come in the order of `items`.
   */
  | {
      op: 'copyChecked';
      items: CopyItem[];
      maxStored: number;
      maxBytes: number;
      fromRoot?: string;
      /** As for verifyBatch: the batches of one copy share it, and a folder found inside is not resolved again. */
      session: number;
    }
  /** Decode into `dest` (a temp file the caller renames once the hash is known to be right). */
  | { op: 'decodeToFile'; path: string; root?: string; hex: string; maxBytes: number; dest: string };

/** One file of a copyChecked batch: `from` must decode to `hex`; `to` is a new name the copy creates. */
export interface CopyItem {
  hex: string;
  from: string;
  to: string;
  /** When a file is already at this path (the blob's own name in the store), nothing is copied. */
  unlessPresent?: string;
}

// `root`, when set, is the store root: the blob file must resolve inside it (no shard symlinked elsewhere).

export type WorkerFailure = {
  ok: false;
  integrity?: IntegrityKind;
  notFound?: boolean;
  /** A copyChecked source over `maxStored` bytes: the caller streams it instead. */
  tooLarge?: boolean;
  message: string;
  errno?: string;
};

export type WorkerReply =
  | {
      ok: true;
      data?: Uint8Array;
      records?: Uint8Array;
      decodedBytes?: number;
      input?: Uint8Array;
      results?: BatchResult[];
      /** A scanLayer's value (structured-cloned). */
      value?: unknown;
    }
  | WorkerFailure;

/** One blob's outcome in a verifyBatch or copyChecked reply, in the order of the request's items. */
export type BatchResult =
  | {
      ok: true;
      decodedBytes: number;
      storedBytes?: number;
      /** unlessPresent was there: nothing copied */ present?: true;
    }
  | WorkerFailure;
