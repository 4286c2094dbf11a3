// What a verify found in the snapshots beyond their bytes, in their users' words (a pure helper: the editor's
// verify summary uses it, and a unit test reads it without an editor).
import type { ImageCheck } from '../protocol';
import { needsOperatorSecret } from '../snapshots/snapshotView';
import { plural } from '../common/format';
import { shortDigest } from '../blobs/digest';

/**
 * What the snapshots' records say, in their users' words: tool-call records intact, edited after signing (by
 * name), unverifiable; secrets in clear by snapshot (never a value: the server sends names only).
 */
export function snapshotsSummary(images: ImageCheck[]): { text: string; alarming: boolean } {
  const nameOf = (i: ImageCheck) => i.name ?? shortDigest(i.image);
  const bad = images.filter((i) => i.ledger === 'bad');
  const intact = images.filter((i) => i.ledger === 'ok').length;
  const unverifiable = images.filter((i) => i.ledger === 'skipped' && needsOperatorSecret(i.ledgerReason)).length;
  const leaking = images.filter((i) => i.secrets.length > 0);
  const parts = [`Tool-call records: ${intact} intact`];
  if (bad.length > 0) {
    parts[0] += `, ${bad.length} NOT INTACT (${bad.map(nameOf).join(', ')})`;
  }
  if (unverifiable > 0) {
    parts[0] += `, ${unverifiable} ${unverifiable === 1 ? 'needs' : 'need'} the operator secret`;
  }
  if (leaking.length > 0) {
    const count = leaking.reduce((n, i) => n + i.secrets.length, 0);
    parts.push(`${plural(count, 'secret')} in clear in ${leaking.map(nameOf).join(', ')}`);
  }
  return { text: parts.join('. '), alarming: bad.length > 0 || leaking.length > 0 };
}
