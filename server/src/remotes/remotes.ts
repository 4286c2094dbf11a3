// One entry for every remote pf speaks that we can run: push, pull and list for oci://, file:// and s3://, each
// in pf's layout, with the signature key pf uses for that kind. The CLI and the server call only these.
import { formatDigest } from '../../../shared/blobs/digest';
import type { RemoteImage } from '../../../shared/protocol';
import { pullImage } from '../oci/pull';
import { pushImage, type TransferProgress } from '../oci/push';
import { listRemote } from '../oci/pull';
import { RegistryClient } from '../oci/registryClient';
import { fetchBlobFromRemote } from '../oci/fetchBlob';
import { signingKey } from '../oci/signature';
import type { FsBlobStore } from '../store/blobs/fsBlobStore';
import { FileRegistry } from './fileRegistry';
import { listObjectImages } from './objectList';
import { adoptObject, pullFromObjects } from './objectPull';
import { pushToObjects } from './objectPush';
import type { ObjectRegistry } from './objectRegistry';
import { remoteText, type RemoteRef } from './remoteRef';
import { s3RegistryFor } from './s3Registry';
import { MAX_LISTED_LOCATIONS } from '../../../shared/registries/transferLimits';
import { IntegrityError, StoreError } from '../store/errors';

export interface RemoteOptions {
  signal?: AbortSignal;
  onProgress?: (p: TransferProgress) => void;
  env?: NodeJS.ProcessEnv;
  /** For oci:// (credentials and CA already applied). */
  ociClient?: (ref: Extract<RemoteRef, { kind: 'oci' }>) => RegistryClient;
}

export interface PushOutcome {
  /** The reference that pulls what was pushed. */
  pullRef: string;
  blobs: number;
  uploaded: number;
  skipped: number;
  /** oci:// only: the manifest's digest (`repo@sha256:…` pins exactly this push). */
  manifestDigest?: string;
}

export interface PullOutcome {
  imageHex: string;
  blobs: number;
  downloaded: number;
  alreadyHad: number;
  /** What the image's merge or CRIU records name that the remote does not hold (pf's own pushes leave them out). */
  notes: string[];
}

const SIGN_KEY_VARIABLE = { file: 'PF_FILE_REG_SIGN_KEY', s3: 'PF_S3_REG_SIGN_KEY' } as const;

/** The registry a file:// or s3:// reference names (the AWS SDK is loaded on the first s3:// use only). */
export async function objectRegistryFor(
  ref: Exclude<RemoteRef, { kind: 'oci' }>,
  env = process.env,
): Promise<ObjectRegistry> {
  if (ref.kind === 'file') {
    return new FileRegistry(ref.dir);
  }
  return s3RegistryFor(ref.bucket, ref.prefix, env);
}

export async function pushTo(
  store: FsBlobStore,
  imageHex: string,
  ref: RemoteRef,
  opts: RemoteOptions = {},
): Promise<PushOutcome> {
  if (ref.kind === 'oci') {
    const r = await pushImage(store, imageHex, ref.oci, { ...opts, client: opts.ociClient?.(ref) });
    return {
      pullRef: remoteText(ref),
      blobs: r.layers,
      uploaded: r.uploaded,
      skipped: r.skipped,
      manifestDigest: r.manifestDigest,
    };
  }
  const key = signingKey(opts.env, SIGN_KEY_VARIABLE[ref.kind]);
  const r = await pushToObjects(store, imageHex, await objectRegistryFor(ref, opts.env), key, opts);
  return { pullRef: remoteText(ref), ...r };
}

export async function pullFrom(
  store: FsBlobStore,
  ref: RemoteRef,
  opts: RemoteOptions & { allowUnsigned?: boolean } = {},
): Promise<PullOutcome> {
  if (ref.kind === 'oci') {
    const r = await pullImage(store, ref.oci, { ...opts, client: opts.ociClient?.(ref) });
    return { imageHex: r.imageHex, blobs: r.layers, downloaded: r.downloaded, alreadyHad: r.alreadyHad, notes: [] };
  }
  const key = signingKey(opts.env, SIGN_KEY_VARIABLE[ref.kind]);
  const r = await pullFromObjects(store, await objectRegistryFor(ref, opts.env), key, opts);
  return {
    imageHex: r.imageHex,
    blobs: r.blobs,
    downloaded: r.downloaded,
    alreadyHad: r.alreadyHad,
    notes: r.absentExtras.map(
      (e) => `${remoteText(ref)} does not hold ${e.layer} (${formatDigest(e.hex)}); pf's own push leaves it out`,
    ),
  };
}

export async function listImagesAt(ref: RemoteRef, opts: RemoteOptions = {}): Promise<RemoteImage[]> {
  if (ref.kind === 'oci') {
    return listRemote(ref.oci, opts.ociClient?.(ref));
  }
  const base = remoteText(ref);
  return listObjectImages(
    await objectRegistryFor(ref, opts.env),
    (sub) => (sub === '' ? base : `${base}/${sub}`),
    opts.signal,
  );
}

/** One blob through the remote: an object registry holds it by its digest; an OCI one through any image carrying it. */
export async function fetchBlobFrom(
  store: FsBlobStore,
  ref: RemoteRef,
  hex: string,
  opts: RemoteOptions = {},
): Promise<{ found: boolean; tag?: string }> {
  if (ref.kind === 'oci') {
    return fetchBlobFromRemote(store, opts.ociClient?.(ref) ?? new RegistryClient(ref.oci), hex);
  }
  // A folder or prefix is one image as pf pushes it, or (as the view lists them) a place holding one image per
  // folder under it: look in the place itself, then in each image one level down.
  const registry = await objectRegistryFor(ref, opts.env);
  if ((await adoptObject(store, registry, hex, opts.signal)) !== 'absent') {
    return { found: true };
  }
  // Looking one level down is a second chance, not a new way to fail: a place that cannot be listed (no such
  // folder, a bucket policy that reads but does not list) answers "not found", as before; a damaged copy in one
  // image does not stop the look at the next.
  let looked = 0;
  let damaged: unknown;
  try {
    for await (const sub of registry.folders(opts.signal)) {
      if (sub === 'blobs') {
        continue; // the place's own blob folder, already looked in
      }
      if (++looked > MAX_LISTED_LOCATIONS) {
        break;
      }
      try {
        if ((await adoptObject(store, registry.within(sub), hex, opts.signal)) !== 'absent') {
          return { found: true, tag: sub };
        }
      } catch (err) {
        if (!(err instanceof IntegrityError)) {
          throw err;
        }
        damaged ??= err;
      }
    }
  } catch (err) {
    if (!(err instanceof StoreError) || err.code === 'cancelled' || err instanceof IntegrityError) {
      throw err;
    }
  }
  if (damaged) {
    throw damaged; // found only damaged copies: say so rather than "not there"
  }
  return { found: false };
}
