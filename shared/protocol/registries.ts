// Registries (oci://, file://, s3://). Credentials never travel in these messages (a verbose trace would
// log them): the client hands them to the server process at start, in its environment.
import type { WorkDoneProgressParams } from 'vscode-languageserver-protocol';
import { MessageDirection, RequestType } from 'vscode-languageserver-protocol';
import type { Digest, DigestParams, RemoteParams } from './common';

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
