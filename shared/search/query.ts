// The search grammar, the same in `pfstore search` and the editor's search view: bare words and "quoted phrases"
// match the conversation as case-insensitive substrings, /regex/ matches it as a JavaScript regular expression,
// and `field:value` terms ask of a snapshot's record, files, environment, name, age and lineage. Terms side by
// side must all hold (AND); `OR` between terms, `-term` or `NOT term`, and parentheses group. NOT binds tighter
// than AND, AND tighter than OR. Every term is a question about one snapshot: a snapshot matches when the whole
// expression holds for it. A malformed query is a `QueryError` that names the column (1-based) at fault.

export const FIELDS = [
  'tool',
  'class',
  'agent',
  'name',
  'file',
  'content',
  'env',
  'secret',
  'chain',
  'after',
  'before',
  'lineage',
] as const;
export type Field = (typeof FIELDS)[number];

export type Term =
  /** A case-insensitive substring of a message's text (a bare word or a quoted phrase). */
  | { kind: 'text'; text: string }
  | { kind: 'regex'; source: string; flags: string }
  | { kind: 'field'; field: Field; value: string };

export type Query =
  | { kind: 'term'; term: Term; column: number }
  | { kind: 'and'; items: Query[] }
  | { kind: 'or'; items: Query[] }
  | { kind: 'not'; item: Query };

export class QueryError extends Error {
  constructor(
    message: string,
    /** 1-based column of the query text where the problem is. */
    readonly column: number,
  ) {
    super(`${message} (column ${column})`);
    this.name = 'QueryError';
  }
}

/** Queries longer than this are refused: a query is typed, not generated. */
export const MAX_QUERY_CHARS = 4096;
/** Parentheses and NOTs nested deeper than this are refused (the parser recurses). */
const MAX_NESTING = 64;
const REGEX_FLAGS = /^[imsu]*$/;

type Token =
  | { t: 'open' | 'close' | 'or' | 'and' | 'not'; col: number }
  | { t: 'term'; term: Term; col: number; negated: boolean };

export function parseQuery(text: string): Query {
  if (text.length > MAX_QUERY_CHARS) {
    throw new QueryError(`a query is at most ${MAX_QUERY_CHARS} characters`, MAX_QUERY_CHARS + 1);
  }
  const tokens = tokenize(text);
  if (tokens.length === 0) {
    throw new QueryError('the query is empty: type words to find, or a field such as tool:git_push', 1);
  }
  const p = new Parser(tokens, text.length + 1);
  const query = p.or(0);
  p.end();
  return query;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const col = i + 1;
    if (c === '(' || c === ')') {
      tokens.push({ t: c === '(' ? 'open' : 'close', col });
      i++;
      continue;
    }
    let negated = false;
    let start = i;
    if (c === '-' && text[i + 1] === '(') {
      tokens.push({ t: 'not', col }); // -( … ) leaves out the whole group
      i++;
      continue;
    }
    if (c === '-' && i + 1 < text.length && !/[\s()]/.test(text[i + 1])) {
      negated = true;
      start = i + 1;
    } else if (c === '-') {
      throw new QueryError('a "-" must stand right before the term it leaves out', col);
    }
    const { term, end } = readTerm(text, start);
    if (!negated && term.kind === 'text' && text[start] !== '"') {
      const word = term.text;
      if (word === 'OR' || word === 'AND' || word === 'NOT') {
        tokens.push({ t: word === 'OR' ? 'or' : word === 'AND' ? 'and' : 'not', col });
        i = end;
        continue;
      }
    }
    tokens.push({ t: 'term', term, col, negated });
    i = end;
  }
  return tokens;
}

/** One term starting at `start`: a phrase, a regex, a field with its value, or a bare word. */
function readTerm(text: string, start: number): { term: Term; end: number } {
  if (text[start] === '"') {
    const { value, end } = readQuoted(text, start);
    return { term: { kind: 'text', text: nonEmpty(value, start) }, end };
  }
  if (text[start] === '/') {
    return readRegex(text, start);
  }
  const field = /^([a-z]+):/.exec(text.slice(start, start + 16));
  if (field && (FIELDS as readonly string[]).includes(field[1])) {
    const valueAt = start + field[0].length;
    const name = field[1] as Field;
    if (valueAt >= text.length || /[\s()]/.test(text[valueAt])) {
      throw new QueryError(`${name}: needs a value, such as ${example(name)}`, valueAt + 1);
    }
    const { value, end } = text[valueAt] === '"' ? readQuoted(text, valueAt) : readWord(text, valueAt);
    return { term: { kind: 'field', field: name, value: checkValue(name, nonEmpty(value, valueAt), valueAt) }, end };
  }
  const { value, end } = readWord(text, start);
  return { term: { kind: 'text', text: value }, end };
}

function readWord(text: string, start: number): { value: string; end: number } {
  let end = start;
  while (end < text.length && !/[\s()]/.test(text[end])) {
    end++;
  }
  return { value: text.slice(start, end), end };
}

/** A double-quoted string; `\"` and `\\` stand for themselves inside it. */
function readQuoted(text: string, start: number): { value: string; end: number } {
  let value = '';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) {
      value += text[++i];
    } else if (c === '"') {
      return { value, end: i + 1 };
    } else {
      value += c;
    }
  }
  throw new QueryError('this quote is never closed', start + 1);
}

/** `/source/flags`: a `/` inside the source is written `\/`. The flags allowed change matching only. */
function readRegex(text: string, start: number): { term: Term; end: number } {
  let i = start + 1;
  let inClass = false;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      i++;
    } else if (c === '[') {
      inClass = true;
    } else if (c === ']') {
      inClass = false;
    } else if (c === '/' && !inClass) {
      break;
    }
  }
  if (i >= text.length) {
    throw new QueryError('this regular expression has no closing /', start + 1);
  }
  const source = text.slice(start + 1, i);
  if (source === '') {
    throw new QueryError('the regular expression is empty', start + 1);
  }
  const { value: flags, end } = readWord(text, i + 1);
  if (!REGEX_FLAGS.test(flags)) {
    throw new QueryError('a regular expression takes only the flags i, m, s and u', i + 2);
  }
  try {
    new RegExp(source, flags);
  } catch (err) {
    throw new QueryError(`not a valid regular expression: ${(err as Error).message.replace(/^.*: /, '')}`, start + 1);
  }
  return { term: { kind: 'regex', source, flags }, end };
}

function nonEmpty(value: string, at: number): string {
  if (value === '') {
    throw new QueryError('an empty phrase matches everything: put words between the quotes', at + 1);
  }
  return value;
}

function example(field: Field): string {
  const examples: Record<Field, string> = {
    tool: 'tool:git_push',
    class: 'class:irreversible',
    agent: 'agent:claude-code',
    name: 'name:before-*',
    file: 'file:infra/*.tf',
    content: 'content:"BEGIN RSA"',
    env: 'env:AWS_*',
    secret: 'secret:*',
    chain: 'chain:bad',
    after: 'after:2026-11-20',
    before: 'before:2026-11-20T09:00:00Z',
    lineage: 'lineage:before-refactor',
  };
  return examples[field];
}

function checkValue(field: Field, value: string, at: number): string {
  if (field === 'chain' && value !== 'ok' && value !== 'bad') {
    throw new QueryError('chain: is chain:ok (the record is intact) or chain:bad (it is not)', at + 1);
  }
  if ((field === 'after' || field === 'before') && parseInstant(value) === undefined) {
    throw new QueryError(`${field}: takes a UTC date (2026-11-20) or a timestamp (2026-11-20T09:00:00Z)`, at + 1);
  }
  return value;
}

/**
 * A date or RFC 3339 timestamp as a sortable pair: whole seconds since the epoch and the fraction as nine
 * digits, so microseconds that `Date` would drop still order. A bare date is its first instant, UTC.
 */
export function parseInstant(text: string): { seconds: number; nanos: string } | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?$/i.exec(
    text,
  );
  if (!m) {
    return undefined;
  }
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
  if (Number.isNaN(ms) || +mo < 1 || +mo > 12 || +d < 1 || +d > 31 || +h > 23 || +mi > 59 || +s > 60) {
    return undefined;
  }
  const offset =
    zone.toUpperCase() === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (+zone.slice(1, 3) * 60 + +zone.slice(4));
  return { seconds: ms / 1000 - offset * 60, nanos: frac.padEnd(9, '0') };
}

/** -1, 0 or 1 as instant `a` is before, at or after `b`. */
export function compareInstants(a: { seconds: number; nanos: string }, b: { seconds: number; nanos: string }): number {
  return a.seconds !== b.seconds
    ? Math.sign(a.seconds - b.seconds)
    : a.nanos < b.nanos
      ? -1
      : a.nanos > b.nanos
        ? 1
        : 0;
}

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly endColumn: number,
  ) {}

  or(depth: number): Query {
    const items = [this.and(depth)];
    while (this.peek()?.t === 'or') {
      this.i++;
      if (!this.startsOperand()) {
        throw new QueryError('OR needs a term after it', this.peek()?.col ?? this.endColumn);
      }
      items.push(this.and(depth));
    }
    return items.length === 1 ? items[0] : { kind: 'or', items };
  }

  end(): void {
    const next = this.peek();
    if (next) {
      throw new QueryError(next.t === 'close' ? 'this ")" closes nothing' : 'unexpected here', next.col);
    }
  }

  private and(depth: number): Query {
    if (!this.startsOperand()) {
      const next = this.peek();
      throw new QueryError(
        next?.t === 'or'
          ? 'OR needs a term before it'
          : next?.t === 'close'
            ? 'this ")" closes nothing'
            : 'a term is missing here',
        next?.col ?? this.endColumn,
      );
    }
    const items = [this.unary(depth)];
    while (this.startsOperand() || this.peek()?.t === 'and') {
      if (this.peek()?.t === 'and') {
        this.i++;
        if (!this.startsOperand()) {
          throw new QueryError('AND needs a term after it', this.peek()?.col ?? this.endColumn);
        }
      }
      items.push(this.unary(depth));
    }
    return items.length === 1 ? items[0] : { kind: 'and', items };
  }

  private unary(depth: number): Query {
    const tok = this.tokens[this.i++];
    if (depth > MAX_NESTING) {
      throw new QueryError(`nested more than ${MAX_NESTING} deep`, tok.col);
    }
    if (tok.t === 'not') {
      if (!this.startsOperand()) {
        throw new QueryError('NOT needs a term after it', this.peek()?.col ?? this.endColumn);
      }
      return { kind: 'not', item: this.unary(depth + 1) };
    }
    if (tok.t === 'open') {
      if (this.peek()?.t === 'close') {
        throw new QueryError('empty parentheses', tok.col);
      }
      const inner = this.or(depth + 1);
      if (this.peek()?.t !== 'close') {
        throw new QueryError('this "(" is never closed', tok.col);
      }
      this.i++;
      return inner;
    }
    if (tok.t === 'term') {
      const term: Query = { kind: 'term', term: tok.term, column: tok.col };
      return tok.negated ? { kind: 'not', item: term } : term;
    }
    throw new QueryError('unexpected here', tok.col);
  }

  private startsOperand(): boolean {
    const t = this.peek()?.t;
    return t === 'term' || t === 'open' || t === 'not';
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }
}

/** `*` any run of characters, `?` one; everything else literal. Case-insensitive unless `exactCase`. */
export function globMatcher(glob: string, exactCase = false): (value: string) => boolean {
  const source = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[\\s\\S]*')
    .replace(/\?/g, '[\\s\\S]');
  const re = new RegExp(`^${source}$`, exactCase ? '' : 'i');
  return (value) => re.test(value);
}
