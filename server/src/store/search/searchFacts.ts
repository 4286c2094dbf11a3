// What search knows of a store: facts read from its layers, keyed by the content digests they were read from, so
// any two sets of facts merge by union and a fact never goes stale (a blob's bytes never change under its name).
// pf's lineages repeat themselves (a fork carries its parent's whole conversation and ledger), so every distinct
// message and call is held once, in a table, and a trace or ledger is a list of ids into it.
import type { LedgerVerdict } from '../../../../shared/snapshots/snapshotView';
import { anyIn, mapRuns, shiftRuns, type Runs } from './idRuns';

export interface SnapshotFacts {
  name: string;
  agentKind: string;
  created: string;
  parents: string[];
  /** Layer digests (hex), absent when the manifest names none. */
  trace?: string;
  ledger?: string;
  fs?: string;
  env?: string;
  procs?: string;
}

export interface LedgerFacts {
  /** Call ids in entry order (a plain ledger), as runs. */
  calls: Runs;
  verdict: LedgerVerdict;
  /** An `effects.merged.v1` record: the two ledgers it names (hex), read as this record. */
  merged?: [string | undefined, string | undefined];
}

export interface TreeFacts {
  paths: string[];
  kinds: string[];
  /** The blob behind each entry (hex), or '' for folders. */
  blobs: string[];
}

export interface CallFacts {
  tool: string;
  cls: string;
  ts: string;
  key: string;
}

/**
 * Interned rows: a row is added once, whatever how many lists name it. Rows read from a facts file stay unread
 * until one is asked for (a query that only counts snapshots never reads a message's text), and rows appended
 * after them are not interned against them (that would read them all): a duplicate costs memory, never an answer.
 */
export class Table<T> {
  private list: T[] = [];
  /** Rows of a facts file not read yet: `count` of them, before every row of `list`. */
  private unread?: { count: number; read: () => T[] };
  /** Row → id, built on the first add: a table read from a file and only searched never needs it. */
  private ids?: Map<string, number>;
  constructor(private readonly keyOf: (row: T) => string) {}

  /** Every row, read now if a file's rows were still unread. */
  get rows(): readonly T[] {
    if (this.unread) {
      const read = this.unread.read();
      if (read.length !== this.unread.count) {
        throw new Error(`a table of ${this.unread.count} rows read as ${read.length}`);
      }
      this.list = [...read, ...this.list];
      this.unread = undefined;
    }
    return this.list;
  }

  get size(): number {
    return (this.unread?.count ?? 0) + this.list.length;
  }

  /** The rows a facts file holds (distinct when written), read only when first asked for. */
  loadLazily(count: number, read: () => T[]): void {
    this.list = [];
    this.ids = undefined;
    this.unread = count > 0 ? { count, read } : undefined;
  }

  /** Whether the rows of a facts file are still unread. */
  get deferred(): boolean {
    return this.unread !== undefined;
  }

  /** Rows appended as they are (not interned): returns the id of the first. */
  append(rows: readonly T[]): number {
    const first = this.size;
    for (const row of rows) {
      this.list.push(row);
    }
    this.ids = undefined;
    return first;
  }

  /** Rows appended after the unread ones, without reading those. */
  get appended(): readonly T[] {
    return this.unread ? this.list : [];
  }

  add(row: T): number {
    const rows = this.rows;
    if (!this.ids) {
      this.ids = new Map();
      rows.forEach((r, i) => this.ids!.set(this.keyOf(r), i));
    }
    const key = this.keyOf(row);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = rows.length;
      this.list.push(row);
      this.ids.set(key, id);
    }
    return id;
  }
}

export interface Message {
  role: string;
  text: string;
}

/**
 * Every message's text lower-cased in one string, NUL between messages (a NUL inside a text becomes U+FFFD, so a
 * match never spans two): what a word or phrase is searched in. Written into a facts file, read back as it is.
 */
export function loweredCorpus(rows: readonly Message[]): string {
  return rows
    .map((m) => (m.text.includes('\0') ? m.text.replaceAll('\0', '\ufffd') : m.text))
    .join('\0')
    .toLowerCase();
}

/** The lowered corpus as UTF-8 bytes (searched as they are) and the byte where each message starts in it. */
export interface Corpus {
  bytes: Buffer;
  starts: Int32Array;
}

/** The corpus of these messages, made in memory. */
export function corpusOf(rows: readonly Message[]): Corpus {
  const bytes = Buffer.from(loweredCorpus(rows), 'utf8');
  const starts = new Int32Array(rows.length);
  for (let i = 1, at = 0; i < rows.length; i++) {
    at = bytes.indexOf(0, at) + 1;
    starts[i] = at;
  }
  return { bytes, starts };
}

/** One corpus after another, as one. */
function joinCorpora(a: Corpus, b: Corpus): Corpus {
  if (a.starts.length === 0 || b.starts.length === 0) {
    return a.starts.length === 0 ? b : a;
  }
  const offset = a.bytes.length + 1;
  const starts = new Int32Array(a.starts.length + b.starts.length);
  starts.set(a.starts);
  b.starts.forEach((at, i) => (starts[a.starts.length + i] = at + offset));
  return { bytes: Buffer.concat([a.bytes, Buffer.from([0]), b.bytes]), starts };
}

/** The sections of a facts file, each read (and its checksum checked) the first time it is asked for. */
export interface FactsSections {
  snapshots(): Map<string, SnapshotFacts>;
  traces(): Map<string, Runs | null>;
  ledgers(): Map<string, LedgerFacts>;
  trees(): Map<string, TreeFacts>;
  files(): Map<string, string | null>;
  envNames(): Map<string, string[]>;
  secretNames(): Map<string, string[]>;
  /** The lower-cased corpus of the file's messages (see loweredCorpus). */
  corpus(): Corpus;
  /** Every section's checksum checked, whether or not it is read. */
  checkAll(): void;
  /** A snapshot's trace runs if it came from this file (null: the file has none for it), else undefined. */
  traceOf(s: SnapshotFacts): Runs | null | undefined;
  /** Whether its trace names any of `sorted`, if it came from this file (null: no trace or no facts for it). */
  traceHolds(s: SnapshotFacts, sorted: Int32Array): boolean | null | undefined;
}

type Section = Exclude<keyof FactsSections, 'corpus' | 'checkAll' | 'traceOf' | 'traceHolds'>;
const SECTIONS: Section[] = ['snapshots', 'traces', 'ledgers', 'trees', 'files', 'envNames', 'secretNames'];

export class SearchFacts {
  private readonly read = new Map<Section, Map<string, unknown>>();
  readonly messages: Table<Message>;
  readonly calls: Table<CallFacts>;

  /** New tables, or another's (to read a part of its facts through its ids); or the sections of a facts file. */
  constructor(
    tables?: { messages: Table<Message>; calls: Table<CallFacts> },
    private sections?: FactsSections,
  ) {
    this.messages = tables?.messages ?? new Table<Message>((m) => `${m.role}\u0000${m.text}`);
    this.calls = tables?.calls ?? new Table<CallFacts>((c) => JSON.stringify([c.tool, c.cls, c.ts, c.key]));
  }

  private section<T>(name: Section): Map<string, T> {
    let map = this.read.get(name);
    if (!map) {
      map = this.sections ? this.sections[name]() : new Map();
      this.read.set(name, map);
    }
    return map as Map<string, T>;
  }

  get snapshots(): Map<string, SnapshotFacts> {
    return this.section('snapshots');
  }
  /** Trace digest → message ids in order, as runs; null when the trace could not be read. */
  get traces(): Map<string, Runs | null> {
    return this.section('traces');
  }
  /**
   * The message ids of a snapshot's trace (null: it could not be read; undefined: no trace, or not read yet).
   * A snapshot of a facts file whose traces were not merged with others' is answered by the file's own numbers.
   */
  traceOf(s: SnapshotFacts): Runs | null | undefined {
    if (!s.trace) {
      return undefined;
    }
    if (!this.read.has('traces') && this.sections) {
      const runs = this.sections.traceOf(s);
      if (runs !== undefined) {
        return runs ?? undefined;
      }
    }
    return this.traces.get(s.trace);
  }

  /**
   * Whether a snapshot's trace names any message of `sorted` (ascending ids), no list made to ask it: by the
   * file's own numbers when the snapshot came from one (a binary search per run, no digest made), else through
   * `memo` by trace digest (a thousand forks sharing a trace ask it once).
   */
  traceHolds(s: SnapshotFacts, sorted: Int32Array, memo: Map<string, boolean>): boolean {
    if (!this.read.has('traces') && this.sections) {
      const holds = this.sections.traceHolds(s, sorted);
      if (holds !== undefined) {
        return !!holds;
      }
    }
    if (!s.trace) {
      return false;
    }
    let answer = memo.get(s.trace);
    if (answer === undefined) {
      answer = anyIn(this.traceOf(s) ?? [], sorted);
      memo.set(s.trace, answer);
    }
    return answer;
  }

  get ledgers(): Map<string, LedgerFacts> {
    return this.section('ledgers');
  }
  get trees(): Map<string, TreeFacts> {
    return this.section('trees');
  }
  /** File blob → its text (null: not text, too large, or unreadable). */
  get files(): Map<string, string | null> {
    return this.section('files');
  }
  /** Env digest → variable names; secrets in clear → their names (verify's rules, env and procs layers). */
  get envNames(): Map<string, string[]> {
    return this.section('envNames');
  }
  get secretNames(): Map<string, string[]> {
    return this.section('secretNames');
  }

  /** Every section read now (each file's checksums checked): what a long-lived reader does once. */
  readAll(): void {
    SECTIONS.forEach((name) => this.section(name));
    this.sections?.checkAll(); // a section no query reads is checked too
    this.sections?.corpus(); // and the corpus's own lists, though it is made from the rows once they are read
    void this.messages.rows;
    void this.calls.rows;
  }

  private corpusMemo?: { size: number; corpus: Corpus };

  /** The lower-cased corpus of every message (a file's as written, then any appended after it). */
  corpus(): Corpus {
    const size = this.messages.size;
    if (this.corpusMemo?.size !== size) {
      const corpus =
        this.messages.deferred && this.sections
          ? joinCorpora(this.sections.corpus(), corpusOf(this.messages.appended))
          : corpusOf(this.messages.rows);
      this.corpusMemo = { size, corpus };
    }
    return this.corpusMemo.corpus;
  }

  /** Everything `other` knows that this does not (ids renumbered into this one's tables; rows no list names left). */
  absorb(other: SearchFacts): void {
    for (const [hex, s] of other.snapshots) {
      this.snapshots.set(hex, s);
    }
    const message = this.rowsOf(other.messages, this.messages);
    const call = this.rowsOf(other.calls, this.calls);
    for (const [hex, ids] of other.traces) {
      if (!this.traces.get(hex)) {
        this.traces.set(hex, ids && message(ids));
      }
    }
    for (const [hex, l] of other.ledgers) {
      if (!this.ledgers.has(hex)) {
        this.ledgers.set(hex, { ...l, calls: call(l.calls) });
      }
    }
    for (const [from, to] of [
      [other.trees, this.trees],
      [other.files, this.files],
      [other.envNames, this.envNames],
      [other.secretNames, this.secretNames],
    ] as Array<[Map<string, unknown>, Map<string, unknown>]>) {
      for (const [hex, value] of from) {
        if (!to.has(hex)) {
          to.set(hex, value);
        }
      }
    }
  }

  /**
   * How runs of `from` are carried into `to`: while `to` still holds a file's rows unread, `from`'s rows are
   * appended whole (no row of the file is read); else each row is interned as it is first named.
   */
  private rowsOf<T>(from: Table<T>, to: Table<T>): (runs: Runs) => Runs {
    if (to.deferred) {
      const first = to.append(from.rows);
      return (runs) => shiftRuns(runs, first);
    }
    const ids = new Map<number, number>();
    return (runs) =>
      mapRuns(runs, (id) => {
        let mapped = ids.get(id);
        if (mapped === undefined) {
          mapped = to.add(from.rows[id]);
          ids.set(id, mapped);
        }
        return mapped;
      });
  }
}
