// What the server knows of one blob, for stat requests and hovers: sizes, ratio, content kind, referrers, verdict.
import { ResponseError } from 'vscode-languageserver';
import { formatDigest } from '../../../shared/digest';
import type { BlobInfo } from '../../../shared/protocol';
import { StoreErrorCode } from '../../../shared/protocol';
import type { StoreHost } from './storeHost';

export async function statBlob(host: StoreHost, hex: string): Promise<BlobInfo> {
  const { facts, refs } = host.open;
  const view = await facts.get(hex);
  if (!view) throw new ResponseError(StoreErrorCode.NotFound, `blob ${formatDigest(hex)} is not in the store`);
  const referrers = await refs.referrers(hex).catch(() => []);
  return {
    digest: formatDigest(hex),
    storedBytes: view.size,
    decodedBytes: view.decodedBytes,
    ratio: view.decodedBytes !== undefined && view.size > 0 ? view.decodedBytes / view.size : undefined,
    modifiedMs: view.mtimeMs,
    contentKind: view.contentKind,
    referencedBy: referrers.map((r) => ({ image: formatDigest(r.image), layer: r.layer })),
    lastVerified: view.verified,
  };
}
