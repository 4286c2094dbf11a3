// Typed calls to the store server: one method per custom request in shared/protocol.ts.
import type { CancellationToken } from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { ProgressToken } from 'vscode-languageclient/node';
import type { SnapshotView } from '../../../shared/snapshots/snapshotView';
import type {
  EffectsResult,
  SearchResult,
  ConversationResult,
  ImageChecksResult,
  ToolCallsResult,
  BlobInfo,
  BlobProblemResult,
  DiffImagesResult,
  ImageFilesResult,
  SaveBlobResult,
  FetchBlobResult,
  GcParams,
  GcResult,
  ReferencesResult,
  StoreStatsResult,
  ImageDetailsResult,
  ListBlobsParams,
  ListBlobsResult,
  ListImagesResult,
  ListShardsResult,
  PutMissingResult,
  PutParams,
  PutResult,
  ReadResult,
  RemoteImagesResult,
  RemotePullResult,
  RemotePushResult,
  ResolveResult,
  StoreStatus,
  VerifyReport,
  VerifyTarget,
} from '../../../shared/protocol/index';
import {
  SearchRequest,
  BlobProblemRequest,
  RemoveBadBlobRequest,
  ConversationRequest,
  EffectsRequest,
  ImageChecksRequest,
  SessionSecretRequest,
  SnapshotRequest,
  ToolCallsRequest,
  DiffImagesRequest,
  ImageFilesRequest,
  SaveBlobRequest,
  ReferencesRequest,
  StoreStatsRequest,
  FetchBlobRequest,
  RemoteImagesRequest,
  RemotePullRequest,
  RemotePushRequest,
  PutMissingRequest,
  GcRequest,
  ImageDetailsRequest,
  ListBlobsRequest,
  ListImagesRequest,
  ListShardsRequest,
  PutRequest,
  ReadRequest,
  ResolveRequest,
  StatRequest,
  StatusRequest,
  VerifyRequest,
} from '../../../shared/protocol/index';

export class StoreApi {
  constructor(readonly client: LanguageClient) {}

  status(): Promise<StoreStatus> {
    return this.client.sendRequest(StatusRequest.type, {});
  }
  images(): Promise<ListImagesResult> {
    return this.client.sendRequest(ListImagesRequest.type, {});
  }
  imageDetails(digest: string): Promise<ImageDetailsResult> {
    return this.client.sendRequest(ImageDetailsRequest.type, { digest });
  }
  snapshot(
    image: string,
    opts: { preview?: boolean; firstToolCalls?: number } = {},
    token?: CancellationToken,
  ): Promise<SnapshotView> {
    return this.client.sendRequest(SnapshotRequest.type, { image, ...opts }, token);
  }
  conversation(image: string, offset: number, limit: number): Promise<ConversationResult> {
    return this.client.sendRequest(ConversationRequest.type, { image, offset, limit });
  }
  toolCalls(image: string, offset: number, limit: number): Promise<ToolCallsResult> {
    return this.client.sendRequest(ToolCallsRequest.type, { image, offset, limit });
  }
  effects(image: string, offset = 0, limit = 2000): Promise<EffectsResult> {
    return this.client.sendRequest(EffectsRequest.type, { image, offset, limit });
  }
  search(
    query: string,
    page: { offset?: number; limit?: number },
    workDoneToken: ProgressToken | undefined,
    token?: CancellationToken,
  ): Promise<SearchResult> {
    return this.client.sendRequest(SearchRequest.type, { query, ...page, workDoneToken }, token);
  }
  imageChecks(): Promise<ImageChecksResult> {
    return this.client.sendRequest(ImageChecksRequest.type, {});
  }
  sessionSecret(secretHex: string | null): Promise<{ set: boolean }> {
    return this.client.sendRequest(SessionSecretRequest.type, { secretHex });
  }
  shards(): Promise<ListShardsResult> {
    return this.client.sendRequest(ListShardsRequest.type, {});
  }
  blobs(params: ListBlobsParams): Promise<ListBlobsResult> {
    return this.client.sendRequest(ListBlobsRequest.type, params);
  }
  stat(digest: string, token?: CancellationToken): Promise<BlobInfo> {
    return this.client.sendRequest(StatRequest.type, { digest }, token);
  }
  read(digest: string, offset?: number, length?: number, token?: CancellationToken): Promise<ReadResult> {
    return this.client.sendRequest(ReadRequest.type, { digest, offset, length }, token);
  }
  blobProblem(digest: string, rawBytes?: number): Promise<BlobProblemResult> {
    return this.client.sendRequest(BlobProblemRequest.type, { digest, rawBytes });
  }
  removeBadBlob(digest: string): Promise<{ removed: boolean }> {
    return this.client.sendRequest(RemoveBadBlobRequest.type, { digest });
  }
  put(params: PutParams, token?: CancellationToken): Promise<PutResult> {
    return this.client.sendRequest(PutRequest.type, params, token);
  }
  resolve(query: string, token?: CancellationToken): Promise<ResolveResult> {
    return this.client.sendRequest(ResolveRequest.type, { query }, token);
  }
  verify(
    target: VerifyTarget,
    workDoneToken: ProgressToken | undefined,
    token?: CancellationToken,
  ): Promise<VerifyReport> {
    return this.client.sendRequest(VerifyRequest.type, { ...target, workDoneToken }, token);
  }
  putMissing(
    image: string,
    folderUri: string,
    workDoneToken: ProgressToken | undefined,
    token?: CancellationToken,
  ): Promise<PutMissingResult> {
    return this.client.sendRequest(PutMissingRequest.type, { image, folderUri, workDoneToken }, token);
  }
  remoteImages(remote: string): Promise<RemoteImagesResult> {
    return this.client.sendRequest(RemoteImagesRequest.type, { remote });
  }
  push(
    image: string,
    ref: string,
    workDoneToken: ProgressToken | undefined,
    token?: CancellationToken,
    allowSecrets = false,
  ): Promise<RemotePushResult> {
    return this.client.sendRequest(RemotePushRequest.type, { image, ref, workDoneToken, allowSecrets }, token);
  }
  pull(
    ref: string,
    allowUnsigned: boolean,
    workDoneToken: ProgressToken | undefined,
    token?: CancellationToken,
  ): Promise<RemotePullResult> {
    return this.client.sendRequest(RemotePullRequest.type, { ref, allowUnsigned, workDoneToken }, token);
  }
  fetchBlob(digest: string, remote: string): Promise<FetchBlobResult> {
    return this.client.sendRequest(FetchBlobRequest.type, { digest, remote });
  }
  gc(params: GcParams, token?: CancellationToken): Promise<GcResult> {
    return this.client.sendRequest(GcRequest.type, params, token);
  }
  diffImages(a: string, b: string): Promise<DiffImagesResult> {
    return this.client.sendRequest(DiffImagesRequest.type, { a, b });
  }
  saveBlob(digest: string, uri: string, token?: CancellationToken): Promise<SaveBlobResult> {
    return this.client.sendRequest(SaveBlobRequest.type, { digest, uri }, token);
  }
  imageFiles(digest: string): Promise<ImageFilesResult> {
    return this.client.sendRequest(ImageFilesRequest.type, { digest });
  }
  references(digest: string): Promise<ReferencesResult> {
    return this.client.sendRequest(ReferencesRequest.type, { digest });
  }
  stats(workDoneToken: ProgressToken | undefined, token?: CancellationToken): Promise<StoreStatsResult> {
    return this.client.sendRequest(StoreStatsRequest.type, { workDoneToken }, token);
  }
}
