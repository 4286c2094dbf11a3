// Snapshots: the image list, one image's layers, compare and lineage, its files, and the agent's state
// layer by layer (shared/snapshots/snapshotView.ts): conversation, tool calls, the operator's session secret.
import type { LedgerReport, SnapshotDiff, SnapshotView, TraceReport, UnreadableLayer } from '../snapshots/snapshotView';
import { MessageDirection, RequestType } from 'vscode-languageserver-protocol';
import type { Digest, DigestParams, NoParams } from './common';

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

// Snapshots as the agent's state: its layers read as pf writes them (shared/snapshots/snapshotView.ts).

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
