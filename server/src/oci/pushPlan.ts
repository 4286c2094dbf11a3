// What every push (OCI, file://, s3://) does before sending a byte: read the image's manifest, refuse one pf could
// not pull, walk its whole closure (what its merge and CRIU records name included), and check that every blob
// of it is here and intact. A corrupt or missing blob refuses the push with nothing sent.
import * as path from 'node:path';
import { imagesDir } from '../store/blobs/blobPaths';
import type { FsBlobStore } from '../store/blobs/fsBlobStore';
import { InvalidInputError, StoreError, throwIfAborted } from '../store/errors';
import { MAX_MANIFEST_BYTES } from '../store/images/imageCatalog';
import type { ClosureEntry } from '../store/images/imageClosure';
import { parseManifest } from '../store/images/manifest';
import { readRegularFile } from '../store/io/safeOpen';
import { snapshotClosure } from '../store/layers/snapshotClosure';
import { forEachInFlight } from '../../../shared/common/inFlight';

export interface PushPlan {
  manifestBytes: Buffer;
  /** Each blob once, in closure order. */
  closure: ClosureEntry[];
  /** Each blob's stored size (its file's), as found when the plan was made (unless not asked for). */
  sizes: Map<string, number>;
}

export async function pushPlan(
  store: FsBlobStore,
  imageHex: string,
  signal?: AbortSignal,
  /**
   * False when nothing sent becomes visible before every blob has been read and checked (a folder's batch): each
   * blob is checked as it is read for sending, and one that fails aborts the batch, so a check up front would
   * only read every blob twice.
   */
  checkFirst = true,
  /**
   * False when the caller finds each blob's file as it copies it (a folder's batch, where nothing is visible
   * before every copy has succeeded): then `sizes` is empty and a missing blob is the caller's to report.
   */
  findSizes = true,
): Promise<PushPlan> {
  const manifestBytes = await readRegularFile(
    path.join(imagesDir(store.root), `${imageHex}.json`),
    MAX_MANIFEST_BYTES,
  ).catch(async (err) => {
    if (err instanceof StoreError) {
      throw err; // a FIFO, a symlink or an oversized file in the catalog: say so
    }
    return store.get(imageHex); // pf-core keeps the manifest as a blob too
  });
  const { manifest, problems } = parseManifest(manifestBytes.toString('utf8'));
  const fatal = problems.filter((p) => p.severity === 'error');
  if (!manifest || fatal.length > 0) {
    throw new StoreError(
      'invalid-input',
      `image sha256:${imageHex} is not a valid manifest: ${fatal.map((p) => `${p.path} ${p.message}`).join('; ')}`,
    );
  }
  refuseCamelCase(imageHex, manifestBytes);
  const { entries, unexpanded } = await snapshotClosure(store, manifest, { signal });
  if (unexpanded.length > 0) {
    const u = unexpanded[0];
    throw new StoreError('invalid-input', `cannot push an incomplete closure: ${u.layer} sha256:${u.hex}: ${u.reason}`);
  }
  const closure = [...new Map(entries.map((e) => [e.hex, e])).values()];
  const sizes = new Map<string, number>();
  if (findSizes) {
    const missing: ClosureEntry[] = [];
    await forEachInFlight(
      closure,
      32,
      async (e) => {
        const size = await store.storedSize(e.hex);
        if (size === undefined) {
          missing.push(e);
        } else {
          sizes.set(e.hex, size);
        }
      },
      signal,
    );
    if (missing.length > 0) {
      throw missingBlobsError(missing);
    }
  }

  // The whole closure is checked before the first upload: a corrupt blob refuses the push with nothing sent
  // (each blob is checked again as it is read for upload, so the bytes sent are the bytes checked).
  if (checkFirst) {
    await checkClosure(store, closure, signal);
  }
  return { manifestBytes, closure, sizes };
}

/** The refusal of a push whose closure lacks blobs here, naming the first. */
export function missingBlobsError(missing: ClosureEntry[]): StoreError {
  return new StoreError(
    'not-found',
    `${missing.length} blob(s) of the image's closure are missing (first: sha256:${missing[0].hex}, ${missing[0].layer}); it cannot be pushed whole`,
  );
}

/** Re-hashes these blobs of a closure; throws, naming the first bad one's layer, when any fails. */
export async function checkClosure(
  store: FsBlobStore,
  entries: Array<{ hex: string; layer: string }>,
  signal?: AbortSignal,
): Promise<void> {
  const check = await store.verifyMany(
    entries.map((e) => e.hex),
    { signal },
  );
  if (check.cancelled) {
    throwIfAborted(signal);
  }
  if (check.problems.length > 0) {
    const p = check.problems[0];
    const layer = entries.find((e) => e.hex === p.hex)?.layer;
    throw new StoreError(
      'integrity',
      `${check.problems.length} blob(s) of the image's closure failed verification (first: ${layer ? `${layer}: ` : ''}${p.message}); nothing was pushed`,
    );
  }
}

/**
 * pf's manifest parser takes snake_case fields only: an image stored with the camelCase variant would push
 * fine and then fail in `pf pull`. Its content id is its bytes, so it cannot be rewritten here; say so.
 */
function refuseCamelCase(imageHex: string, manifestBytes: Uint8Array): void {
  const top = JSON.parse(Buffer.from(manifestBytes).toString('utf8')) as Record<string, unknown>;
  const camel = ['schemaVersion', 'mediaType', 'createdAt'].filter((k) => k in top);
  if (camel.length > 0) {
    throw new InvalidInputError(
      `image sha256:${imageHex} is stored with camelCase fields (${camel.join(', ')}); pf pull reads snake_case manifests only, so it could not pull this push. Re-create the image with pf (its id is its bytes: it cannot be rewritten in place)`,
    );
  }
}
