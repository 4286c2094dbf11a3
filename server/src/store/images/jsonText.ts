// Parses JSON from the store (manifests, trees, page lists) and describes a failure by line and column,
// never by quoting the text: a catalog entry could be anything, and an error must not echo its bytes.
import { parse as parseLenient, printParseErrorCode, type ParseError } from 'jsonc-parser';

export class JsonTextError extends Error {
  constructor(
    message: string,
    readonly offset: number | undefined,
  ) {
    super(message);
  }
}

/** Line and column (1-based) of `offset` in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** Where the first syntax error is, from a strict parse with jsonc-parser (which reports offsets). */
function firstErrorOffset(text: string): { offset: number; what: string } | undefined {
  const errors: ParseError[] = [];
  try {
    parseLenient(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  } catch {
    return undefined; // its recursive descent can run out of stack on absurd nesting; V8's parser does not
  }
  const first = errors[0];
  return first && { offset: first.offset, what: printParseErrorCode(first.error) };
}

/** JSON.parse (iterative in V8: any nesting depth), with an error that says where, not what the text was. */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const found = firstErrorOffset(text);
    if (!found) {
      throw new JsonTextError('not valid JSON', undefined);
    }
    const { line, column } = lineColumn(text, found.offset);
    throw new JsonTextError(`not valid JSON at line ${line}, column ${column} (${found.what})`, found.offset);
  }
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
