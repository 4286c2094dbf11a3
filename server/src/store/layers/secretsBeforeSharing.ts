// What a push would hand to everyone who can pull: before an image leaves the store, its env and procs layers
// are read for credentials in clear (verify's rules). The answer names variables, never values; the caller
// refuses unless the user said to send them anyway (`--allow-secrets`, the editor's "Push anyway").
import type { SecretWarning } from '../../../../shared/snapshotView';
import type { FsBlobStore } from '../blobs/fsBlobStore';
import { listImages } from '../images/imageCatalog';
import { checkImages } from './imageChecks';

export async function secretsInClear(store: FsBlobStore, hex: string, signal?: AbortSignal): Promise<SecretWarning[]> {
  const entry = (await listImages(store.root)).find((e) => e.hex === hex);
  if (!entry?.manifest) {
    return [];
  }
  return (await checkImages(store, [entry], { signal })).secrets;
}

/** "GITHUB_TOKEN and DATABASE_URL (world.env)": the names a refusal shows. */
export function secretNames(found: SecretWarning[]): string {
  const names = [...new Set(found.map((s) => `${s.variable} (${s.layer})`))];
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
