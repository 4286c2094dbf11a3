// Which snapshots a blob's trouble hurts, by name: for a bad blob's Problems entry and its report document.
import { formatDigest } from '../../../shared/digest';
import type { BlobUserInfo } from '../../../shared/protocol';
import type { StoreHost } from './storeHost';

export interface BlobUsers {
  images: BlobUserInfo[];
  /** Images whose use of the blob cannot be told (an unreadable fs tree or page list). */
  unknown: number;
}

/**
 * Every image that reaches `hex`, named. With `wait`, from the full reference graph (nested places too);
 * without, from the graph if it is built and else the catalog's top-level fields (a verify of a million blobs
 * must not wait for a graph to name the few that failed).
 */
export async function blobUsers(host: StoreHost, hex: string, opts: { wait?: boolean } = {}): Promise<BlobUsers> {
  const { graph, refs } = host.open;
  const built = opts.wait ? await graph.get() : graph.ready();
  const names = new Map((await refs.images().catch(() => [])).map((i) => [i.digest, i.name]));
  const named = (image: string, places: string[]): BlobUserInfo => {
    const digest = formatDigest(image);
    const name = names.get(digest);
    return { image: digest, ...(name ? { name } : {}), places };
  };
  if (built) {
    return {
      images: built.whereUsed(hex).map((u) => named(u.image, u.places)),
      unknown: built.unknownImages().length,
    };
  }
  const byImage = new Map<string, string[]>();
  for (const r of await refs.referrers(hex).catch(() => [])) {
    byImage.set(r.image, [...(byImage.get(r.image) ?? []), r.layer]);
  }
  return { images: [...byImage].map(([image, places]) => named(image, places)), unknown: 0 };
}

/** What a Problems row calls a user: the snapshot's name, else its short digest. */
export function userLabel(user: BlobUserInfo): string {
  return user.name ?? `${user.image.slice(0, 19)}…`;
}
