// The text a damaged blob's tab shows instead of its bytes: what is wrong, which snapshots it hurts, and what to
// do, for someone who never saw a zstd frame. Its stored bytes are shown only on request (Show Stored Bytes as
// Hex): a damaged environment blob's compressed bytes can still carry a secret in clear.
import type { BlobProblemResult } from '../protocol';
import { integrityMeaning } from '../checks/integrityWords';
import { placeText } from '../snapshots/layerTitles';
import { shortHex } from './digest';

/** The first line of every report: what editors, tests and the hex view key on. */
export const REPORT_MARK = 'Damaged blob: this tab shows what is wrong with it, not its content.';

const USERS_LISTED = 50;

/** Whether a document's text (its first line is enough) is such a report rather than a blob's bytes. */
export function isBadBlobReport(text: string): boolean {
  return text.startsWith(REPORT_MARK);
}

export function badBlobReport(found: BlobProblemResult, remotes: readonly string[]): string {
  const lines = [REPORT_MARK, `  ${found.digest}`, ''];
  lines.push('What is wrong');
  lines.push(`  ${integrityMeaning(found.kind)}`);
  lines.push(
    `  Checked just now${found.kind ? ` (${found.kind})` : ''}; the file on disk is ${found.storedBytes.toLocaleString('en-US')} bytes.`,
  );
  lines.push('');
  lines.push(whoItHurts(found));
  for (const user of found.users.slice(0, USERS_LISTED)) {
    // A short digest without its `sha256:` (a cut digest reads as a malformed one to every digest-aware tool).
    const name = user.name ? `${user.name} (${shortHex(user.image)}…)` : user.image;
    lines.push(`  ${name}: ${user.places.map(placeText).join(', ')}`);
  }
  if (found.users.length > USERS_LISTED) {
    lines.push(`  … and ${found.users.length - USERS_LISTED} more`);
  }
  if (found.unknownUsers > 0) {
    lines.push(`  (${found.unknownUsers} more snapshots may use it: their file lists or page lists cannot be read)`);
  }
  lines.push('');
  lines.push('What to do (the actions above this text, or Quick Fix on its Problems entry)');
  if (remotes.length > 0) {
    lines.push('  Fetch it again from a registry that has it:');
    remotes.forEach((r) => lines.push(`    ${r}`));
  } else {
    lines.push('  Fetch it again from a registry: none is configured yet (the setting processfork.remotes).');
  }
  lines.push('  Put it again from the original file: only a file whose SHA-256 is this digest is accepted.');
  lines.push('  Remove it: the snapshots above then report it missing until it is fetched or put again.');
  lines.push('  Show Stored Bytes as Hex: the file as it is on disk, to see what is there.');
  lines.push('');
  lines.push('The check said');
  lines.push(`  ${found.problem ?? 'it failed its integrity check'}`);
  return `${lines.join('\n')}\n`;
}

function whoItHurts(found: BlobProblemResult): string {
  const n = found.users.length;
  if (n === 0) {
    return found.unknownUsers > 0
      ? 'Snapshots that use it: none known'
      : 'No snapshot uses it: removing it loses nothing.';
  }
  return `${n.toLocaleString('en-US')} ${n === 1 ? 'snapshot uses' : 'snapshots use'} it`;
}
