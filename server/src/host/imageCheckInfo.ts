// checkImages' findings as the protocol's ImageCheck, one per image: its ledger verdict and the secrets in clear
// its layers carry (names and places only). Shared by processfork/imageChecks (tree marks) and processfork/verify.
import { formatDigest } from '../../../shared/blobs/digest';
import type { ImageCheck } from '../../../shared/protocol';
import type { ImageChecks } from '../store/layers/snapshot/imageChecks';

export function imageCheckInfos(found: ImageChecks): ImageCheck[] {
  const secretsOf = new Map<string, ImageCheck['secrets']>();
  for (const s of found.secrets) {
    const list = secretsOf.get(s.image) ?? [];
    list.push({ layer: s.layer, variable: s.variable, why: s.why });
    secretsOf.set(s.image, list);
  }
  return found.ledgers.map((l) => ({
    image: formatDigest(l.image),
    ...(l.name ? { name: l.name } : {}),
    ledger: l.verdict,
    ledgerReason: l.reason,
    viaOperatorSecret: l.viaOperatorSecret,
    entry: l.entry,
    tool: l.tool,
    secrets: secretsOf.get(l.image) ?? [],
  }));
}
