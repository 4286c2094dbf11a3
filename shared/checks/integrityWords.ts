// What a failed integrity check means, in the words of someone who never saw a zstd frame: the store's
// verifier names a kind (errors.ts), the editor and the CLI say what it means and what can be done.

const MEANINGS: Record<string, string> = {
  'hash-mismatch':
    'Its content does not match its name: the file decodes, but not to the bytes this digest names. It was changed or damaged after it was written.',
  'corrupt-frame': 'Its compressed data is damaged: the file cannot be decoded at all.',
  truncated: 'The file is cut short: it ends inside its compressed data (an interrupted copy or a full disk).',
  empty:
    'The file is empty (0 bytes). Even an empty blob is stored as a small compressed frame, so this one was never fully written.',
  'too-large':
    "It claims or decodes to more than this store's size limit, so it was not decoded (a guard against decompression bombs).",
  misplaced: 'The file sits in the wrong shard folder for its name.',
  'not-a-file':
    'Something other than a file (a named pipe, socket, device, folder or symbolic link) stands where the blob file should be. It was not opened.',
  unreadable: 'The file could not be read (permissions or a disk error).',
  'not-found': 'It is not in the store.',
};

/** The integrity kinds a verifier reports (the `kind` of a failed verify), for code that branches on them. */
export const INTEGRITY_KINDS: ReadonlySet<string> = new Set([
  'hash-mismatch',
  'corrupt-frame',
  'truncated',
  'empty',
  'too-large',
  'misplaced',
  'not-a-file',
  'unreadable',
]);

/** One or two sentences on what a failed check of `kind` means; a generic one for kinds not known here. */
export function integrityMeaning(kind: string | undefined): string {
  return (kind && MEANINGS[kind]) || 'It failed its integrity check, so its bytes cannot be trusted.';
}

/** The kind a verifier's message names, `… failed its integrity check (hash-mismatch): …`, when it names one. */
export function integrityKindOf(message: string): string | undefined {
  const named = /\((hash-mismatch|corrupt-frame|truncated|empty|too-large|misplaced|not-a-file)\)/.exec(message);
  if (named) {
    return named[1];
  }
  return /^(hash-mismatch|corrupt-frame|truncated|empty|too-large|misplaced|not-a-file|unreadable):/.exec(message)?.[1];
}

/** "before-refactor, after-refactor and 3 more": who is hurt by a bad blob, short enough for a Problems row. */
export function usersText(names: readonly string[], total = names.length, shown = 3): string {
  if (total === 0) {
    return 'no snapshot uses it';
  }
  const listed = names.slice(0, shown);
  const rest = total - listed.length;
  const list = rest > 0 ? `${listed.join(', ')} and ${rest} more` : joinAnd(listed);
  return `used by ${total === 1 ? 'snapshot' : 'snapshots'} ${list}`;
}

function joinAnd(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
