// The store as a whole: its status, what changed on disk, what it costs, and gc.
import type { WorkDoneProgressParams } from 'vscode-languageserver-protocol';
import { MessageDirection, NotificationType, RequestType } from 'vscode-languageserver-protocol';
import type { Digest, DigestParams, NoParams } from './common';

export type StoreState = 'ok' | 'missing' | 'unreadable' | 'read-only' | 'not-a-directory';

export interface StoreStatus {
  storePath: string;
  state: StoreState;
  /** Human sentence for the status bar tooltip and notifications. */
  message: string;
  writable: boolean;
  /** Absent while `counting`, and when the store cannot be read. */
  blobCount?: number;
  /** True while the blobs are being counted in the background; a new status follows with `blobCount`. */
  counting?: boolean;
  imageCount?: number;
  /** Blobs known to fail verification (from the last verify runs). */
  problemCount: number;
  /** The zstd engine the server runs: `native 1.5.7` or `wasm 1.5.7` (PFSTORE_ZSTD chooses). */
  zstdEngine: string;
}

/** client → server: the store's path, state, and counts. */
export namespace StatusRequest {
  export const method = 'processfork/status' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<NoParams, StoreStatus, void>(method);
}

/** server → client: the store's status changed (path changed, became unreadable, blobs added). */
export namespace StatusNotification {
  export const method = 'processfork/statusChanged' as const;
  export const messageDirection = MessageDirection.serverToClient;
  export const type = new NotificationType<StoreStatus>(method);
}

export interface GcParams {
  /** Only list what would be removed. */
  dryRun?: boolean;
  /** Also remove blobs no image in `images/` reaches (pf gc's meaning), never younger than `graceSeconds`. */
  unreferenced?: boolean;
  /** Default 3600: a writer writes blobs before its catalog file. */
  graceSeconds?: number;
  /** Keep only the closures of the N newest images. */
  retainRecent?: number;
}

export interface UnreferencedBlobInfo {
  digest: Digest;
  storedBytes: number;
}

export interface UnreferencedResult {
  /** Removed, or with `dryRun` that would be. */
  removed: UnreferencedBlobInfo[];
  bytesFreed: number;
  /** Unreferenced but younger than the grace period: kept. */
  keptYoung: number;
  /** Planned for removal, then reached by an image cataloged meanwhile: kept. */
  keptForNewImages: number;
  /** Planned for removal, then stored again by a writer while gc ran (its time refreshed): put back. */
  keptFreshened: number;
  images: number;
}

export interface GcResult {
  /** Temp files removed (or, with `dryRun`, that would be). */
  removed: string[];
  /** Temp files young enough that a writer may still own them. */
  kept: string[];
  /** With `unreferenced`. */
  unreferenced?: UnreferencedResult;
}

/**
 * client → server: remove temp files that dead writers left, and with `unreferenced` the blobs no image reaches
 * (`dryRun` only lists them).
 */
export namespace GcRequest {
  export const method = 'processfork/gc' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<GcParams, GcResult, void>(method);
}

// The reference graph: which images reach which blobs, and what each image costs.

export type ReferencesParams = DigestParams;

export interface ImageUse {
  image: Digest;
  /** `model.base`, `world.fs entry src/app.py`, `cache.manifest page 1,204 v`. */
  places: string[];
}

export interface ReferencesResult {
  digest: Digest;
  /** Every image that reaches the digest, catalog order. */
  images: ImageUse[];
  /**
   * Images for which it cannot be told: their fs tree or page list (`field`) could not be read, so `images` is
   * a lower bound while this is not empty.
   */
  unknown: UnknownUseInfo[];
}

export interface UnknownUseInfo {
  image: Digest;
  /** `world.fs` or `cache.manifest`. */
  field: string;
  reason: string;
}

/** client → server: every image that reaches a digest, and where (waits for the graph if it is being built). */
export namespace ReferencesRequest {
  export const method = 'processfork/references' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<ReferencesParams, ReferencesResult, void>(method);
}

export interface ImageCostInfo {
  image: Digest;
  /** The snapshot's name, when it has one. */
  name?: string;
  closureBytes: number;
  /** Bytes of blobs only this image reaches. */
  exclusiveBytes: number;
  sharedBytes: number;
}

export interface StoreStatsResult {
  blobs: number;
  rawBytes: number;
  storedBytes: number;
  compressionRatio: number;
  /** Sum of every image's closure size over the raw bytes of their union. */
  dedupRatio: number;
  /** Blobs whose raw size could not be learned (corrupt or unreadable). */
  unreadable: number;
  images: ImageCostInfo[];
}

/** client → server: what the store and each image cost (decodes blobs whose frames record no size; progress). */
export namespace StoreStatsRequest {
  export const method = 'processfork/stats' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<StoreStatsParams, StoreStatsResult, void>(method);
}

export type StoreStatsParams = WorkDoneProgressParams;

export interface FailedVerify {
  digest: Digest;
  problem: string;
}

export interface StoreChange {
  added: Digest[];
  removed: Digest[];
  /** Digests whose file changed in place (repaired or corrupted). */
  changed: Digest[];
  imagesChanged: boolean;
  /** Blobs a verify (asked for, or run for diagnostics) found bad, with what failed. */
  failedVerify?: FailedVerify[];
}

/** server → client: blobs or images changed on disk (debounced; only what changed). */
export namespace StoreChangedNotification {
  export const method = 'processfork/storeChanged' as const;
  export const messageDirection = MessageDirection.serverToClient;
  export const type = new NotificationType<StoreChange>(method);
}
