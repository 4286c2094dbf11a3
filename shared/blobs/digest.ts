// Digests as pf-core writes them: `sha256:` + 64 lower-case hex. Pure: no node or vscode imports, so both
// the client and the server use the same parser. No path is ever built from a string that did not pass here.
import { quoteShort } from '../common/format';

export const DIGEST_PREFIX = 'sha256:';

export type DigestErrorReason =
  'empty' | 'missing-prefix' | 'wrong-algorithm' | 'wrong-length' | 'uppercase' | 'not-hex';

export class DigestError extends Error {
  constructor(
    readonly reason: DigestErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'DigestError';
  }
}

const HEX64 = /^[0-9a-f]{64}$/;

export function isHex64(s: unknown): s is string {
  return typeof s === 'string' && HEX64.test(s);
}

function describeChar(c: string): string {
  const code = c.charCodeAt(0);
  return code < 32 || code === 127
    ? `control character U+${code.toString(16).padStart(4, '0').toUpperCase()}`
    : JSON.stringify(c);
}

/** Checks the hex part (after the prefix); returns the reason it fails, or undefined when it is canonical. */
function hexProblem(hex: string, quoted: string): DigestError | undefined {
  for (let i = 0; i < hex.length; i++) {
    const c = hex[i];
    if (/[0-9a-f]/.test(c)) {
      continue;
    }
    if (/[A-F]/.test(c)) {
      return new DigestError(
        'uppercase',
        `${quoted} has upper-case hex; pf-core writes digests in lower case, so an upper-case digest names no blob file`,
      );
    }
    return new DigestError(
      'not-hex',
      `${quoted} has ${describeChar(c)} at position ${DIGEST_PREFIX.length + i}; a digest is 64 hex characters`,
    );
  }
  if (hex.length !== 64) {
    return new DigestError('wrong-length', `${quoted} has ${hex.length} hex characters; a sha256 digest has 64`);
  }
  return undefined;
}

/** Returns the 64 lower-case hex of a canonical digest, or throws a DigestError that says what is wrong. */
export function parseDigest(s: unknown): string {
  if (typeof s !== 'string') {
    throw new DigestError('empty', `a digest must be a string, not ${s === null ? 'null' : typeof s}`);
  }
  if (s === '') {
    throw new DigestError('empty', 'the digest is empty');
  }
  const quoted = quoteShort(s, 90);
  const colon = s.indexOf(':');
  if (colon < 0) {
    throw new DigestError('missing-prefix', `${quoted} lacks the "sha256:" prefix`);
  }
  const algorithm = s.slice(0, colon);
  if (algorithm !== 'sha256') {
    if (algorithm.toLowerCase() === 'sha256') {
      throw new DigestError('uppercase', `${quoted}: the algorithm must be written "sha256" in lower case`);
    }
    throw new DigestError(
      'wrong-algorithm',
      `${quoted} uses ${quoteShort(algorithm)}; only sha256 digests exist in a pf store`,
    );
  }
  const hex = s.slice(colon + 1);
  const problem = hexProblem(hex, quoted);
  if (problem) {
    throw problem;
  }
  return hex;
}

export function tryParseDigest(s: unknown): { ok: true; hex: string } | { ok: false; error: DigestError } {
  try {
    return { ok: true, hex: parseDigest(s) };
  } catch (err) {
    return { ok: false, error: err as DigestError };
  }
}

export function formatDigest(hex: string): string {
  if (!isHex64(hex)) {
    throw new DigestError('not-hex', `${quoteShort(hex)} is not 64 lower-case hex characters`);
  }
  return DIGEST_PREFIX + hex;
}

/** A prefix to look digests up by: 1 to 64 lower-case hex, `sha256:` optional. */
export function parseHexPrefix(s: unknown): string {
  if (typeof s !== 'string' || s.trim() === '') {
    throw new DigestError('empty', 'type at least one hex character of a digest');
  }
  const body = s.startsWith(DIGEST_PREFIX) ? s.slice(DIGEST_PREFIX.length) : s;
  const quoted = quoteShort(s);
  if (body === '') {
    throw new DigestError('empty', 'type at least one hex character after "sha256:"');
  }
  if (body.length > 64) {
    throw new DigestError('wrong-length', `${quoted} is longer than a digest (64 hex characters)`);
  }
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (/[0-9a-f]/.test(c)) {
      continue;
    }
    if (/[A-F]/.test(c)) {
      throw new DigestError('uppercase', `${quoted} has upper-case hex; digests are lower case`);
    }
    throw new DigestError('not-hex', `${quoted} has ${describeChar(c)}, which is not a hex digit`);
  }
  return body;
}

export interface DigestMatch {
  start: number;
  end: number;
  text: string;
  hex?: string;
  error?: string;
}

// `sha256:` and then whatever hex-ish run follows, so that short, long or upper-case digests are found too.
const CANDIDATE = /sha256:[0-9A-Za-z]*/g;

/** Every `sha256:` occurrence in `text`, with its offsets and either its hex or what is wrong with it. */
export function findDigestsInText(text: string): DigestMatch[] {
  const found: DigestMatch[] = [];
  for (const m of text.matchAll(CANDIDATE)) {
    const start = m.index ?? 0;
    // A digest glued to a preceding word (`xsha256:`) is part of something else.
    if (start > 0 && /[0-9A-Za-z_]/.test(text[start - 1])) {
      continue;
    }
    const parsed = tryParseDigest(m[0]);
    found.push(
      parsed.ok
        ? { start, end: start + m[0].length, text: m[0], hex: parsed.hex }
        : { start, end: start + m[0].length, text: m[0], error: parsed.error.message },
    );
  }
  return found;
}

/** How many hex digits a short digest shows everywhere: 12 (48 bits) tell any two snapshots of a store apart. */
export const SHORT_HEX_DIGITS = 12;

/** The hex of a digest (`sha256:` taken off when there). */
function hexPart(hexOrDigest: string): string {
  return hexOrDigest.startsWith(DIGEST_PREFIX) ? hexOrDigest.slice(DIGEST_PREFIX.length) : hexOrDigest;
}

/** The first hex digits of a digest, bare: for file names, tab titles and code spans (`3f2a9c01b7de`). */
export function shortHex(hexOrDigest: string): string {
  return hexPart(hexOrDigest).slice(0, SHORT_HEX_DIGITS);
}

/** A digest beside a name, as people read it: `sha256:` and the first 12 hex, then an ellipsis. */
export function shortDigest(hexOrDigest: string): string {
  return `${DIGEST_PREFIX}${shortHex(hexOrDigest)}…`;
}

/** The shard folder of a blob: its digest's first two hex digits (`blobs/sha256/<shard>/`). */
export function shardOf(hexOrDigest: string): string {
  return hexPart(hexOrDigest).slice(0, 2);
}

/** A snapshot as people refer to it: its name first, the digest short beside it; the digest alone without one. */
export function snapshotLabel(name: string | null | undefined, hexOrDigest: string): string {
  return name ? `${name} (${shortDigest(hexOrDigest)})` : shortDigest(hexOrDigest);
}
