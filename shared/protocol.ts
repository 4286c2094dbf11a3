// Every custom message between the extension and the store server, declared once, the way the LSP declares
// its own: each method is a namespace with its `method` string, its direction, and a `type` built from named
// Params and Result types. docs/protocol.md has one section per method and carries a hash of this file;
// test/protocol/protocolDoc.test.ts fails when either drifts.
// Digests travel as `sha256:<64 lower-case hex>` strings; byte payloads as base64.
import type {
  LedgerReport,
  SecretInLayer,
  SnapshotDiff,
  SnapshotView,
  TraceReport,
  UnreadableLayer,
} from './snapshots/snapshotView';
import type { PartialResultParams, WorkDoneProgressParams } from 'vscode-languageserver-protocol';
import { MessageDirection, NotificationType, ProtocolRequestType, RequestType } from 'vscode-languageserver-protocol';

/** Error codes of our own, outside JSON-RPC's and LSP's reserved ranges. Stable: clients branch on them. */
export const StoreErrorCode = {
  /** A digest, prefix, range, page size, URI or other parameter is malformed. */
  InvalidInput: 4001,
  /** The blob (or image) is not in the store. */
  NotFound: 4004,
  /** The blob failed its re-hash, its zstd frame is corrupt or truncated, or it is not a regular file. */
  Integrity: 4009,
  /** A good blob too large to read into memory (open in the editor); save it to a file instead. */
  TooLarge: 4015,
  /** Writes are off: the workspace is untrusted. */
  WriteRefused: 4013,
  /** Any other file-system failure. */
  Io: 4020,
  /** A push refused: the snapshot holds secrets in clear (`data.variables` names them; resend with allowSecrets). */
  SecretsInClear: 4030,
} as const;

export type Digest = string;

// ---------------------------------------------------------------------------------------------------------
// Base params shared by several methods.

/** A method that takes no parameters. */
export type NoParams = Record<string, never>;

/** A method about one blob or image. */
export interface DigestParams {
  digest: Digest;
}

/** A method about one registry repository, `oci://host:port/repo`. */
export interface RemoteParams {
  remote: string;
}

// ---------------------------------------------------------------------------------------------------------
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

// ---------------------------------------------------------------------------------------------------------
export interface ManifestProblemInfo {
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

export interface ImageSummary {
  digest: Digest;
  fileName: string;
  /** The snapshot's name (`agent.fingerprint`: what `pf snapshot --name` sets), when it has one. */
  name?: string;
  agentKind?: string;
  agentVersion?: string;
  createdAt?: string;
  parents: Digest[];
  bytes: number;
  problems: ManifestProblemInfo[];
  /** Blobs of its closure (nested ones included) known to fail verification; absent when none are known. */
  badBlobs?: number;
}

/** client → server: every snapshot image in `images/`, including files that are not valid images. */
export interface ListImagesResult {
  images: ImageSummary[];
}

export namespace ListImagesRequest {
  export const method = 'processfork/listImages' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<NoParams, ListImagesResult, void>(method);
}

export interface ImageReference {
  /** Where in the image: `model.base`, `world.fs`, `world.fs/entries/3 (etc/hosts)`, `cache.manifest/pages/0.k`. */
  layer: string;
  digest: Digest;
  /** `corrupt` once a verify has failed on this file version. */
  state: 'present' | 'missing' | 'corrupt';
  storedBytes?: number;
}

export type ImageDetailsParams = DigestParams;

export interface ImageDetailsResult {
  image: ImageSummary;
  references: ImageReference[];
}

/** client → server: the layers of one image and the blobs they reference (its closure). */
export namespace ImageDetailsRequest {
  export const method = 'processfork/imageDetails' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<ImageDetailsParams, ImageDetailsResult, void>(method);
}

// ---------------------------------------------------------------------------------------------------------
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

// ---------------------------------------------------------------------------------------------------------
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

// ---------------------------------------------------------------------------------------------------------
export type VerifyTarget = { kind: 'blob'; digest: Digest } | { kind: 'image'; digest: Digest } | { kind: 'store' };

export interface VerifyProblemInfo {
  digest?: Digest;
  kind: string;
  message: string;
  /** For image closures: which layer references the failing digest. */
  layer?: string;
  /** The snapshots that use the failing blob, by name (short digest when unnamed); at most 20. */
  usedBy?: string[];
  /** How many snapshots use it in all (usedBy may list fewer); a lower bound when the graph was not built. */
  usedByCount?: number;
}

export type VerifyParams = VerifyTarget & WorkDoneProgressParams & PartialResultParams;

export interface VerifyReport {
  checked: number;
  ok: number;
  problems: VerifyProblemInfo[];
  cancelled: boolean;
  /**
   * Store and image targets: each cataloged image's (or the image's) effects ledger verdict and secrets in
   * clear, as `pfstore verify` reports them; `ledgerSummary` is pf verify's summary line.
   */
  images?: ImageCheck[];
  ledgerSummary?: string;
}

/**
 * client → server: re-hash one blob, an image's closure, or the whole store. Reports work-done progress,
 * streams problems as partial results, and stops between blobs on cancellation (answering `cancelled: true`).
 */
export namespace VerifyRequest {
  export const method = 'processfork/verify' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new ProtocolRequestType<VerifyParams, VerifyReport, VerifyProblemInfo[], void, void>(method);
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

// ---------------------------------------------------------------------------------------------------------
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

// ---------------------------------------------------------------------------------------------------------
// Comparing images and their lineage.

export interface DiffImagesParams {
  a: Digest;
  b: Digest;
}

export interface FsEntryInfo {
  path: string;
  digest: Digest | null;
  size: number | null;
}

export interface ChangedFileInfo {
  path: string;
  from: Digest | null;
  to: Digest | null;
  fromSize: number | null;
  toSize: number | null;
}

export interface DiffImagesResult {
  a: Digest;
  b: Digest;
  relation: 'same' | 'a-is-ancestor-of-b' | 'b-is-ancestor-of-a' | 'unrelated';
  /** Only the layers whose digest differs. */
  layers: Array<{ layer: string; from: Digest | null; to: Digest | null }>;
  files: { added: FsEntryInfo[]; removed: FsEntryInfo[]; changed: ChangedFileInfo[] };
  pages: { shared: number; added: number; removed: number };
  /** The agent's state: conversation, tool calls, name and version (absent where an image cannot be read). */
  snapshot?: SnapshotDiff;
}

/** client → server: what changed from image `a` to image `b` (layers, fs entries, cache pages, lineage). */
export namespace DiffImagesRequest {
  export const method = 'processfork/diffImages' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<DiffImagesParams, DiffImagesResult, void>(method);
}

export interface LineageParams {
  /** Only this image's ancestry; every image when absent. */
  image?: Digest;
}

export interface LineageEntry {
  image: Digest;
  /** The snapshot's name (`agent.fingerprint`, what `pf snapshot --name` sets). */
  name: string | null;
  agentKind: string | null;
  agentVersion: string | null;
  createdAt: string | null;
  parents: Digest[];
  /** Two parents. */
  merge: boolean;
  missingParents: Digest[];
  /** Images that name this one as a parent. */
  children: Digest[];
}

export interface LineageResult {
  /** Newest first. */
  images: LineageEntry[];
}

/** client → server: images newest first with parents, children and merges, or one image's ancestry. */
export namespace LineageRequest {
  export const method = 'processfork/lineage' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<LineageParams, LineageResult, void>(method);
}

export type ImageFilesParams = DigestParams;

export interface ImageFileEntry {
  /** As the fs tree writes it, relative, `/`-separated; unsafe paths (absolute, `..`, NUL) are left out. */
  path: string;
  /** The blob of a regular file; absent for directories and symlinks. */
  digest: Digest | null;
  size: number | null;
  /** The tree's own kind when it gives one (`dir`, `symlink`, ...). */
  kind: string | null;
}

export interface ImageFilesResult {
  image: Digest;
  entries: ImageFileEntry[];
}

/** client → server: the entries of an image's `world.fs` tree, for browsing the image's files as a folder. */
export namespace ImageFilesRequest {
  export const method = 'processfork/imageFiles' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<ImageFilesParams, ImageFilesResult, void>(method);
}

// ---------------------------------------------------------------------------------------------------------
// OCI registries. Credentials never travel in these messages (a verbose trace would log them): the client
// hands them to the server process at start, in its environment.

export interface RemoteImage {
  /** The OCI tag; for file:// and s3:// the sub-folder the image is in (`.`: the location itself). */
  tag: string;
  /** The image's content id (the OCI config digest). */
  image: Digest;
  /** The OCI manifest's digest: `oci://host/repo@<manifest>` names exactly this push, whatever the tag says later. */
  manifest: Digest;
  /** file:// and s3://: the reference that pulls this image (`s3://bucket/team/before-refactor`). */
  location?: string;
  /** The snapshot's name and creation time, where the listing reads the manifest (file:// and s3://). */
  name?: string;
  createdAt?: string;
}

export type RemoteImagesParams = RemoteParams;

export interface RemoteImagesResult {
  images: RemoteImage[];
}

/** client → server: the ProcessFork images under a registry repository (`oci://host:port/repo`). */
export namespace RemoteImagesRequest {
  export const method = 'processfork/remoteImages' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<RemoteImagesParams, RemoteImagesResult, void>(method);
}

export interface RemotePushParams extends WorkDoneProgressParams {
  image: Digest;
  /** `oci://host:port/repo[:tag]`, `file://PATH` or `s3://BUCKET/PREFIX`. */
  ref: string;
  /** Push even though the snapshot holds secrets in clear (the user said "Push anyway"). */
  allowSecrets?: boolean;
}

/** The `data` of a SecretsInClear error: the variables, as `NAME (world.env)`, never their values. */
export interface SecretsInClearData {
  variables: string[];
}

export interface RemotePushResult {
  /** The reference that pulls what was pushed (for "Copy pull reference"). */
  pullRef: string;
  /** oci:// only: the OCI manifest's digest. */
  manifestDigest?: Digest;
  layers: number;
  uploaded: number;
  skipped: number;
}

/** client → server: push an image and its closure to `oci://host:port/repo[:tag]` (work-done progress, cancellable). */
export namespace RemotePushRequest {
  export const method = 'processfork/remotePush' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<RemotePushParams, RemotePushResult, void>(method);
}

export interface RemotePullParams extends WorkDoneProgressParams {
  /** `oci://host:port/repo[:tag]`, `file://PATH` or `s3://BUCKET/PREFIX`. */
  ref: string;
  /** Accept an image whose signature is missing or made with another key. */
  allowUnsigned?: boolean;
}

export interface RemotePullResult {
  image: Digest;
  layers: number;
  downloaded: number;
  alreadyHad: number;
  /** What the image's merge or CRIU records name that the remote lacks (pf's own pushes leave them out). */
  notes?: string[];
}

/** client → server: pull an image and the missing blobs of its closure (signature checked unless `allowUnsigned`). */
export namespace RemotePullRequest {
  export const method = 'processfork/remotePull' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<RemotePullParams, RemotePullResult, void>(method);
}

export interface FetchBlobParams extends DigestParams, RemoteParams {}

export interface FetchBlobResult {
  found: boolean;
  /** The tag of the image it came through. */
  tag?: string;
}

/** client → server: fetch one missing blob through any image of the remote that contains it. */
export namespace FetchBlobRequest {
  export const method = 'processfork/fetchBlob' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<FetchBlobParams, FetchBlobResult, void>(method);
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

// ---------------------------------------------------------------------------------------------------------
// Snapshots as the agent's state: its layers read as pf writes them (shared/snapshotView.ts).

export interface SnapshotParams {
  /** The snapshot's name, its digest, or a unique digest prefix. */
  image: string;
  /** Conversation messages and tool calls in the first page (default 20 and 50, at most 1,000). */
  firstMessages?: number;
  firstToolCalls?: number;
  /**
   * Answer a long conversation's first page from the trace's first bytes before the whole trace is read and
   * hashed (`conversation.preview`, counts not known yet); ask again without it for the checked answer.
   */
  preview?: boolean;
}

/**
 * client → server: a whole snapshot in its user's terms: name, agent, lineage, the first page of its
 * conversation and tool calls (with the ledger's chain verdict), environment, processes and the secrets in clear
 * there (names only), model, cache and files.
 */
export namespace SnapshotRequest {
  export const method = 'processfork/snapshot' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<SnapshotParams, SnapshotView, void>(method);
}

export interface PageParams {
  image: string;
  /** Index of the first item (from 0). */
  offset: number;
  /** Items wanted, at most 1,000. */
  limit: number;
}

/** A page of the conversation, or why the trace cannot be read. */
export type ConversationResult = TraceReport | UnreadableLayer;
/** A page of the tool calls with the ledger's verdict, or why the ledger cannot be read. */
export type ToolCallsResult = LedgerReport | UnreadableLayer;

export interface SessionSecretResult {
  /** True when a secret is now held, false when it was forgotten. */
  set: boolean;
}

export interface ImageCheck {
  image: Digest;
  /** The snapshot's name (`agent.fingerprint`), when it has one. */
  name?: string;
  /** The effects ledger's verdict, as pf verify decides it and stricter. */
  ledger: 'ok' | 'bad' | 'skipped';
  ledgerReason: string;
  /** Checked with the operator session secret (the ledger embeds none). */
  viaOperatorSecret: boolean;
  /** The first bad entry and its tool, when bad. */
  entry?: number;
  tool?: string;
  secrets: SecretInLayer[];
}

/** No parameters: every cataloged image is answered. */
export type ImageChecksParams = Record<string, never>;

export interface ImageChecksResult {
  images: ImageCheck[];
}

/**
 * client → server: every cataloged image's ledger verdict and secrets in clear (names only), for marking tree
 * rows. Answers are kept per image and operator secret: an image's layers never change under its digest.
 */
export namespace ImageChecksRequest {
  export const method = 'processfork/imageChecks' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<ImageChecksParams, ImageChecksResult, void>(method);
}

/** client → server: one page of a snapshot's conversation (every message counted, only the page kept). */
export namespace ConversationRequest {
  export const method = 'processfork/conversation' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<PageParams, ConversationResult, void>(method);
}

/** client → server: one page of a snapshot's tool calls, with the chain verdict over the whole ledger. */
export namespace ToolCallsRequest {
  export const method = 'processfork/toolCalls' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<PageParams, ToolCallsResult, void>(method);
}

export interface SessionSecretParams {
  /** The operator's session secret in hex (pf's PF_SESSION_SECRET), or null to forget it. */
  secretHex: string | null;
}

/**
 * client → server: the operator session secret the editor keeps in SecretStorage, for ledgers signed without an
 * embedded secret. Held in the server's memory only, never logged, never sent back.
 */
export namespace SessionSecretRequest {
  export const method = 'processfork/sessionSecret' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<SessionSecretParams, SessionSecretResult, void>(method);
}

/** Options the client passes in `initialize`. */
export interface InitializationOptions {
  storePath?: string;
  /** False in Restricted Mode: put and gc answer WriteRefused. */
  trusted?: boolean;
}

/** Every method above, for the doc check. */
export const ALL_METHODS = [
  StatusRequest.method,
  StatusNotification.method,
  ListImagesRequest.method,
  ImageDetailsRequest.method,
  ListShardsRequest.method,
  ListBlobsRequest.method,
  StatRequest.method,
  ReadRequest.method,
  PutRequest.method,
  ResolveRequest.method,
  VerifyRequest.method,
  GcRequest.method,
  PutMissingRequest.method,
  RemoteImagesRequest.method,
  RemotePushRequest.method,
  RemotePullRequest.method,
  FetchBlobRequest.method,
  BlobProblemRequest.method,
  RemoveBadBlobRequest.method,
  StoreChangedNotification.method,
  ReferencesRequest.method,
  StoreStatsRequest.method,
  DiffImagesRequest.method,
  LineageRequest.method,
  ImageFilesRequest.method,
  SaveBlobRequest.method,
  SnapshotRequest.method,
  ConversationRequest.method,
  ToolCallsRequest.method,
  SessionSecretRequest.method,
  ImageChecksRequest.method,
] as const;
