// Parses JSON from the store (manifests, trees, page lists) and describes a failure by line and column,
// never by quoting the text: a catalog entry could be anything, and an error must not echo its bytes.
import {
  firstJsonError,
  lineColumn,
  nestedAtLeast,
  MAX_JSON_DEPTH as SERDE_DEPTH,
} from '../../../../shared/common/boundedJson';

export { lineColumn };

export class JsonTextError extends Error {
  constructor(
    message: string,
    readonly offset: number | undefined,
  ) {
    super(message);
  }
}

/**
 * JSON.parse (iterative in V8: any nesting parses), with an error that says where, not what the text was; a
 * value nested as deep as serde_json refuses (pf cannot load it) is refused here too, before anything recursive
 * (a message quoting a field, a stringify) can meet it.
 */
export function parseJsonText(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const found = firstJsonError(text);
    const { line, column } = lineColumn(text, found.offset);
    throw new JsonTextError(`not valid JSON at line ${line}, column ${column} (${found.what})`, found.offset);
  }
  if (nestedAtLeast(value, SERDE_DEPTH)) {
    throw new JsonTextError(`nested ${SERDE_DEPTH} or more levels deep, more than pf reads`, undefined);
  }
  return value;
}

/**
 * Deeper than this, no recursive JSON walker (jsonc-parser's visitor and tree, ours) runs on a document: a
 * manifest is a few levels deep, and 100,000 levels overflow the stack of any recursive descent.
 */
export const MAX_JSON_DEPTH = 512;

/** The deepest nesting of `text` and where it first passes `limit`, in one iterative scan (strings skipped). */
export function jsonNesting(text: string, limit = MAX_JSON_DEPTH): { depth: number; tooDeepAt?: number } {
  let depth = 0;
  let deepest = 0;
  let tooDeepAt: number | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) {
        if (text.charCodeAt(i) === 0x5c /* \ */) {
          i++;
        }
      }
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
      }
      if (depth > limit && tooDeepAt === undefined) {
        tooDeepAt = i;
      }
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return { depth: deepest, tooDeepAt };
}
