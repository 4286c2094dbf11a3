// What a file:// folder or an s3:// prefix holds: pf keeps one image per location, so the images are the
// location itself (when it holds a manifest.json) and each folder (key prefix) directly under it that does, with
// their names and dates read from the manifests. Every page of a prefix of more than 1,000 keys is walked.
import { createHash } from 'node:crypto';
import { formatDigest } from '../../../shared/blobs/digest';
import type { RemoteImage } from '../../../shared/protocol';
import { MAX_MANIFEST_BYTES } from '../store/images/imageCatalog';
import { parseManifest } from '../store/images/manifest';
import { MANIFEST_KEY, type ObjectRegistry } from './objectRegistry';
import { MAX_LISTED_LOCATIONS } from '../../../shared/registries/transferLimits';

export async function listObjectImages(
  registry: ObjectRegistry,
  locationText: (sub: string) => string,
  signal?: AbortSignal,
): Promise<RemoteImage[]> {
  const out: RemoteImage[] = [];
  const look = async (sub: string, at: ObjectRegistry) => {
    const bytes = await at.read(MANIFEST_KEY, MAX_MANIFEST_BYTES, signal).catch(() => undefined);
    if (!bytes) {
      return;
    }
    const digest = formatDigest(createHash('sha256').update(bytes).digest('hex'));
    const { manifest } = parseManifest(bytes.toString('utf8'));
    out.push({
      tag: sub === '' ? '.' : sub,
      image: digest,
      manifest: digest, // the manifest's bytes are the image: its digest pins exactly this push
      location: locationText(sub),
      ...(manifest?.agent.fingerprint ? { name: manifest.agent.fingerprint } : {}),
      ...(manifest?.createdAt ? { createdAt: manifest.createdAt } : {}),
    });
  };
  await look('', registry);
  let seen = 0;
  for await (const sub of registry.folders(signal)) {
    if (++seen > MAX_LISTED_LOCATIONS) {
      break;
    }
    await look(sub, registry.within(sub));
  }
  return out;
}
