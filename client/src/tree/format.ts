// Sizes and digests as the tree shows them.
import { shortHex } from '../../../shared/blobs/digest';
export { formatBytes } from '../../../shared/common/format';

export function shortDigest(digest: string): string {
  return digest.startsWith('sha256:') ? `${shortHex(digest)}…` : digest;
}
