// The OCI image manifest pf push writes for one snapshot image: config = the .pfimg manifest bytes, first layer
// the signature, then one zstd layer per blob of the closure, annotated with the raw digest's store path.
import { createHash } from 'node:crypto';
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
  return `blobs/sha256/${hex.slice(0, 2)}/${hex}.zst`;
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

export function parseOciManifest(bytes: Uint8Array): OciManifest {
  const m = JSON.parse(Buffer.from(bytes).toString('utf8')) as OciManifest;
  if (m.schemaVersion !== 2 || !m.config || !Array.isArray(m.layers)) throw new Error('not an OCI image manifest');
  if (m.config.mediaType !== IMAGE_CONFIG_MEDIA_TYPE) {
    throw new Error(`not a ProcessFork image (config media type ${m.config.mediaType})`);
  }
  return m;
}
