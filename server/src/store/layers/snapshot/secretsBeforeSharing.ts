// What a push would hand to everyone who can pull: before an image leaves the store, its env and procs layers
// are read for credentials in clear (verify's rules). The answer names variables, never values; the caller
// refuses unless the user said to send them anyway (`--allow-secrets`, the editor's "Push anyway").
import type { SecretWarning } from '../../../../../shared/snapshots/snapshotView';
import type { FsBlobStore } from '../../blobs/fsBlobStore';
import { listImages } from '../../images/imageCatalog';
import { checkImages } from './imageChecks';

/**
 * What would stop a push: each secret in clear as `NAME (world.env)`, and each layer that could not be read for
 * them (too large, not JSON, a variable nested too deep) as `world.env (not checked: why)`: a layer that went
 * unread is no proof that it holds nothing. An image this store cannot describe is refused the same way.
 */
export async function secretsInClear(store: FsBlobStore, hex: string, signal?: AbortSignal): Promise<string[]> {
  const entry = (await listImages(store.root)).find((e) => e.hex === hex);
  if (!entry?.manifest) {
    return ['the manifest (not checked: it cannot be read as a snapshot)'];
  }
  const checks = await checkImages(store, [entry], { signal });
  const found = new Set(checks.secrets.map((s: SecretWarning) => `${s.variable} (${s.layer})`));
  for (const u of checks.unchecked.filter((u) => u.layer !== 'effects.ledger')) {
    found.add(`${u.layer} (not checked: ${u.why})`);
  }
  return [...found];
}

/** "GITHUB_TOKEN (world.env) and DATABASE_URL (world.env)": the names a refusal shows. */
export function secretNames(found: string[]): string {
  return found.length <= 1 ? (found[0] ?? '') : `${found.slice(0, -1).join(', ')} and ${found[found.length - 1]}`;
}
