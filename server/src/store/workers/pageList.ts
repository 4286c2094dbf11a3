// A cache layer's page list read straight from its bytes, in the one shape pf writes it:
//   {"pages":[{"k":"sha256:<64 hex>","v":"sha256:<64 hex>"},...]}   (JSON whitespace allowed between tokens)
// JSON.parse of a 100,000-page list makes 100,000 objects and 200,000 strings that a diff or the reference
// graph throws away at once; this scan makes none. Anything else (other keys or key order, escapes, upper-case
// hex, a malformed digest, any byte outside ASCII) is not scanned: the caller parses it with JSON.parse and
// reports what is wrong, so the scan only ever accepts text that JSON.parse reads as the same pages.

const DIGEST_PREFIX = '"sha256:';

/** Bytes per page in packed records: `k` then `v`, 32 raw bytes each. */
export const PAGE_RECORD_BYTES = 64;

/** Hex digit values by byte; -1 for anything else (upper-case included: pf writes digests in lower case). */
const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) {
  HEX_VALUE[0x30 + i] = i;
}
for (let i = 0; i < 6; i++) {
  HEX_VALUE[0x61 + i] = 10 + i;
}

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const OPEN = ascii('{');
const PAGES_KEY = ascii('"pages"');
const COLON = ascii(':');
const LIST_OPEN = ascii('[');
const LIST_CLOSE = ascii(']');
const COMMA = ascii(',');
const CLOSE = ascii('}');
const K_KEY = ascii('"k"');
const V_KEY = ascii('"v"');
const DIGEST_OPEN = ascii(DIGEST_PREFIX);
const QUOTE = 0x22;

/**
 * The pages of a page list's bytes (UTF-8, as stored) packed as records: page i at i * 64, its `k` then its
 * `v` as raw digests. Undefined when the list is not in pf's shape (see the top of this file). Works on the
 * bytes, not a string: what a worker does with a 15 MB list before handing one transferable buffer back.
 */
export function packPageList(bytes: Uint8Array): Buffer | undefined {
  // Its own ArrayBuffer (never a slice of Node's shared pool): a worker transfers it whole to the caller.
  const out = new Uint8Array(new ArrayBuffer((Math.floor(bytes.length / 74) + 2) * 32));
  let written = 0;
  let at = skipSpaceBytes(bytes, 0);
  const token = (t: Uint8Array): boolean => {
    for (let i = 0; i < t.length; i++) {
      if (bytes[at + i] !== t[i]) {
        return false;
      }
    }
    at = skipSpaceBytes(bytes, at + t.length);
    return true;
  };
  const digest = (key: Uint8Array): boolean => {
    if (!token(key) || !token(COLON)) {
      return false;
    }
    for (let i = 0; i < DIGEST_OPEN.length; i++) {
      if (bytes[at + i] !== DIGEST_OPEN[i]) {
        return false;
      }
    }
    let hex = at + DIGEST_OPEN.length;
    for (let i = 0; i < 32; i++, hex += 2) {
      if (hex + 1 >= bytes.length) {
        return false;
      }
      const high = HEX_VALUE[bytes[hex]];
      const low = HEX_VALUE[bytes[hex + 1]];
      if (high < 0 || low < 0) {
        return false;
      }
      out[written++] = (high << 4) | low;
    }
    if (bytes[hex] !== QUOTE) {
      return false;
    }
    at = skipSpaceBytes(bytes, hex + 1);
    return true;
  };
  if (!token(OPEN) || !token(PAGES_KEY) || !token(COLON) || !token(LIST_OPEN)) {
    return undefined;
  }
  if (!token(LIST_CLOSE)) {
    do {
      if (!token(OPEN) || !digest(K_KEY) || !token(COMMA) || !digest(V_KEY) || !token(CLOSE)) {
        return undefined;
      }
    } while (token(COMMA));
    if (!token(LIST_CLOSE)) {
      return undefined;
    }
  }
  if (!token(CLOSE) || at !== bytes.length) {
    return undefined;
  }
  return Buffer.from(out.buffer, 0, written);
}

function skipSpaceBytes(bytes: Uint8Array, at: number): number {
  for (;;) {
    const c = bytes[at];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) {
      return at;
    }
    at++;
  }
}
