// Fetch one blob through whichever image of a remote repository carries it: the quick fix for a missing blob.
import type { FsBlobStore } from '../store/blobs/fsBlobStore';
import { parseOciManifest, rawHexOfLayer } from './ociImage';
import type { RegistryClient } from './registryClient';

export async function fetchBlobFromRemote(
  store: FsBlobStore,
  client: RegistryClient,
  hex: string,
): Promise<{ found: boolean; tag?: string }> {
  // A good copy is already here; a damaged one is what this fetch replaces.
  if ((await store.verify(hex)).ok) {
    return { found: true };
  }
  for (const tag of await client.listTags()) {
    let layers;
    try {
      layers = parseOciManifest(await client.getManifest(tag)).layers;
    } catch {
      continue; // not one of ours
    }
    const layer = layers.find((l) => rawHexOfLayer(l) === hex);
    if (!layer) {
      continue;
    }
    await store.adoptCompressedFile(hex, (temp) => client.downloadBlob(layer.digest, temp, layer.size));
    return { found: true, tag };
  }
  return { found: false };
}
