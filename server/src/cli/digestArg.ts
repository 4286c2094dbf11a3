// A digest argument as people type it: the full `sha256:<64 hex>`, or a unique prefix of its hex (with or
// without `sha256:`), as Go to Digest accepts in the editor.
import { formatDigest, parseDigest, parseHexPrefix, shardOf } from '../../../shared/blobs/digest';
import type { FsBlobStore } from '../store/blobs/fsBlobStore';
import { CliError } from './exitCodes';

export async function digestArg(store: FsBlobStore, arg: string): Promise<string> {
  if (/^(sha256:)?[0-9a-f]{64}$/.test(arg)) {
    return parseDigest(arg.startsWith('sha256:') ? arg : `sha256:${arg}`);
  }
  let prefix: string;
  try {
    prefix = parseHexPrefix(arg);
  } catch {
    return parseDigest(arg); // not a prefix either: the digest parser says precisely what is wrong
  }
  if (prefix.length < 2) {
    throw new CliError(`${arg} is too short a prefix: give at least two hex characters`);
  }
  // Digests starting with the prefix sort right after it, in its shard: two rows tell unique from ambiguous.
  const page = await store.list({ shard: shardOf(prefix), after: prefix, limit: 2 });
  const matches = page.items.map((i) => i.hex).filter((h) => h.startsWith(prefix));
  if (matches.length === 0) {
    throw new CliError(`no blob in the store starts with ${prefix}`);
  }
  if (matches.length > 1) {
    throw new CliError(`${prefix} is ambiguous: ${matches.map(formatDigest).join(', ')}, …; give more characters`);
  }
  return matches[0];
}
