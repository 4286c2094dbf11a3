// pfstore pull / the editor's pull: an image pushed by pf (or by us) into the local store. Every layer is
// checked twice, its compressed bytes against the layer digest and the decoded bytes against the raw digest in
// its annotation, before it is written (temp file, fsync, rename), so nothing corrupt or partial lands.
import { createHash } from 'node:crypto';
import { MAX_MANIFEST_BYTES } from '../store/images/imageCatalog';
import { IntegrityError, StoreError, throwIfAborted } from '../store/errors';
import { commitStaged, removeStaged, type StagedFile } from '../store/io/stagedCommit';
import { catalogImage } from '../store/images/catalogImage';
import type { FsBlobStore } from '../store/blobs/fsBlobStore';
import { parseManifest } from '../store/images/manifest';
import { LAYER_MEDIA_TYPE, parseOciManifest, rawHexOfLayer } from './ociImage';
import type { OciRef } from './ociRef';
import type { TransferProgress } from './push';
import { TRANSFER_CONCURRENCY, forEachInFlight } from '../../../shared/common/inFlight';
import { RegistryClient } from './registryClient';
import { checkSignature, SIGNATURE_MEDIA_TYPE } from './signature';
import { shortHex } from '../../../shared/blobs/digest';

export interface PullResult {
  imageHex: string;
  layers: number;
  downloaded: number;
  alreadyHad: number;
}

export async function pullImage(
  store: FsBlobStore,
  ref: OciRef,
  opts: {
    signal?: AbortSignal;
    onProgress?: (p: TransferProgress) => void;
    allowUnsigned?: boolean;
    client?: RegistryClient;
    /** Downloads in flight at once (1: one after another). */
    concurrency?: number;
  } = {},
): Promise<PullResult> {
  const client = opts.client ?? new RegistryClient(ref);
  const ociBytes = await client.getManifest(ref.tag);
  if (ref.digest && sha256Of(ociBytes) !== ref.digest) {
    throw new IntegrityError(
      ref.digest.slice(7),
      'hash-mismatch',
      `the registry's manifest for ${ref.repo}@${ref.digest} hashes to ${sha256Of(ociBytes)}`,
    );
  }
  const oci = parseOciManifest(ociBytes);
  // The config is the image manifest: the same limit as a catalog file, so whatever pushes also pulls.
  const config = await client.getBlob(oci.config.digest, MAX_MANIFEST_BYTES);
  const imageHex = oci.config.digest.slice(7);
  const { manifest, problems } = parseManifest(config.toString('utf8'));
  if (!manifest || problems.some((p) => p.severity === 'error')) {
    throw new StoreError('invalid-input', `${ref.repo}:${ref.tag} does not carry a valid ProcessFork manifest`);
  }

  // As pf: the signature layer is found by its media type wherever it is, and layers of other types (an
  // annotation, an SBOM a registry attached) are passed over.
  const sigLayer = oci.layers.find((l) => l.mediaType === SIGNATURE_MEDIA_TYPE);
  const blobLayers = oci.layers.filter((l) => l.mediaType === LAYER_MEDIA_TYPE);
  const verdict =
    sigLayer?.mediaType === SIGNATURE_MEDIA_TYPE
      ? checkSignature(await client.getBlob(sigLayer.digest, 1 << 20), config)
      : 'the image has no signature layer';
  if (verdict && !opts.allowUnsigned) {
    throw new IntegrityError(
      imageHex,
      'hash-mismatch',
      `refusing to pull ${ref.repo}:${ref.tag}: ${verdict} (pass --allow-unsigned to take it anyway)`,
    );
  }

  let downloaded = 0;
  let alreadyHad = 0;
  const total = blobLayers.length;
  let done = 0;
  // Every layer is named before any is fetched: a malformed one refuses the pull with nothing downloaded.
  const rawHexes = blobLayers.map((layer) => {
    const rawHex = rawHexOfLayer(layer);
    if (!rawHex) {
      throw new StoreError('invalid-input', `layer ${layer.digest} is not a ProcessFork blob layer`);
    }
    return rawHex;
  });
  // Every layer is made durable with the others before any gets its name, and before the image enters the catalog
  // (io/stagedCommit.ts): nothing is called pulled that a power cut can lose.
  const staged: StagedFile[] = [];
  await forEachInFlight(blobLayers, opts.concurrency ?? TRANSFER_CONCURRENCY, async (layer, i) => {
    throwIfAborted(opts.signal);
    const rawHex = rawHexes[i];
    // A layer already here counts only once it verifies and its time is refreshed (the gc protocol: a gc running
    // beside this pull then keeps it, or has moved it aside and it is fetched). Otherwise it is streamed to a temp
    // file (checked against the layer digest), decoded and re-hashed against the annotation's raw digest, and
    // staged to be made durable and renamed into place with the others.
    const fetched = await store.adoptCompressedFile(
      rawHex,
      (temp) => client.downloadBlob(layer.digest, temp, layer.size, opts.signal), // the size its manifest declares
      { signal: opts.signal, stage: staged },
    );
    if (fetched) {
      downloaded++;
    } else {
      alreadyHad++;
    }
    opts.onProgress?.({ done: ++done, total, note: shortHex(rawHex) });
  }).catch(async (err) => {
    await removeStaged(staged);
    throw err;
  });
  await commitStaged(staged, store.root, opts.signal).catch(async (err) => {
    await removeStaged(staged);
    throw err;
  });
  // The manifest last: an image appears in the catalog only once its closure is here.
  await catalogImage(store, imageHex, config);
  return { imageHex, layers: total, downloaded, alreadyHad };
}

function sha256Of(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export async function listRemote(
  ref: OciRef,
  client = new RegistryClient(ref),
): Promise<Array<{ tag: string; image: string; manifest: string }>> {
  const tags = await client.listTags();
  const out: Array<{ tag: string; image: string; manifest: string }> = [];
  for (const tag of tags) {
    try {
      const bytes = await client.getManifest(tag);
      const oci = parseOciManifest(bytes);
      // The manifest digest pins exactly what the tag names now: `oci://host/repo@<manifest>` pulls it later.
      out.push({ tag, image: oci.config.digest, manifest: sha256Of(bytes) });
    } catch {
      // not a ProcessFork image: other artifacts can share the repository
    }
  }
  return out;
}
