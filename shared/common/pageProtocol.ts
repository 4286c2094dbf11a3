// What every webview page's checker needs at the host's boundary: a message as an object (or nothing), the
// shapes its fields may take, and the bound on the text a page sends back for tests.

/** The most text a page's `dumped` answer carries (tests read it; nothing else does). */
export const MAX_DUMP = 1 << 20;

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** A page's message as a record of fields, or undefined when it is not an object at all. */
export function messageFields(raw: unknown): Record<string, unknown> | undefined {
  return raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : undefined;
}

export function isDigest(v: unknown): v is string {
  return typeof v === 'string' && DIGEST.test(v);
}

export function isWhole(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

/** A `dumped` answer's text, cut to the bound, or undefined when it is not text. */
export function dumpedText(v: unknown): string | undefined {
  return typeof v === 'string' ? v.slice(0, MAX_DUMP) : undefined;
}
