// A cache layer's page list read straight from its text, in the one shape pf writes it:
//   {"pages":[{"k":"sha256:<64 hex>","v":"sha256:<64 hex>"},...]}   (JSON whitespace allowed between tokens)
// JSON.parse of a 100,000-page list makes 100,000 objects and 200,000 strings that a diff or the reference
// graph throws away at once; this scan makes none. Anything else (other keys or key order, escapes, upper-case
// hex, a malformed digest) is not scanned: the caller parses it with JSON.parse and reports what is wrong, so
// the scan only ever accepts text that JSON.parse reads as the same pages.

/** Where each digest's 64 hex digits start in the text: page i's `k` at 2i, its `v` at 2i + 1. */
export interface PageListScan {
  pages: number;
  offsets: Uint32Array;
}

const DIGEST_PREFIX = '"sha256:';
const HEX_DIGITS = 64;

/** The pages, or undefined when the text is not in the shape above. */
export function scanPageList(text: string): PageListScan | undefined {
  // Each digest takes at least 74 characters of text ("sha256:" + 64 hex + quotes + key): a safe capacity.
  const offsets = new Uint32Array(Math.ceil(text.length / 74) + 2);
  let at = skipSpace(text, 0);
  let count = 0;
  const expect = (token: string): boolean => {
    if (!text.startsWith(token, at)) {
      return false;
    }
    at = skipSpace(text, at + token.length);
    return true;
  };
  const digest = (key: string): boolean => {
    if (!expect(key) || !expect(':') || !text.startsWith(DIGEST_PREFIX, at)) {
      return false;
    }
    const start = at + DIGEST_PREFIX.length;
    if (!isLowerHex(text, start, HEX_DIGITS) || text.charCodeAt(start + HEX_DIGITS) !== 0x22 /* " */) {
      return false;
    }
    offsets[count++] = start;
    at = skipSpace(text, start + HEX_DIGITS + 1);
    return true;
  };
  if (!expect('{') || !expect('"pages"') || !expect(':') || !expect('[')) {
    return undefined;
  }
  if (!expect(']')) {
    do {
      if (!expect('{') || !digest('"k"') || !expect(',') || !digest('"v"') || !expect('}')) {
        return undefined;
      }
    } while (expect(','));
    if (!expect(']')) {
      return undefined;
    }
  }
  if (!expect('}') || at !== text.length) {
    return undefined;
  }
  return { pages: count / 2, offsets: offsets.subarray(0, count) };
}

/** The 64 hex digits of digest `i` (page i >> 1, `k` when even), as a string. */
export function pageDigest(text: string, scan: PageListScan, i: number): string {
  return text.slice(scan.offsets[i], scan.offsets[i] + HEX_DIGITS);
}

function skipSpace(text: string, at: number): number {
  for (;;) {
    const c = text.charCodeAt(at);
    // JSON's whitespace: space, tab, line feed, carriage return.
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) {
      return at;
    }
    at++;
  }
}

function isLowerHex(text: string, start: number, length: number): boolean {
  for (let i = start; i < start + length; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) {
      return false;
    }
  }
  return true;
}
