// Which snapshots a blob's trouble hurts, by name: for a bad blob's Problems entry and its report document.
import { formatDigest, shortDigest } from '../../../shared/blobs/digest';
import type { BlobUserInfo } from '../../../shared/protocol';
import type { StoreHost } from './storeHost';

export interface BlobUsers {
  images: BlobUserInfo[];
  /** Images whose use of the blob cannot be told (an unreadable fs tree or page list). */
  unknown: number;
  /** False when the reference graph was not at hand: only the catalog's top-level fields were looked at. */
  complete: boolean;
}

/** How long a damaged blob's report waits for the reference graph of a large store before answering without it. */
const GRAPH_WAIT_MS = 3000;

/**
 * Every image that reaches `hex`, named. From the full reference graph (nested places too) when it is built, or
 * (with `wait`) once it is, for a few seconds at most; else from the catalog's top-level fields, `complete: false`
 * (a verify of a million blobs must not wait for a graph to name the few that failed).
 */
export async function blobUsers(
  host: StoreHost,
  hex: string,
  opts: { wait?: boolean; names?: Map<string, string | undefined> } = {},
): Promise<BlobUsers> {
  const { graph, refs } = host.open;
  const built = graph.ready() ?? (opts.wait ? await withinMs(graph.get(), GRAPH_WAIT_MS) : undefined);
  const names = opts.names ?? (await snapshotNames(host));
  const named = (image: string, places: string[]): BlobUserInfo => {
    const digest = formatDigest(image);
    const name = names.get(digest);
    return { image: digest, ...(name ? { name } : {}), places };
  };
  if (built) {
    return {
      images: built.whereUsed(hex).map((u) => named(u.image, u.places)),
      unknown: built.unknownImages().length,
      complete: true,
    };
  }
  const byImage = new Map<string, string[]>();
  for (const r of await refs.referrers(hex).catch(() => [])) {
    byImage.set(r.image, [...(byImage.get(r.image) ?? []), r.layer]);
  }
  return { images: [...byImage].map(([image, places]) => named(image, places)), unknown: 0, complete: false };
}

/** The promise's value if it settles well within `ms`, else undefined (it goes on, for whoever asks next). */
function withinMs<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise.catch(() => undefined), late]).finally(() => clearTimeout(timer));
}

/** Each cataloged snapshot's name by digest: read once by a caller naming the users of many blobs. */
export async function snapshotNames(host: StoreHost): Promise<Map<string, string | undefined>> {
  return new Map((await host.open.refs.images().catch(() => [])).map((i) => [i.digest, i.name]));
}

/** What a Problems row calls a user: the snapshot's name, else its short digest. */
export function userLabel(user: BlobUserInfo): string {
  return user.name ?? shortDigest(user.image);
}
