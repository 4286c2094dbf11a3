// A parsed query asked of every snapshot the index knows: each term is a question about one snapshot, answered
// once per distinct layer blob (a thousand forks sharing a ledger ask it once), and a snapshot matches when the
// whole expression holds. Text is found in the distinct messages only, by one scan of their lower-cased text.
// What made a snapshot match comes back as hits (terms under a NOT make none). A regular expression runs in a
// separate V8 context under a time limit, so one that runs away is stopped with a clear error.
import * as vm from 'node:vm';
import { compareInstants, globMatcher, parseInstant, type Query, type Term } from '../../../../shared/search/query';
import type { SearchHit, SnapshotHits } from '../../../../shared/search/searchResults';
import type { LedgerVerdict } from '../../../../shared/snapshots/snapshotView';
import { secretRanges } from '../layers/world/secrets';
import type { SearchFacts, SnapshotFacts } from './searchFacts';
import { anyIn, forEachId, matchingIds, type Runs } from './idRuns';

export class SearchError extends Error {
  constructor(
    message: string,
    readonly column?: number,
  ) {
    super(message);
    this.name = 'SearchError';
  }
}

export interface SearchOptions {
  /** A regular expression's whole scan is stopped past this (default 2 s). */
  regexTimeoutMs?: number;
  /** Hits listed per snapshot (default 20); the rest are counted. */
  hitsPerSnapshot?: number;
}

export interface MatchedSnapshot {
  image: string;
  name: string | null;
  created: string;
}

export interface SearchAnswer {
  /** Every matching snapshot, newest first. */
  snapshots: MatchedSnapshot[];
  /** The places that made one of them match (made only for the snapshots shown: a page, not ten thousand). */
  hitsOf(snapshot: MatchedSnapshot): SnapshotHits;
}

/** The message holding corpus offset `at` (binary search over the starts). */
function messageAt(starts: Int32Array, at: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= at) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

/** For each matching message: where its first match starts and how long it is, in its own text. */
type MessageMatches = Map<number, [number, number]>;

function textMatches(facts: SearchFacts, needle: string): MessageMatches {
  const { bytes, starts } = facts.corpus();
  const want = needle.toLowerCase();
  const found: MessageMatches = new Map();
  if (want.includes('\0') || starts.length === 0) {
    return found; // no text holds a NUL (each one became U+FFFD): only a match across two messages would
  }
  const wanted = Buffer.from(want, 'utf8');
  for (let at = bytes.indexOf(wanted); at !== -1;) {
    const id = messageAt(starts, at);
    // Where it starts in the message's own characters (UTF-8 bytes before it, decoded).
    found.set(id, [bytes.toString('utf8', starts[id], at).length, want.length]);
    const next = id + 1 < starts.length ? starts[id + 1] : bytes.length;
    at = bytes.indexOf(wanted, next);
  }
  return found;
}

function regexMatches(facts: SearchFacts, source: string, flags: string, timeoutMs: number): MessageMatches {
  const texts = facts.messages.rows.map((m) => m.text);
  const context = vm.createContext({
    texts,
    source,
    flags,
    ids: [] as number[],
    at: [] as number[],
    len: [] as number[],
  });
  try {
    vm.runInContext(
      `const re = new RegExp(source, flags.replace('g', ''));
       for (let i = 0; i < texts.length; i++) {
         const m = re.exec(texts[i]);
         if (m) { ids.push(i); at.push(m.index); len.push(m[0].length); }
       }`,
      context,
      { timeout: timeoutMs },
    );
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new SearchError(
        `the regular expression /${source.length > 40 ? `${source.slice(0, 40)}…` : source}/ took longer than ${timeoutMs / 1000} s over ${texts.length.toLocaleString('en-US')} messages and was stopped: make it more specific (nested repeats such as (a+)+ can take forever)`,
      );
    }
    throw new SearchError(`the regular expression cannot run: ${(err as Error).message}`);
  }
  const { ids, at, len } = context as { ids: number[]; at: number[]; len: number[] };
  return new Map(ids.map((id, i) => [id, [at[i], len[i]]]));
}

/** A term's answer for one snapshot, and (for a hit-making term) the hits that make it. */
interface Compiled {
  holds(hex: string, s: SnapshotFacts): boolean;
  hits?(hex: string, s: SnapshotFacts): SearchHit[];
}

const SNIPPET_CONTEXT = 60;
/** Merge records followed at most this deep, and a merged record's calls kept to this many runs. */
const MAX_MERGE_DEPTH = 64;
const MAX_RECORD_RUNS = 1 << 20;

/** The words around [start, start + length) of `text` on one line, credentials of a known shape hidden. */
export function snippetAround(
  text: string,
  start: number,
  length: number,
): { snippet: string; mark: [number, number] } {
  // Secrets are found in a wider window, so one cut in half at the snippet's edge is still recognised.
  const base = Math.max(0, start - SNIPPET_CONTEXT - 256);
  const wide = text.slice(base, start + length + SNIPPET_CONTEXT + 256);
  const from = Math.max(0, start - SNIPPET_CONTEXT) - base;
  const to = Math.min(text.length, start + length + SNIPPET_CONTEXT) - base;
  const [ms, me] = [start - base, start + length - base];
  let out = from + base > 0 ? '…' : '';
  let mark: [number, number] = [-1, -1];
  // Emits wide[p, q) as `piece` (itself, or the words that hide a secret), moving the mark's ends with it.
  const put = (p: number, q: number, piece: string, hidden: boolean) => {
    if (ms >= p && ms < q) {
      mark[0] = out.length + (hidden ? 0 : ms - p);
    }
    if (me > p && me <= q) {
      mark[1] = out.length + (hidden ? piece.length : me - p);
    }
    out += piece;
  };
  let i = from;
  for (const [a, b] of secretRanges(wide)) {
    if (b <= i || a >= to) {
      continue;
    }
    if (a > i) {
      put(i, a, wide.slice(i, a), false);
    }
    put(Math.max(a, i), b, '[secret hidden]', true);
    i = Math.max(i, b);
  }
  if (i < to) {
    put(i, to, wide.slice(i, to), false);
  }
  if (mark[0] < 0) {
    mark = [out.length, out.length];
  } else if (mark[1] < mark[0]) {
    mark[1] = mark[0];
  }
  const tail = to + base < text.length ? '…' : '';
  // One line: line breaks and tabs shown as spaces (one character each, so the mark does not move).
  return { snippet: out.replace(/[\r\n\t]/g, ' ') + tail, mark };
}

export function searchFacts(
  facts: SearchFacts,
  live: Set<string>,
  query: Query,
  opts: SearchOptions = {},
): SearchAnswer {
  const compiler = new Compiler(facts, live, opts);
  const root = compiler.compile(query, true);
  const limit = opts.hitsPerSnapshot ?? 20;
  const snapshots: MatchedSnapshot[] = [];
  for (const hex of live) {
    const s = facts.snapshots.get(hex);
    if (s && root.holds(hex, s)) {
      snapshots.push({ image: hex, name: s.name || null, created: s.created });
    }
  }
  const order = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);
  snapshots.sort((a, b) => order(a.created, b.created) || order(a.image, b.image));
  const hitsOf = (m: MatchedSnapshot): SnapshotHits => {
    const s = facts.snapshots.get(m.image)!;
    const hits: SearchHit[] = [];
    let more = 0;
    for (const term of compiler.hitMakers) {
      if (!term.holds(m.image, s)) {
        continue;
      }
      for (const h of term.hits!(m.image, s)) {
        if (hits.length < limit) {
          hits.push(h);
        } else {
          more++;
        }
      }
    }
    return { ...m, hits, moreHits: more };
  };
  return { snapshots, hitsOf };
}

class Compiler {
  readonly hitMakers: Compiled[] = [];
  private children?: Map<string, string[]>;
  /** Each record's calls, made once: a merge of merges names the same records many times over. */
  private readonly records = new Map<string, Runs>();

  constructor(
    private readonly facts: SearchFacts,
    private readonly live: Set<string>,
    private readonly opts: SearchOptions,
  ) {}

  compile(q: Query, positive: boolean): Compiled {
    switch (q.kind) {
      case 'and': {
        const items = q.items.map((i) => this.compile(i, positive));
        return { holds: (h, s) => items.every((i) => i.holds(h, s)) };
      }
      case 'or': {
        const items = q.items.map((i) => this.compile(i, positive));
        return { holds: (h, s) => items.some((i) => i.holds(h, s)) };
      }
      case 'not': {
        const item = this.compile(q.item, !positive);
        return { holds: (h, s) => !item.holds(h, s) };
      }
      case 'term': {
        const term = this.term(q.term);
        if (positive && term.hits) {
          this.hitMakers.push(term);
        }
        return term;
      }
    }
  }

  private term(t: Term): Compiled {
    if (t.kind === 'text') {
      return this.messages(textMatches(this.facts, t.text));
    }
    if (t.kind === 'regex') {
      return this.messages(regexMatches(this.facts, t.source, t.flags, this.opts.regexTimeoutMs ?? 2000));
    }
    const v = t.value;
    switch (t.field) {
      case 'tool':
      case 'class': {
        const match = globMatcher(v);
        const field = t.field === 'tool' ? 'tool' : 'cls';
        return this.calls((id) => match(this.facts.calls.rows[id][field]));
      }
      case 'agent': {
        const match = globMatcher(v);
        return { holds: (_, s) => match(s.agentKind) };
      }
      case 'name': {
        const match = globMatcher(v);
        return { holds: (_, s) => match(s.name) };
      }
      case 'after':
      case 'before': {
        const bound = parseInstant(v)!;
        const want = t.field === 'after' ? 1 : -1;
        return {
          holds: (_, s) => {
            const at = parseInstant(s.created);
            return at !== undefined && compareInstants(at, bound) === want;
          },
        };
      }
      case 'chain': {
        const want: LedgerVerdict = v === 'ok' ? 'ok' : 'bad';
        const memo = new Map<string, LedgerVerdict>();
        return { holds: (_, s) => !!s.ledger && this.verdict(s.ledger, memo, 0) === want };
      }
      case 'file':
        return this.files(v);
      case 'content':
        return this.contents(v);
      case 'env':
        return this.envNames(v);
      case 'secret':
        return this.secrets(v);
      case 'lineage':
        return this.lineage(v);
    }
  }

  private messages(found: MessageMatches): Compiled {
    const memo = new Map<string, boolean>();
    // Forks share their parents' messages: each message's snippet is made once, whatever how many show it.
    const snippets = new Map<number, { snippet: string; mark: [number, number] }>();
    const snippetOf = (id: number, where: [number, number]) => {
      let made = snippets.get(id);
      if (!made) {
        made = snippetAround(this.facts.messages.rows[id].text, where[0], where[1]);
        snippets.set(id, made);
      }
      return made;
    };
    const sorted = Int32Array.from(found.keys()).sort();
    return {
      holds: (_, s) => this.facts.traceHolds(s, sorted, memo),
      hits: (_, s) => {
        const hits: SearchHit[] = [];
        forEachId(this.facts.traceOf(s) ?? [], (id, index) => {
          const where = found.get(id);
          if (where) {
            const m = this.facts.messages.rows[id];
            hits.push({ layer: 'trace', index, label: m.role, ...snippetOf(id, where) });
          }
        });
        return hits;
      },
    };
  }

  /** The calls of a record in order, as runs: a merged record is its parents' records, A then B. */
  private recordCalls(ledger: string, depth: number): Runs {
    const l = this.facts.ledgers.get(ledger);
    if (!l) {
      return [];
    }
    if (!l.merged) {
      return l.calls;
    }
    const known = this.records.get(ledger);
    if (known) {
      return known;
    }
    // Stored bytes are hostile: merges that name one record twice at every level double at every level, so
    // nesting and length are both bounded (past them the rest of the record is not searched).
    this.records.set(ledger, []); // a merge naming itself finds nothing more
    const runs: number[] = [];
    for (const parent of depth >= MAX_MERGE_DEPTH ? [] : l.merged) {
      const more = parent ? this.recordCalls(parent, depth + 1) : [];
      for (let i = 0; i < more.length && runs.length < MAX_RECORD_RUNS; i++) {
        runs.push(more[i]);
      }
    }
    this.records.set(ledger, runs);
    return runs;
  }

  private calls(match: (id: number) => boolean): Compiled {
    const memo = new Map<string, boolean>();
    // The distinct calls are few beside the records naming them: each is tested once.
    const matched = matchingIds(this.facts.calls.size, match);
    return {
      holds: (_, s) => {
        if (!s.ledger) {
          return false;
        }
        let answer = memo.get(s.ledger);
        if (answer === undefined) {
          answer = anyIn(this.recordCalls(s.ledger, 0), matched);
          memo.set(s.ledger, answer);
        }
        return answer;
      },
      hits: (_, s) => {
        const hits: SearchHit[] = [];
        forEachId(this.recordCalls(s.ledger!, 0), (id, index) => {
          if (match(id)) {
            const c = this.facts.calls.rows[id];
            const tool = c.tool || '(no tool)';
            const snippet = [tool, c.cls || '(no class)', c.ts].filter(Boolean).join(' · ');
            hits.push({ layer: 'ledger', index, label: c.tool, snippet, mark: [0, tool.length] });
          }
        });
        return hits;
      },
    };
  }

  private verdict(ledger: string, memo: Map<string, LedgerVerdict>, depth: number): LedgerVerdict {
    const known = memo.get(ledger);
    if (known) {
      return known;
    }
    const l = this.facts.ledgers.get(ledger);
    let verdict: LedgerVerdict = 'skipped';
    if (l && !l.merged) {
      verdict = l.verdict;
    } else if (l?.merged && depth < 64) {
      // A merge has no chain of its own: its record is as intact as both parents' records.
      const parents = l.merged.map((p) => (p ? this.verdict(p, memo, depth + 1) : 'skipped'));
      verdict = parents.includes('bad') ? 'bad' : parents.every((p) => p === 'ok') ? 'ok' : 'skipped';
    }
    memo.set(ledger, verdict);
    return verdict;
  }

  private treeTerm(matchEntries: (tree: string) => SearchHit[]): Compiled {
    const memo = new Map<string, boolean>();
    return {
      holds: (_, s) => {
        if (!s.fs) {
          return false;
        }
        let answer = memo.get(s.fs);
        if (answer === undefined) {
          answer = matchEntries(s.fs).length > 0;
          memo.set(s.fs, answer);
        }
        return answer;
      },
      hits: (_, s) => matchEntries(s.fs!),
    };
  }

  private files(glob: string): Compiled {
    const whole = globMatcher(glob, true);
    // A glob without a `/` names a file wherever it is: it is tried on the last part of each path too.
    const base = glob.includes('/') ? undefined : whole;
    return this.treeTerm((hex) => {
      const tree = this.facts.trees.get(hex);
      const hits: SearchHit[] = [];
      tree?.paths.forEach((p, i) => {
        if (whole(p) || (base && base(p.slice(p.lastIndexOf('/') + 1)))) {
          hits.push({
            layer: 'fs',
            path: p,
            snippet: `${p}${tree.kinds[i] === 'dir' ? '/' : ''}`,
            mark: [0, p.length],
          });
        }
      });
      return hits;
    });
  }

  private contents(text: string): Compiled {
    const want = text.toLowerCase();
    const perFile = new Map<string, SearchHit[]>();
    const inFile = (blob: string, path: string): SearchHit[] => {
      let found = perFile.get(blob);
      if (!found) {
        found = [];
        const body = this.facts.files.get(blob);
        const lower = body?.toLowerCase();
        if (body && lower && lower.length === body.length) {
          for (
            let at = lower.indexOf(want);
            at !== -1 && found.length < 100;
            at = lower.indexOf(want, at + want.length)
          ) {
            const lineStart = body.lastIndexOf('\n', at - 1) + 1;
            const lineEnd = body.indexOf('\n', at);
            const line = body.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
            found.push({
              layer: 'fs',
              path: '',
              line: countLines(body, at),
              ...snippetAround(line, at - lineStart, want.length),
            });
          }
        } else if (body && lower?.includes(want)) {
          found.push({ layer: 'fs', path: '', ...snippetAround(body, 0, 0) }); // a text whose case folding moves offsets
        }
        perFile.set(blob, found);
      }
      return found.map((h) => ({ ...h, path }));
    };
    return this.treeTerm((hex) => {
      const tree = this.facts.trees.get(hex);
      return (tree?.paths ?? []).flatMap((p, i) =>
        tree!.kinds[i] === 'file' && tree!.blobs[i] ? inFile(tree!.blobs[i], p) : [],
      );
    });
  }

  private namesTerm(namesOf: (s: SnapshotFacts) => string[], glob: string, secret: boolean): Compiled {
    const match = globMatcher(glob);
    const found = (s: SnapshotFacts) => [...new Set(namesOf(s).filter(match))];
    return {
      holds: (_, s) => found(s).length > 0,
      hits: (_, s) =>
        found(s).map((name) => ({
          layer: 'env' as const,
          label: name,
          snippet: secret ? `${name} holds a secret in clear (its value is not shown)` : name,
          mark: [0, name.length] as [number, number],
          secret: secret || undefined,
        })),
    };
  }

  private envNames(glob: string): Compiled {
    return this.namesTerm((s) => (s.env && this.facts.envNames.get(s.env)) || [], glob, false);
  }

  private secrets(glob: string): Compiled {
    return this.namesTerm(
      (s) => [
        ...((s.env && this.facts.secretNames.get(`env:${s.env}`)) || []),
        ...((s.procs && this.facts.secretNames.get(`procs:${s.procs}`)) || []),
      ],
      glob,
      true,
    );
  }

  /** The snapshots named so (or whose digest starts so) and every snapshot descended from them. */
  private lineage(name: string): Compiled {
    const match = globMatcher(name);
    const digest = /^(sha256:)?[0-9a-f]{6,64}$/.test(name) ? name.replace(/^sha256:/, '') : undefined;
    if (!this.children) {
      this.children = new Map();
      for (const hex of this.live) {
        for (const p of this.facts.snapshots.get(hex)?.parents ?? []) {
          const list = this.children.get(p);
          if (list) {
            list.push(hex);
          } else {
            this.children.set(p, [hex]);
          }
        }
      }
    }
    const members = new Set<string>();
    for (const hex of this.live) {
      if (match(this.facts.snapshots.get(hex)?.name ?? '') || (digest && hex.startsWith(digest))) {
        members.add(hex);
      }
    }
    const queue = [...members];
    for (let i = 0; i < queue.length; i++) {
      for (const c of this.children.get(queue[i]) ?? []) {
        if (!members.has(c)) {
          members.add(c);
          queue.push(c);
        }
      }
    }
    return { holds: (hex) => members.has(hex) };
  }
}

function countLines(text: string, upTo: number): number {
  let n = 1;
  for (let at = text.indexOf('\n'); at !== -1 && at < upTo; at = text.indexOf('\n', at + 1)) {
    n++;
  }
  return n;
}
