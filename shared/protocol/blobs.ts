// Blobs: listing, reading, putting, resolving, saving, and a damaged blob's report and removal.
import type { WorkDoneProgressParams } from 'vscode-languageserver-protocol';
import { MessageDirection, RequestType } from 'vscode-languageserver-protocol';
import type { Digest, DigestParams, NoParams } from './common';
import type { UnknownUseInfo } from './store';

export interface ShardCount {
  shard: string;
  /** Absent while the server has not read this shard yet (a large store is counted in the background). */
  count?: number;
}

export interface ListShardsResult {
  shards: ShardCount[];
  /** Absent until every shard is counted; a `processfork/statusChanged` with `blobCount` follows then. */
  total?: number;
}

/** client → server: the shard folders that hold blobs, with counts (at most 256 rows). */
export namespace ListShardsRequest {
  export const method = 'processfork/listShards' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<NoParams, ListShardsResult, void>(method);
}

export interface BlobEntryInfo {
  digest: Digest;
  storedBytes: number;
  /** Set when a verify found this blob bad. */
  problem?: string;
}

export interface ListBlobsParams {
  /** Two lower-case hex characters: only this shard. */
  shard?: string;
  /** `nextCursor` from the previous page. */
  cursor?: string;
  /** 1 to 5000. */
  limit: number;
}

export interface ListBlobsResult {
  items: BlobEntryInfo[];
  /** Absent on the last page. */
  nextCursor?: string;
}

/** client → server: one page of blobs, in digest order. */
export namespace ListBlobsRequest {
  export const method = 'processfork/listBlobs' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<ListBlobsParams, ListBlobsResult, void>(method);
}

export type ContentKind = 'image-manifest' | 'fs-tree' | 'cache-pages' | 'json' | 'jsonl' | 'text' | 'binary' | 'empty';

export interface VerifyRecord {
  ok: boolean;
  atMs: number;
  problem?: string;
}

export interface BlobReferrer {
  image: Digest;
  /** Where in the image, as in `ImageReference.layer`. */
  layer: string;
}

export interface BlobInfo {
  digest: Digest;
  storedBytes: number;
  decodedBytes?: number;
  /** decoded / stored, when both are known. */
  ratio?: number;
  modifiedMs: number;
  /** Sniffed from the first bytes; absent when the blob could not be read. */
  contentKind?: ContentKind;
  /**
   * Where images reach this digest: a top-level field (`model.base`), an fs entry (`world.fs entry src/app.py`)
   * or a cache page (`cache.manifest page 1,204 v`); at most 20 places, the first images first.
   */
  referencedBy: BlobReferrer[];
  /** How many images reach it, all of them; absent while the reference graph is still being built. */
  usedByImages?: number;
  /** Images that may reach it but cannot be told (an unreadable fs tree or page list): usedByImages is a lower bound. */
  usedByUnknown?: UnknownUseInfo[];
  lastVerified?: VerifyRecord;
}

export type StatParams = DigestParams;

/** client → server: what the store knows of one blob, without decoding all of it. */
export namespace StatRequest {
  export const method = 'processfork/stat' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<StatParams, BlobInfo, void>(method);
}

export interface ReadParams extends DigestParams {
  offset?: number;
  /** Bytes to return; the server refuses more than its read limit. */
  length?: number;
}

export interface ReadResult {
  digest: Digest;
  /** The blob's full decoded size. */
  totalBytes: number;
  offset: number;
  data: string; // base64
  contentKind: ContentKind;
}

/** client → server: a verified blob's bytes, whole or a range (the whole blob is re-hashed either way). */
export namespace ReadRequest {
  export const method = 'processfork/read' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<ReadParams, ReadResult, void>(method);
}

/** Put a workspace file by its `file:` URI (the server reads it, streaming)... */
export interface PutUriParams {
  uri: string;
  /**
   * Put it only if it hashes to this digest (putting back a damaged blob's original); any other file is refused
   * and nothing is written.
   */
  expect?: Digest;
}

/** ...or bytes the client already holds, base64. */
export interface PutDataParams {
  data: string;
}

export type PutParams = PutUriParams | PutDataParams;

export interface PutResult {
  digest: Digest;
  created: boolean;
  rawBytes: number;
  storedBytes: number;
}

/** client → server: store a workspace file (a `file:` URI) or bytes; a no-op when the blob exists. */
export namespace PutRequest {
  export const method = 'processfork/put' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<PutParams, PutResult, void>(method);
}

export interface ResolveParams {
  /** A full digest or a hex prefix, with or without `sha256:`. */
  query: string;
}

export interface ResolveResult {
  status: 'unique' | 'ambiguous' | 'none';
  /** At most 50 candidates, in digest order. */
  matches: Digest[];
  /** More digests match than `matches` lists: type more characters. */
  more?: boolean;
}

/** client → server: a full digest or a hex prefix (with or without `sha256:`) to the blobs it names. */
export namespace ResolveRequest {
  export const method = 'processfork/resolve' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<ResolveParams, ResolveResult, void>(method);
}

export interface PutMissingParams extends WorkDoneProgressParams {
  /** The image whose missing blobs to look for. */
  image: Digest;
  /** A `file:` folder to search, recursively, for files whose content is one of the missing blobs. */
  folderUri: string;
}

export interface StoredFromFile {
  digest: Digest;
  /** The file whose content it was. */
  file: string;
}

export interface PutMissingResult {
  /** Blobs that were missing and are now stored, with the file each came from. */
  stored: StoredFromFile[];
  /** Digests of the closure still missing after the search. */
  stillMissing: Digest[];
  filesScanned: number;
  cancelled: boolean;
}

/**
 * client → server: put the blobs an image's closure lacks, taken from files in a folder whose content hashes
 * to a missing digest. Reports work-done progress; stops between files when cancelled.
 */
export namespace PutMissingRequest {
  export const method = 'processfork/putMissing' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<PutMissingParams, PutMissingResult, void>(method);
}

export interface SaveBlobParams extends DigestParams, WorkDoneProgressParams {
  /** A `file:` URI to write the verified bytes to (replaced atomically when it exists). */
  uri: string;
}

export interface SaveBlobResult {
  bytes: number;
}

/**
 * client → server: stream a blob, any size, to a file: decoded into a temp file beside it, renamed only when
 * the hash matched ("Save Blob As…").
 */
export namespace SaveBlobRequest {
  export const method = 'processfork/saveBlob' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<SaveBlobParams, SaveBlobResult, void>(method);
}

/** An image that uses a blob, by name, and where. */
export interface BlobUserInfo {
  image: Digest;
  /** The snapshot's name (`agent.fingerprint`), when it has one. */
  name?: string;
  /** `trace.messages`, `world.fs entry src/app.py`, … */
  places: string[];
}

export interface BlobProblemParams extends DigestParams {
  /** How many of the file's stored bytes to return for a hex view (default 512, at most 1 MiB). */
  rawBytes?: number;
}

export interface BlobProblemResult {
  digest: Digest;
  /** It verified when asked: nothing is wrong (any more). */
  ok: boolean;
  /** The verifier's kind: `hash-mismatch`, `corrupt-frame`, `truncated`, `empty`, `not-a-file`, … */
  kind?: string;
  /** The verifier's own message. */
  problem?: string;
  /** The file's size on disk. */
  storedBytes: number;
  /** The file's first bytes as they are on disk (compressed, unverified), base64; absent for a non-file. */
  rawHead?: string;
  /** Every snapshot that uses it (from the full reference graph). */
  users: BlobUserInfo[];
  /** Snapshots whose use of it cannot be told: `users` is a lower bound while this is above 0. */
  unknownUsers: number;
  /**
   * False when the store's reference graph was still being built: `users` then comes from the catalog's
   * top-level fields only (a file or cache page that names the blob is not seen), a lower bound too.
   */
  usersComplete: boolean;
}

/**
 * client → server: what is wrong with one blob, checked now: the kind, the snapshots it hurts, and its stored
 * bytes for a hex view. Answers for a blob that verifies too (`ok: true`); NotFound when there is no file.
 */
export namespace BlobProblemRequest {
  export const method = 'processfork/blobProblem' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<BlobProblemParams, BlobProblemResult, void>(method);
}

export type RemoveBadBlobParams = DigestParams;

export interface RemoveBadBlobResult {
  removed: boolean;
}

/**
 * client → server: remove one blob that fails its check, checked again first. A blob that verifies is never
 * removed here (Integrity-free answer: InvalidInput); the snapshots that used it then report it missing.
 */
export namespace RemoveBadBlobRequest {
  export const method = 'processfork/removeBadBlob' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<RemoveBadBlobParams, RemoveBadBlobResult, void>(method);
}
