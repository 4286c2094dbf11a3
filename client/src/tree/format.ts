// Sizes and digests as the tree shows them.
export { formatBytes } from '../../../shared/common/format';

export function shortDigest(digest: string): string {
  return digest.startsWith('sha256:') ? `${digest.slice(7, 19)}…` : digest;
}
