// Every custom message between the extension and the store server, declared once, the way the LSP declares
// its own: each method is a namespace with its `method` string, its direction, and a `type` built from named
// Params and Result types, one file per area. docs/protocol.md has one section per method and carries a hash
// of this folder's files; test/protocol/protocolDoc.test.ts fails when either drifts.
// Digests travel as `sha256:<64 lower-case hex>` strings; byte payloads as base64.
import {
  GcRequest,
  ReferencesRequest,
  StatusNotification,
  StatusRequest,
  StoreChangedNotification,
  StoreStatsRequest,
} from './store';
import {
  BlobProblemRequest,
  ListBlobsRequest,
  ListShardsRequest,
  PutMissingRequest,
  PutRequest,
  ReadRequest,
  RemoveBadBlobRequest,
  ResolveRequest,
  SaveBlobRequest,
  StatRequest,
} from './blobs';
import { ImageChecksRequest, VerifyRequest } from './checks';
import {
  ConversationRequest,
  DiffImagesRequest,
  ImageDetailsRequest,
  ImageFilesRequest,
  LineageRequest,
  ListImagesRequest,
  SessionSecretRequest,
  SnapshotRequest,
  ToolCallsRequest,
} from './snapshots';
import { FetchBlobRequest, RemoteImagesRequest, RemotePullRequest, RemotePushRequest } from './registries';
import { EffectsRequest } from './effects';
import { SearchRequest } from './search';
export * from './common';
export * from './store';
export * from './blobs';
export * from './checks';
export * from './snapshots';
export * from './registries';
export * from './effects';
export * from './search';

/** Every method of every area, for the doc check. */
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
  EffectsRequest.method,
  SearchRequest.method,
] as const;
