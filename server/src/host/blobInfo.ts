// What the server knows of one blob, for stat requests and hovers: sizes, ratio, content kind, referrers, verdict.
import { ResponseError } from 'vscode-languageserver';
import { formatDigest } from '../../../shared/blobs/digest';
import type { BlobInfo } from '../../../shared/protocol';
import { StoreErrorCode } from '../../../shared/protocol';
import type { StoreHost } from './storeHost';
import { unknownUseToJson } from '../store/analysis/referenceGraph';

/** Places listed in a stat (the hover shows a few, the count says how many images there are in all). */
const MAX_PLACES = 20;

/** Stored size up to which stat decodes a blob to learn a size its frames do not record. */
const DECODE_TO_LEARN_MAX = 256 << 10;

export async function statBlob(host: StoreHost, hex: string): Promise<BlobInfo> {
  const { facts, refs } = host.open;
  let view = await facts.get(hex);
  if (!view) {
    throw new ResponseError(StoreErrorCode.NotFound, `blob ${formatDigest(hex)} is not in the store`);
  }
  // pf-core's frames record no size. A small blob is decoded once on a worker (a few ms, and it leaves a
  // verdict too); a large one's size arrives with its first verify, background or asked for.
  if (view.decodedBytes === undefined && view.verified === undefined && view.size <= DECODE_TO_LEARN_MAX) {
    await facts.verifyCached(hex).catch(() => undefined);
    view = (await facts.get(hex)) ?? view;
  }
  // The reference graph when it is built (every place, nested ones included); until then the catalog's
  // top-level fields, which are always at hand.
  const graph = host.open.graph.ready();
  const used = graph?.whereUsed(hex);
  const referrers = used
    ? used.flatMap((u) => u.places.map((layer) => ({ image: u.image, layer }))).slice(0, MAX_PLACES)
    : await refs.referrers(hex).catch(() => []);
  return {
    digest: formatDigest(hex),
    storedBytes: view.size,
    decodedBytes: view.decodedBytes,
    ratio: view.decodedBytes !== undefined && view.size > 0 ? view.decodedBytes / view.size : undefined,
    modifiedMs: view.mtimeMs,
    contentKind: view.contentKind,
    referencedBy: referrers.map((r) => ({ image: formatDigest(r.image), layer: r.layer })),
    usedByImages: used?.length,
    usedByUnknown: graph?.unknownImages().map(unknownUseToJson),
    lastVerified: view.verified,
  };
}
