// The registry requests: list a remote's images, push, pull, and fetch one missing blob, for every remote kind
// (oci://, file://, s3://). Slow transfers report work-done progress and stop between blobs when cancelled;
// writes are off in untrusted workspaces.
import type { Connection } from 'vscode-languageserver';
import { ResponseError } from 'vscode-languageserver';
import { formatDigest, parseDigest, shortDigest } from '../../../shared/blobs/digest';
import {
  FetchBlobRequest,
  RemoteImagesRequest,
  RemotePullRequest,
  RemotePushRequest,
  StoreErrorCode,
} from '../../../shared/protocol';
import type {
  FetchBlobParams,
  RemoteImagesParams,
  RemotePullParams,
  RemotePushParams,
  SecretsInClearData,
} from '../../../shared/protocol';
import { secretNames, secretsInClear } from '../store/layers/snapshot/secretsBeforeSharing';
import { plural } from '../../../shared/common/format';
import { authFor } from '../oci/credentials';
import { RegistryClient } from '../oci/registryClient';
import { parseRemote, remoteText, type RemoteRef } from '../remotes/remoteRef';
import { fetchBlobFrom, listImagesAt, pullFrom, pushTo, type RemoteOptions } from '../remotes/remotes';
import { logged } from '../lsp/operationLog';
import { workDoneOn } from '../lsp/progressReporters';
import { abortSignalOf, guarded, objectParams } from '../lsp/rpcErrors';
import type { StoreHost } from '../host/storeHost';

/** OCI registries get the editor's credentials (or pf's variables); s3:// reads its own from the environment. */
const withCredentials: RemoteOptions['ociClient'] = (ref: Extract<RemoteRef, { kind: 'oci' }>) =>
  new RegistryClient(ref.oci, authFor(ref.oci));

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
      const ref = parseRemote(objectParams<RemoteImagesParams>(raw, 'remoteImages').remote, { tagOptional: true });
      return { images: await listImagesAt(ref, { ociClient: withCredentials }) };
    }),
  );

  connection.onRequest(
    RemotePushRequest.type,
    guarded(log, async (raw, token) => {
      const params = objectParams<RemotePushParams>(raw, 'remotePush');
      refuseUntrusted(host, 'pushing');
      const hex = parseDigest(params.image);
      const ref = parseRemote(params.ref);
      if (params.allowSecrets !== true) {
        const found = await secretsInClear(host.open.store, hex, abortSignalOf(token));
        if (found.length > 0) {
          const data: SecretsInClearData = { variables: found };
          throw new ResponseError(
            StoreErrorCode.SecretsInClear,
            `not pushed: the snapshot holds secrets in clear: ${secretNames(found)}`,
            data,
          );
        }
      }
      const progress = workDoneOn(connection, params.workDoneToken);
      progress.begin(`Pushing to ${remoteText(ref)}`);
      try {
        const r = await logged(
          info,
          `push ${shortDigest(hex)} to ${params.ref}`,
          () =>
            pushTo(host.open.store, hex, ref, {
              ociClient: withCredentials,
              signal: abortSignalOf(token),
              onProgress: (p) =>
                progress.report(Math.floor((p.done / p.total) * 100), `${p.done}/${p.total} ${p.note}`),
            }),
          (r) => `${plural(r.blobs, 'blob')}, ${r.uploaded} uploaded, ${r.skipped} already there`,
        );
        return {
          pullRef: r.pullRef,
          ...(r.manifestDigest ? { manifestDigest: r.manifestDigest } : {}),
          layers: r.blobs,
          uploaded: r.uploaded,
          skipped: r.skipped,
        };
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
      const ref = parseRemote(params.ref);
      const progress = workDoneOn(connection, params.workDoneToken);
      progress.begin(`Pulling ${remoteText(ref)}`);
      try {
        const result = await logged(
          info,
          `pull ${params.ref}`,
          () =>
            pullFrom(host.open.store, ref, {
              ociClient: withCredentials,
              allowUnsigned: params.allowUnsigned === true,
              signal: abortSignalOf(token),
              onProgress: (p) => progress.report(Math.floor((p.done / p.total) * 100), `${p.done}/${p.total}`),
            }),
          (r) => `${plural(r.blobs, 'blob')}, ${r.downloaded} downloaded, ${r.alreadyHad} already here`,
        );
        return {
          image: formatDigest(result.imageHex),
          layers: result.blobs,
          downloaded: result.downloaded,
          alreadyHad: result.alreadyHad,
          ...(result.notes.length > 0 ? { notes: result.notes } : {}),
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
      const ref = parseRemote(params.remote, { tagOptional: true });
      const result = await logged(
        info,
        `fetch ${shortDigest(hex)} from ${params.remote}`,
        () => fetchBlobFrom(host.open.store, ref, hex, { ociClient: withCredentials }),
        (r) => (r.found ? `found as ${r.tag}` : 'not in any image there'),
      );
      if (result.found) {
        await host.noteWritten([hex]);
      }
      return result;
    }),
  );
}
