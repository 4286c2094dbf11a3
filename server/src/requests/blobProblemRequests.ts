// A bad blob, for the person who has to deal with it: what is wrong (checked now), which snapshots it hurts,
// its stored bytes for a hex view; and the one removal this server does outside gc: a blob that fails its check.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Connection } from 'vscode-languageserver';
import { formatDigest, parseDigest } from '../../../shared/blobs/digest';
import type { BlobProblemParams, BlobProblemResult, RemoveBadBlobParams } from '../../../shared/protocol';
import { ResponseError } from 'vscode-languageserver';
import { BlobProblemRequest, RemoveBadBlobRequest, StoreErrorCode } from '../../../shared/protocol';
import { abortSignalOf, guarded, invalidInput, objectParams } from '../lsp/rpcErrors';
import { BlobNotFoundError, NotRegularFileError } from '../store/errors';
import { readStoredHead } from '../store/blobs/storedBytes';
import { blobPath } from '../store/blobs/blobPaths';
import { insideRoot } from '../store/io/safeOpen';
import type { StoreHost } from '../host/storeHost';
import { blobUsers } from '../host/blobUsers';

const DEFAULT_RAW_BYTES = 512;
/** Kinds of damage in the file itself, which removing cannot make worse. */
const REMOVABLE = new Set(['hash-mismatch', 'corrupt-frame', 'truncated', 'empty', 'not-a-file']);
const MAX_RAW_BYTES = 1 << 20;

export function registerBlobProblemRequests(connection: Connection, host: StoreHost): void {
  const log = (m: string) => connection.console.error(m);

  connection.onRequest(
    BlobProblemRequest.type,
    guarded(log, async (raw, token): Promise<BlobProblemResult> => {
      const params = objectParams<BlobProblemParams>(raw, 'blobProblem');
      const hex = parseDigest(params.digest);
      const rawBytes = params.rawBytes ?? DEFAULT_RAW_BYTES;
      if (!Number.isSafeInteger(rawBytes) || rawBytes < 0 || rawBytes > MAX_RAW_BYTES) {
        throw invalidInput(`rawBytes must be a whole number from 0 to ${MAX_RAW_BYTES}`);
      }
      const { store, facts, root } = host.open;
      const result = await store.verify(hex, { signal: abortSignalOf(token) });
      if (result.problem?.kind === 'not-found') {
        throw new BlobNotFoundError(hex);
      }
      await facts.remember(hex, result.ok, result.problem?.message, result.decodedBytes);
      const stored = await readStoredHead(root, hex, rawBytes).catch((err) => {
        if (err instanceof NotRegularFileError) {
          return undefined; // never opened: there are no bytes to show
        }
        throw err;
      });
      const users = await blobUsers(host, hex, { wait: true });
      return {
        digest: formatDigest(hex),
        ok: result.ok,
        ...(result.problem ? { kind: result.problem.kind, problem: result.problem.message } : {}),
        storedBytes: stored?.size ?? 0,
        ...(stored ? { rawHead: stored.head.toString('base64') } : {}),
        users: users.images,
        unknownUsers: users.unknown,
        usersComplete: users.complete,
      };
    }),
  );

  connection.onRequest(
    RemoveBadBlobRequest.type,
    guarded(log, async (raw, token) => {
      const hex = parseDigest(objectParams<RemoveBadBlobParams>(raw, 'removeBadBlob').digest);
      if (!host.trusted) {
        throw new ResponseError(StoreErrorCode.WriteRefused, 'removing blobs is off in an untrusted workspace');
      }
      const { store, root } = host.open;
      const file = blobPath(root, hex);
      // Never through a shard folder that leads out of the store: unlink would remove the file it leads to.
      if (!(await insideRoot(root, path.dirname(file)).catch(() => false))) {
        throw invalidInput(`${formatDigest(hex)}'s shard folder leads out of the store; nothing was removed`);
      }
      const before = await fs.lstat(file).catch(() => undefined);
      if (!before) {
        return { removed: false };
      }
      // Checked again now: the file may have been repaired since the user last looked.
      const result = await store.verify(hex, { signal: abortSignalOf(token) });
      if (result.ok) {
        throw invalidInput(
          `${formatDigest(hex)} passes its check now; it was not removed (Remove Unreferenced Blobs removes good blobs no snapshot uses)`,
        );
      }
      // Only damage that is in the file itself: a read that failed (permissions, a disk error) or a size over the
      // limit says nothing about the bytes, and the blob may well be good.
      if (!REMOVABLE.has(result.problem?.kind ?? '')) {
        throw invalidInput(
          `${formatDigest(hex)} could not be checked (${result.problem?.kind}), which says nothing about its bytes; it was not removed`,
        );
      }
      // The file checked is the file removed: a put or fetch that landed a good copy meanwhile is kept.
      const now = await fs.lstat(file).catch(() => undefined);
      if (!now || now.ino !== before.ino || now.size !== before.size || now.mtimeMs !== before.mtimeMs) {
        throw invalidInput(`${formatDigest(hex)} changed while it was being checked; nothing was removed`);
      }
      const removed = await store.delete(hex);
      await host.noteWritten([hex]);
      return { removed };
    }),
  );
}
