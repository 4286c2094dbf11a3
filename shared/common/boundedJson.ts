// JSON that came from a store, a registry or a document: hostile bytes. V8's JSON.parse is iterative, but
// everything after it (JSON.stringify, a walk, a structured clone) recurses, so a value nested 100,000 deep
// parses fine and then throws "Maximum call stack size exceeded" wherever it goes next. Every stored value is
// therefore parsed here: depth is checked without recursion, and a failure is described by where it is, never
// by quoting the bytes around it (a parser's own message quotes them, and they can be a password).

/** serde_json's recursion limit, which pf's own reader applies: 128 nested arrays or objects are refused. */
export const MAX_JSON_DEPTH = 128;

export type StoredJson = { ok: true; value: unknown } | { ok: false; problem: string };

/** Parses `text`; a value nested as deep as `maxDepth` containers, or not JSON, comes back as a problem in words. */
export function parseStoredJson(text: string, maxDepth = MAX_JSON_DEPTH): StoredJson {
  if (text.length === 0) {
    return { ok: false, problem: 'an empty line, not JSON' }; // a blank line costs no exception
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: describeJsonFailure(text) };
  }
  if (mayNestDeeply(text, maxDepth) && nestedAtLeast(value, maxDepth)) {
    return { ok: false, problem: `nested ${maxDepth} or more levels deep, more than pf reads` };
  }
  return { ok: true, value };
}

/**
 * Whether JSON `text` could hold `limit` containers inside one another: each one opens with `[` or `{`, so text
 * with fewer such characters (those inside strings counted too) cannot. Most stored lines (a message, a ledger
 * entry) are decided here, without walking the parsed value.
 */
export function mayNestDeeply(text: string, limit = MAX_JSON_DEPTH): boolean {
  if (text.length < 2 * limit) {
    return false; // every container opens and closes: `limit` of them take 2 × limit characters
  }
  let opened = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c === 0x5b || c === 0x7b) && ++opened >= limit) {
      return true;
    }
  }
  return false;
}

/** True when `value` holds `limit` or more arrays or objects inside one another. No recursion. */
export function nestedAtLeast(value: unknown, limit = MAX_JSON_DEPTH): boolean {
  if (value === null || typeof value !== 'object') {
    return false;
  }
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth >= limit) {
      return true;
    }
    const children = Array.isArray(node) ? node : Object.values(node as object);
    for (const child of children) {
      if (child !== null && typeof child === 'object') {
        stack.push([child, depth + 1]);
      }
    }
  }
  return false;
}

/** JSON text of a stored value for display, or undefined when it is nested too deep to stringify safely. */
export function storedJsonText(value: unknown, limit = MAX_JSON_DEPTH): string | undefined {
  return nestedAtLeast(value, limit) ? undefined : JSON.stringify(value);
}

/**
 * Where `text` stops being JSON and what is found there, as "an unexpected character at line 3, column 14":
 * enough to find the place in the raw layer, nothing of what is there.
 */
export function describeJsonFailure(text: string): string {
  const { offset, what } = firstJsonError(text);
  const { line, column } = lineColumn(text, offset);
  return `not valid JSON: ${what} at line ${line}, column ${column}`;
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

/** What a stored value is, for a message that must not quote it: "a string of 19 characters", "an object". */
export function kindOf(value: unknown): string {
  if (typeof value === 'string') {
    return `a string of ${value.length} character${value.length === 1 ? '' : 's'}`; // format.ts imports this file
  }
  if (value === null) {
    return 'null';
  }
  if (typeof value === 'number' && Number.isSafeInteger(value) && Math.abs(value) < 1_000_000) {
    return `the number ${value}`; // a version or a count, not something a secret hides in
  }
  if (Array.isArray(value)) {
    return 'a list';
  }
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** A validating scan that builds nothing: the offset of the first thing that is not JSON. */
export function firstJsonError(text: string): { offset: number; what: string } {
  let i = 0;
  const n = text.length;
  const stack: number[] = []; // 0x5b '[' or 0x7b '{'
  const skipWs = () => {
    while (i < n && WS.has(text.charCodeAt(i))) {
      i++;
    }
  };
  const fail = (what: string) => ({ offset: Math.min(i, n), what: i >= n ? 'an unexpected end' : what });
  let expect: 'value' | 'key-or-end' | 'key' | 'colon' | 'after-value' | 'value-or-end' = 'value';
  for (;;) {
    skipWs();
    if (i >= n) {
      return stack.length === 0 && expect === 'after-value'
        ? { offset: n, what: 'nothing wrong' }
        : fail('an unexpected end');
    }
    const c = text.charCodeAt(i);
    if (expect === 'after-value') {
      const top = stack[stack.length - 1];
      if (top === undefined) {
        return fail('more after the value');
      }
      if (c === 0x2c) {
        i++;
        expect = top === 0x7b ? 'key' : 'value';
      } else if ((c === 0x5d && top === 0x5b) || (c === 0x7d && top === 0x7b)) {
        i++;
        stack.pop();
      } else {
        return fail('an unexpected character');
      }
      continue;
    }
    if (expect === 'colon') {
      if (c !== 0x3a) {
        return fail('an unexpected character');
      }
      i++;
      expect = 'value';
      continue;
    }
    if (expect === 'key' || expect === 'key-or-end') {
      if (c === 0x7d && expect === 'key-or-end') {
        i++;
        stack.pop();
        expect = 'after-value';
        continue;
      }
      if (c !== 0x22) {
        return fail('an unexpected character');
      }
      const problem = skipString();
      if (problem) {
        return fail(problem);
      }
      expect = 'colon';
      continue;
    }
    // A value (or, right after '[', the array's end).
    if (c === 0x5d && expect === 'value-or-end') {
      i++;
      stack.pop();
      expect = 'after-value';
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      stack.push(c);
      i++;
      expect = c === 0x7b ? 'key-or-end' : 'value-or-end';
      continue;
    }
    let problem: string | undefined;
    if (c === 0x22) {
      problem = skipString();
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      problem = skipNumber();
    } else if (!skipLiteral()) {
      problem = 'an unexpected character';
    }
    if (problem) {
      return fail(problem);
    }
    expect = 'after-value';
  }

  function skipString(): string | undefined {
    i++; // the opening quote
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return undefined;
      }
      if (c < 0x20) {
        return 'a control character inside a string';
      }
      if (c === 0x5c) {
        const e = text.charCodeAt(i + 1);
        if (e === 0x75) {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
            return 'an invalid escape';
          }
          i += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(String.fromCharCode(e)) || i + 1 >= n) {
          return 'an invalid escape';
        }
        i += 2;
        continue;
      }
      i++;
    }
    return 'an unfinished string';
  }

  function skipNumber(): string | undefined {
    const m = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
    m.lastIndex = i;
    const found = m.exec(text);
    if (!found) {
      return 'an invalid number';
    }
    i += found[0].length;
    return undefined;
  }

  function skipLiteral(): boolean {
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return true;
      }
    }
    return false;
  }
}
