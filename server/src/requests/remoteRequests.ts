// The registry requests: list a remote's images, push, pull, and fetch one missing blob. Slow transfers report
// work-done progress and stop between blobs when cancelled; writes are off in untrusted workspaces.
import type { Connection } from 'vscode-languageserver';
import { ResponseError } from 'vscode-languageserver';
import { formatDigest, parseDigest } from '../../../shared/digest';
import {
  FetchBlobRequest,
  RemoteImagesRequest,
  RemotePullRequest,
  RemotePushRequest,
  StoreErrorCode,
} from '../../../shared/protocol';
import type { FetchBlobParams, RemoteImagesParams, RemotePullParams, RemotePushParams } from '../../../shared/protocol';
import { authFor } from '../oci/credentials';
import { fetchBlobFromRemote } from '../oci/fetchBlob';
import type { OciRef } from '../oci/ociRef';
import { parseOciRef } from '../oci/ociRef';
import { listRemote, pullImage } from '../oci/pull';
import { pushImage } from '../oci/push';
import { RegistryClient } from '../oci/registryClient';
import { logged } from '../lsp/operationLog';
import { workDoneOn } from '../lsp/progressReporters';
import { abortSignalOf, guarded, objectParams } from '../lsp/rpcErrors';
import type { StoreHost } from '../host/storeHost';

function clientFor(ref: OciRef): RegistryClient {
  return new RegistryClient(ref, authFor(ref));
}

function refuseUntrusted(host: StoreHost, what: string): void {
  if (!host.trusted) {
    throw new ResponseError(StoreErrorCode.WriteRefused, `${what} is off in an untrusted workspace`);
  }
}

export function registerRemoteRequests(connection: Connection, host: StoreHost): void {
  const log = (m: string) => connection.console.error(m);
  const info = (m: string) => connection.console.info(m);

  connection.onRequest(
    RemoteImagesRequest.type,
    guarded(log, async (raw) => {
      const ref = parseOciRef(objectParams<RemoteImagesParams>(raw, 'remoteImages').remote, { tagOptional: true });
      return { images: await listRemote(ref, clientFor(ref)) };
    }),
  );

  connection.onRequest(
    RemotePushRequest.type,
    guarded(log, async (raw, token) => {
      const params = objectParams<RemotePushParams>(raw, 'remotePush');
      refuseUntrusted(host, 'pushing');
      const hex = parseDigest(params.image);
      const ref = parseOciRef(params.ref);
      const progress = workDoneOn(connection, params.workDoneToken);
      progress.begin(`Pushing to ${ref.host}/${ref.repo}:${ref.tag}`);
      try {
        return await logged(
          info,
          `push ${formatDigest(hex).slice(0, 19)}… to ${params.ref}`,
          () =>
            pushImage(host.open.store, hex, ref, {
              client: clientFor(ref),
              signal: abortSignalOf(token),
              onProgress: (p) =>
                progress.report(Math.floor((p.done / p.total) * 100), `${p.done}/${p.total} ${p.note}`),
            }),
          (r) => `${r.layers} blobs, ${r.uploaded} uploaded, ${r.skipped} already there`,
        );
      } finally {
        progress.done();
      }
    }),
  );

  connection.onRequest(
    RemotePullRequest.type,
    guarded(log, async (raw, token) => {
      const params = objectParams<RemotePullParams>(raw, 'remotePull');
      refuseUntrusted(host, 'pulling');
      const ref = parseOciRef(params.ref);
      const progress = workDoneOn(connection, params.workDoneToken);
      progress.begin(`Pulling ${ref.host}/${ref.repo}:${ref.tag}`);
      try {
        const result = await logged(
          info,
          `pull ${params.ref}`,
          () =>
            pullImage(host.open.store, ref, {
              client: clientFor(ref),
              allowUnsigned: params.allowUnsigned === true,
              signal: abortSignalOf(token),
              onProgress: (p) => progress.report(Math.floor((p.done / p.total) * 100), `${p.done}/${p.total}`),
            }),
          (r) => `${r.layers} blobs, ${r.downloaded} downloaded, ${r.alreadyHad} already here`,
        );
        return {
          image: formatDigest(result.imageHex),
          layers: result.layers,
          downloaded: result.downloaded,
          alreadyHad: result.alreadyHad,
        };
      } finally {
        progress.done();
      }
    }),
  );

  connection.onRequest(
    FetchBlobRequest.type,
    guarded(log, async (raw) => {
      const params = objectParams<FetchBlobParams>(raw, 'fetchBlob');
      refuseUntrusted(host, 'fetching blobs');
      const hex = parseDigest(params.digest);
      const ref = parseOciRef(params.remote, { tagOptional: true });
      const result = await logged(
        info,
        `fetch ${formatDigest(hex).slice(0, 19)}… from ${params.remote}`,
        () => fetchBlobFromRemote(host.open.store, clientFor(ref), hex),
        (r) => (r.found ? `found as ${r.tag}` : 'not in any image there'),
      );
      if (result.found) {
        await host.noteWritten([hex]);
      }
      return result;
    }),
  );
}
