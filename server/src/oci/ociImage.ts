// The OCI image manifest pf push writes for one snapshot image: config = the .pfimg manifest bytes, first layer
// the signature, then one zstd layer per blob of the closure, annotated with the raw digest's store path.
import { createHash } from 'node:crypto';
import { kindOf } from '../../../shared/common/boundedJson';
import { shardOf, tryParseDigest } from '../../../shared/blobs/digest';
import { InvalidInputError } from '../store/errors';
import { OCI_MANIFEST_MEDIA_TYPE } from './registryClient';
import { SIGNATURE_MEDIA_TYPE } from './signature';

export const IMAGE_CONFIG_MEDIA_TYPE = 'application/vnd.processfork.image.v1+json';
export const LAYER_MEDIA_TYPE = 'application/vnd.processfork.layer.v1+zstd';
export const PATH_ANNOTATION = 'org.processfork.path';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface OciManifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

export function sha256Digest(data: Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function blobAnnotationPath(hex: string): string {
  return `blobs/sha256/${shardOf(hex)}/${hex}.zst`;
}

/** The raw digest a layer carries, from its path annotation; undefined when the annotation is not one of ours. */
export function rawHexOfLayer(layer: Descriptor): string | undefined {
  const m = /^blobs\/sha256\/([0-9a-f]{2})\/([0-9a-f]{64})\.zst$/.exec(layer.annotations?.[PATH_ANNOTATION] ?? '');
  return m && m[2].startsWith(m[1]) ? m[2] : undefined;
}

export function buildOciManifest(
  config: Uint8Array,
  signature: Uint8Array,
  layers: Array<{ rawHex: string; compressed: { digest: string; size: number } }>,
): Buffer {
  const manifest: OciManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST_MEDIA_TYPE,
    config: { mediaType: IMAGE_CONFIG_MEDIA_TYPE, digest: sha256Digest(config), size: config.length },
    layers: [
      {
        mediaType: SIGNATURE_MEDIA_TYPE,
        digest: sha256Digest(signature),
        size: signature.length,
        annotations: { [PATH_ANNOTATION]: 'manifest.json.sig' },
      },
      ...layers.map((l) => ({
        mediaType: LAYER_MEDIA_TYPE,
        digest: l.compressed.digest,
        size: l.compressed.size,
        annotations: { [PATH_ANNOTATION]: blobAnnotationPath(l.rawHex) },
      })),
    ],
  };
  return Buffer.from(JSON.stringify(manifest));
}

/**
 * Parses a registry's manifest and checks its whole shape before anything uses it: a `null` layer, a digest
 * that is not one, a size that is not a count are refused here with what is wrong (InvalidInput), never
 * met later as a TypeError.
 */
export function parseOciManifest(bytes: Uint8Array): OciManifest {
  let m: unknown;
  try {
    m = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new InvalidInputError('the registry manifest is not valid JSON');
  }
  const bad = (what: string) => new InvalidInputError(`not a usable OCI image manifest: ${what}`);
  if (!isRecord(m)) {
    throw bad('it is not a JSON object');
  }
  if (m.schemaVersion !== 2) {
    throw bad(`schemaVersion is ${kindOf(m.schemaVersion)}, not 2`);
  }
  checkDescriptor(m.config, 'config', bad);
  if (!Array.isArray(m.layers)) {
    throw bad('it has no layers array');
  }
  m.layers.forEach((layer, i) => checkDescriptor(layer, `layers[${i}]`, bad));
  const manifest = m as unknown as OciManifest;
  if (manifest.config.mediaType !== IMAGE_CONFIG_MEDIA_TYPE) {
    throw new InvalidInputError(`not a ProcessFork image (its config's media type is another)`);
  }
  return manifest;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkDescriptor(d: unknown, where: string, bad: (what: string) => Error): void {
  if (!isRecord(d)) {
    throw bad(`${where} is ${d === null ? 'null' : typeof d}, not an object`);
  }
  if (typeof d.mediaType !== 'string') {
    throw bad(`${where}.mediaType is not a string`);
  }
  if (typeof d.digest !== 'string' || !tryParseDigest(d.digest).ok) {
    throw bad(`${where}.digest is not a sha256 digest`);
  }
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw bad(`${where}.size is not a byte count`);
  }
  if (d.annotations !== undefined) {
    if (!isRecord(d.annotations) || !Object.values(d.annotations).every((v) => typeof v === 'string')) {
      throw bad(`${where}.annotations is not an object of strings`);
    }
  }
}
