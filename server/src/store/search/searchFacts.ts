// What search knows of a store: facts read from its layers, keyed by the content digests they were read from, so
// any two sets of facts merge by union and a fact never goes stale (a blob's bytes never change under its name).
// pf's lineages repeat themselves (a fork carries its parent's whole conversation and ledger), so every distinct
// message and call is held once, in a table, and a trace or ledger is a list of ids into it.
import type { LedgerVerdict } from '../../../../shared/snapshots/snapshotView';
import { mapRuns, type Runs } from './idRuns';

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

/** Interned rows: a row is added once, whatever how many lists name it. */
export class Table<T> {
  readonly rows: T[] = [];
  /** Row → id, built on the first add: a table read from a file and only searched never needs it. */
  private ids?: Map<string, number>;
  constructor(private readonly keyOf: (row: T) => string) {}

  /** Rows as read from a facts file (distinct when written), appended without interning them yet. */
  load(rows: T[]): void {
    for (const row of rows) {
      this.rows.push(row);
    }
    this.ids = undefined;
  }

  add(row: T): number {
    if (!this.ids) {
      this.ids = new Map();
      this.rows.forEach((r, i) => this.ids!.set(this.keyOf(r), i));
    }
    const key = this.keyOf(row);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.rows.length;
      this.rows.push(row);
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

/** Maps an id of `from` to the id of the same row in `to`, adding each row the first time it is asked for. */
function renumbering<T>(from: Table<T>, to: Table<T>): (id: number) => number {
  const ids = new Map<number, number>();
  return (id) => {
    let mapped = ids.get(id);
    if (mapped === undefined) {
      mapped = to.add(from.rows[id]);
      ids.set(id, mapped);
    }
    return mapped;
  };
}

export class SearchFacts {
  /** The lowered corpus of the first `count` messages, when a facts file brought it. */
  prepared?: { count: number; lower: string };
  readonly snapshots = new Map<string, SnapshotFacts>();
  readonly messages: Table<Message>;
  readonly calls: Table<CallFacts>;
  /** Trace digest → message ids in order, as runs; null when the trace could not be read. */
  readonly traces = new Map<string, Runs | null>();
  readonly ledgers = new Map<string, LedgerFacts>();
  readonly trees = new Map<string, TreeFacts>();
  /** File blob → its text (null: not text, too large, or unreadable). */
  readonly files = new Map<string, string | null>();
  /** Env digest → variable names; secrets in clear → their names (verify's rules, env and procs layers). */
  readonly envNames = new Map<string, string[]>();
  readonly secretNames = new Map<string, string[]>();

  /** New tables, or another's (to read a part of its facts through its ids). */
  constructor(tables?: { messages: Table<Message>; calls: Table<CallFacts> }) {
    this.messages = tables?.messages ?? new Table<Message>((m) => `${m.role}\u0000${m.text}`);
    this.calls = tables?.calls ?? new Table<CallFacts>((c) => JSON.stringify([c.tool, c.cls, c.ts, c.key]));
  }

  /** Everything `other` knows that this does not (ids renumbered into this one's tables; rows no list names left). */
  absorb(other: SearchFacts): void {
    for (const [hex, s] of other.snapshots) {
      this.snapshots.set(hex, s);
    }
    const message = renumbering(other.messages, this.messages);
    const call = renumbering(other.calls, this.calls);
    for (const [hex, ids] of other.traces) {
      if (!this.traces.get(hex)) {
        this.traces.set(hex, ids && mapRuns(ids, message));
      }
    }
    for (const [hex, l] of other.ledgers) {
      if (!this.ledgers.has(hex)) {
        this.ledgers.set(hex, { ...l, calls: mapRuns(l.calls, call) });
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
}
