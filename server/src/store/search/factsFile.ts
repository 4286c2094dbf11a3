// Search facts on disk, in sections read only when a query needs them: a first line naming the format and
// version, a second line listing the sections (name, offset, length, SHA-256), then the sections. A word query
// over 10,000 snapshots reads the snapshots, the traces' id runs and the lower-cased corpus, and never the text
// of a message, a call or a file. Each section's checksum is checked when it is read; one that does not match
// makes the whole file unreadable (a FactsFileError naming the file), never half-trusted. Lists of ids are
// little-endian 32-bit integers, read in place; digests are 32 raw bytes, so every digest read is hex by making.
import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { appendAll } from '../../../../shared/common/arrays';
import type { LedgerVerdict } from '../../../../shared/snapshots/snapshotView';
import {
  corpusOf,
  type Corpus,
  SearchFacts,
  type CallFacts,
  type LedgerFacts,
  type Message,
  type SnapshotFacts,
  type TreeFacts,
} from './searchFacts';
import { anyIn, checkRuns, type Runs } from './idRuns';

export const FACTS_FORMAT = 'pfstore-search-facts';
export const FACTS_VERSION = 4;
const SEP = '\u0000';
const VERDICTS: LedgerVerdict[] = ['ok', 'bad', 'skipped'];

export class FactsFileError extends Error {
  /** The file at fault, when known: it is removed and its facts read again from the store. */
  file?: string;
  /** The file was removed meanwhile (another process folded it into a new one): nothing was damaged. */
  gone?: boolean;
}

/** A digest as its index in the digests section (-1: none). */
type Ref = number;

/** Digest → index, each digest once. */
class Digests {
  readonly ids = new Map<string, number>();
  ref(hex: string | undefined): Ref {
    if (hex === undefined) {
      return -1;
    }
    let id = this.ids.get(hex);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(hex, id);
    }
    return id;
  }
}

/** 32-bit integers, little-endian. */
function int32Bytes(values: number[]): Buffer {
  const out = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => out.writeInt32LE(v, i * 4));
  return out;
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');
const texts = (list: string[]) =>
  Buffer.from(list.map((t) => (t.includes(SEP) ? t.replaceAll(SEP, '\ufffd') : t)).join(SEP), 'utf8');

/** Where each of `list` starts in `texts(list)`, in bytes. */
function startsOf(list: string[]): number[] {
  const starts: number[] = [];
  let at = 0;
  for (const t of list) {
    starts.push(at);
    at += Buffer.byteLength(t.includes(SEP) ? t.replaceAll(SEP, '\ufffd') : t, 'utf8') + 1;
  }
  return starts;
}

/** The facts as bytes. Unreadable layers (null) are left out: they are read again next time. */
export function encodeFacts(facts: SearchFacts): Buffer {
  const digests = new Digests();
  // Per snapshot: its digest, its five layers' (-1: none), its parents' count and digests; its texts apart.
  const snapshotInts: number[] = [];
  const snapshotTexts: string[] = [];
  // Newest first, as answers are listed: sorting 10,000 answers already in order is one pass.
  const newestFirst = [...facts.snapshots].sort(([ha, a], [hb, b]) =>
    a.created < b.created ? 1 : a.created > b.created ? -1 : ha < hb ? 1 : ha > hb ? -1 : 0,
  );
  for (const [hex, s] of newestFirst) {
    const layers = [s.trace, s.ledger, s.fs, s.env, s.procs].map((d) => digests.ref(d));
    appendAll(snapshotInts, [digests.ref(hex), ...layers, s.parents.length]);
    appendAll(
      snapshotInts,
      s.parents.map((p) => digests.ref(p)),
    );
    snapshotTexts.push(s.name, s.agentKind, s.created);
  }
  const traceInts: number[] = [];
  for (const [hex, runs] of facts.traces) {
    if (runs) {
      appendAll(traceInts, [digests.ref(hex), runs.length]);
      appendAll(traceInts, Array.from(runs));
    }
  }
  const ledgerInts: number[] = [];
  for (const [hex, l] of facts.ledgers) {
    const merged = l.merged ? [1, digests.ref(l.merged[0]), digests.ref(l.merged[1])] : [0, -1, -1];
    const runs = l.merged ? [] : Array.from(l.calls);
    appendAll(ledgerInts, [digests.ref(hex), VERDICTS.indexOf(l.verdict), ...merged, runs.length]);
    appendAll(ledgerInts, runs);
  }
  const roles = new Map<string, number>();
  const messages = facts.messages.rows;
  const messageRoles = messages.map((m) => {
    if (!roles.has(m.role)) {
      roles.set(m.role, roles.size);
    }
    return roles.get(m.role)!;
  });
  const calls = facts.calls.rows;
  const corpus = corpusOf(messages);
  const files = [...facts.files].filter((f): f is [string, string] => f[1] !== null);
  const sections: Array<[string, Buffer]> = [
    ['snapshots', int32Bytes(snapshotInts)],
    ['snapshotTexts', texts(snapshotTexts)],
    ['snapshotTextStarts', int32Bytes(startsOf(snapshotTexts))],
    ['traces', int32Bytes(traceInts)],
    ['ledgers', int32Bytes(ledgerInts)],
    ['trees', json([...facts.trees].map(([h, t]) => [h, t.paths, t.kinds, t.blobs]))],
    ['names', json({ env: [...facts.envNames], secrets: [...facts.secretNames] })],
    ['rows', json({ roles: [...roles.keys()], of: messageRoles, calls: calls.length })],
    ['lowered', corpus.bytes],
    ['starts', Buffer.from(corpus.starts.buffer, corpus.starts.byteOffset, corpus.starts.byteLength)],
    ['messages', texts(messages.map((m) => m.text))],
    ['calls', json((['tool', 'cls', 'ts', 'key'] as const).map((k) => calls.map((c) => c[k])))],
    ['files', json(files.map((f) => f[0]))],
    ['fileTexts', texts(files.map((f) => f[1]))],
  ];
  // Last, since every section above adds digests to it.
  sections.unshift(['digests', Buffer.concat([...digests.ids.keys()].map((hex) => Buffer.from(hex, 'hex')))]);
  const table: Array<[string, number, number, string]> = [];
  const parts: Buffer[] = [];
  let offset = 0;
  for (const [name, bytes] of sections) {
    const pad = (8 - (offset % 8)) % 8; // lists of ids are read in place: each section starts 8-aligned
    parts.push(Buffer.alloc(pad), bytes);
    offset += pad;
    table.push([name, offset, bytes.length, createHash('sha256').update(bytes).digest('hex')]);
    offset += bytes.length;
  }
  let head = `${FACTS_FORMAT} ${FACTS_VERSION}\n${JSON.stringify(table)}`;
  head += `${' '.repeat((8 - ((Buffer.byteLength(head) + 1) % 8)) % 8)}\n`; // the body 8-aligned in the file too
  return Buffer.concat([Buffer.from(head, 'utf8'), ...parts]);
}

/** Bytes of a facts file, read a range at a time (a query reads the sections it needs, not 14 MB of texts). */
export interface FactsSource {
  size: number;
  /** Exactly `length` bytes from `offset`, in a buffer of their own. */
  read(offset: number, length: number): Buffer;
}

/** Facts file bytes already in memory. */
export function bytesSource(bytes: Buffer): FactsSource {
  return { size: bytes.length, read: (offset, length) => Buffer.from(bytes.subarray(offset, offset + length)) };
}

/** The table of sections is in the first bytes: a file whose table runs past them is not one of ours. */
const MAX_HEAD_BYTES = 1 << 16;

/**
 * The facts a file holds, each section read when first asked for. A FactsFileError (now, or when a section is
 * read) says why it is not a whole facts file of this version.
 */
export function decodeFacts(from: Buffer | FactsSource, file?: string): SearchFacts {
  const source = Buffer.isBuffer(from) ? bytesSource(from) : from;
  const fail = (why: string) => {
    const err = new FactsFileError(why);
    err.file = file;
    return err;
  };
  if (endianness() !== 'LE') {
    throw fail('facts files are read on little-endian machines only');
  }
  const head = source.read(0, Math.min(source.size, MAX_HEAD_BYTES));
  const first = head.indexOf(10);
  const second = first < 0 ? -1 : head.indexOf(10, first + 1);
  if (second < 0 || head.toString('ascii', 0, first) !== `${FACTS_FORMAT} ${FACTS_VERSION}`) {
    throw fail('not a search facts file of this version');
  }
  let table: unknown;
  try {
    table = JSON.parse(head.toString('utf8', first + 1, second));
  } catch {
    throw fail('its table of sections is not readable');
  }
  const bodyStart = second + 1;
  const where = new Map<string, [number, number, string]>();
  for (const row of Array.isArray(table) ? (table as unknown[]) : []) {
    const [name, offset, length, sum] = Array.isArray(row) ? (row as unknown[]) : [];
    if (
      typeof name === 'string' &&
      Number.isSafeInteger(offset) &&
      Number.isSafeInteger(length) &&
      (offset as number) >= 0 &&
      (length as number) >= 0 &&
      bodyStart + (offset as number) + (length as number) <= source.size &&
      typeof sum === 'string'
    ) {
      where.set(name, [bodyStart + (offset as number), length as number, sum]);
    }
  }
  const checked = new Map<string, Buffer>();
  const section = (name: string): Buffer => {
    let got = checked.get(name);
    if (!got) {
      const at = where.get(name);
      if (!at) {
        throw fail(`it has no ${name} section`);
      }
      try {
        got = source.read(at[0], at[1]);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const failed = fail(`its ${name} section cannot be read (${code ?? 'read error'})`);
        failed.gone = code === 'ENOENT'; // folded into another file meanwhile: not damage
        throw failed;
      }
      if (createHash('sha256').update(got).digest('hex') !== at[2]) {
        throw fail(`its ${name} section does not match its checksum`);
      }
      checked.set(name, got);
    }
    return got;
  };
  // Every later failure (a section that does not read as its kind) is this file's fault, named so.
  const guarded =
    <T>(name: string, read: () => T) =>
    (): T => {
      try {
        return read();
      } catch (err) {
        throw err instanceof FactsFileError
          ? err
          : fail(`its ${name} section is not consistent: ${(err as Error).message}`);
      }
    };
  const reader: SectionReader = new SectionReader(
    section,
    guarded('snapshotTexts', () => reader.snapshotTexts()),
  );
  const traceTable = guarded('traces', () => reader.traceTable());
  const facts = new SearchFacts(undefined, {
    snapshots: guarded('snapshots', () => reader.snapshots()),
    traces: guarded('traces', () => reader.traces()),
    ledgers: guarded('ledgers', () => reader.ledgers()),
    trees: guarded('trees', () => reader.trees()),
    files: guarded('files', () => reader.files()),
    envNames: guarded('names', () => new Map(reader.names().env)),
    secretNames: guarded('names', () => new Map(reader.names().secrets)),
    corpus: guarded('lowered', () => reader.corpus()),
    // The table made (and checked) once, under the file's guard; then each snapshot asks it directly.
    traceHolds: (s, sorted) =>
      s instanceof StoredSnapshot && s.reader === reader && traceTable()
        ? (reader.traceHolds(s.traceRef, sorted) ?? null)
        : undefined,
    traceOf: (s) =>
      s instanceof StoredSnapshot && s.reader === reader && traceTable()
        ? (reader.traceRuns(s.traceRef) ?? null)
        : undefined,
    checkAll: () => [...where.keys()].forEach(section),
  });
  guarded('rows', () => {
    facts.messages.loadLazily(
      reader.messageCount(),
      guarded('messages', () => reader.messages()),
    );
    facts.calls.loadLazily(
      reader.callCount(),
      guarded('calls', () => reader.calls()),
    );
  })();
  return facts;
}

/**
 * A snapshot as a file holds it: its digests read from the file's columns when asked for, its name and time
 * when first shown (a query over 10,000 snapshots shows a few), each text of the file split once.
 */
export class StoredSnapshot implements SnapshotFacts {
  constructor(
    readonly reader: SectionReader,
    private readonly ints: Int32Array,
    private readonly at: number,
    private readonly row: number,
  ) {}
  get name(): string {
    return this.reader.text(this.row * 3);
  }
  get agentKind(): string {
    return this.reader.text(this.row * 3 + 1);
  }
  get created(): string {
    return this.reader.text(this.row * 3 + 2);
  }
  get parents(): string[] {
    const count = this.ints[this.at + 6];
    return Array.from(this.ints.subarray(this.at + 7, this.at + 7 + count), (ref) => this.reader.digest(ref)!);
  }
  get trace(): string | undefined {
    return this.reader.digest(this.ints[this.at + 1]);
  }
  /** Its trace's digest as the file numbers it (-1: none). */
  get traceRef(): number {
    return this.ints[this.at + 1];
  }
  get ledger(): string | undefined {
    return this.reader.digest(this.ints[this.at + 2]);
  }
  get fs(): string | undefined {
    return this.reader.digest(this.ints[this.at + 3]);
  }
  get env(): string | undefined {
    return this.reader.digest(this.ints[this.at + 4]);
  }
  get procs(): string | undefined {
    return this.reader.digest(this.ints[this.at + 5]);
  }
}

/** Each section made into facts, trusting nothing but its checksum: every count and id is checked. */
export class SectionReader {
  private hexes?: string;
  /** Digest ref → where its trace's runs start in the traces section (-1: no facts for it). */
  private traceAt?: Int32Array;
  /** Each digest's string, made once: ten thousand snapshots name the same few layers. */
  private strings?: string[];
  private digestCount = -1;
  private texts?: { bytes: Buffer; starts: Int32Array };
  private rowCount = 0;
  private parsed = new Map<string, unknown>();

  constructor(
    private readonly section: (name: string) => Buffer,
    /** The snapshots' texts, split, through the file's guard (a failure there names the file). */
    private readonly readTexts: () => { bytes: Buffer; starts: Int32Array },
  ) {}

  private json<T>(name: string): T {
    if (!this.parsed.has(name)) {
      this.parsed.set(name, JSON.parse(this.section(name).toString('utf8')));
    }
    return this.parsed.get(name) as T;
  }

  private readonly intViews = new Map<string, Int32Array>();

  private ints(name: string): Int32Array {
    let view = this.intViews.get(name);
    if (!view) {
      const b = this.section(name);
      if (b.length % 4 !== 0 || b.byteOffset % 4 !== 0) {
        throw new Error('its integers are not whole or not aligned');
      }
      view = new Int32Array(b.buffer, b.byteOffset, b.length / 4);
      this.intViews.set(name, view);
    }
    return view;
  }

  private count(): number {
    if (this.digestCount < 0) {
      const bytes = this.section('digests');
      if (bytes.length % 32 !== 0) {
        throw new Error('its digests are not whole');
      }
      this.digestCount = bytes.length / 32;
    }
    return this.digestCount;
  }

  /** Whether `ref` names a digest of the file (or none, -1). */
  private valid(ref: number): boolean {
    return ref === -1 || (ref >= 0 && ref < this.count());
  }

  /** The digest `ref` names, undefined for -1: only refs checked by `valid` reach here. */
  digest(ref: number): string | undefined {
    if (ref === -1) {
      return undefined;
    }
    this.strings ??= new Array<string>(this.count()); // its length set once: never a sparse array
    let hex = this.strings[ref];
    if (hex === undefined) {
      this.hexes ??= this.section('digests').toString('hex');
      hex = this.hexes.slice(ref * 64, ref * 64 + 64);
      this.strings[ref] = hex;
    }
    return hex;
  }

  private maybe(ref: number): string | undefined {
    if (!this.valid(ref)) {
      throw new Error('a digest the file does not hold');
    }
    return this.digest(ref);
  }

  private named(ref: number): string {
    if (ref === -1 || !this.valid(ref)) {
      throw new Error('a digest the file does not hold');
    }
    return this.digest(ref)!;
  }

  /** The snapshots' texts and where each starts: three per snapshot, each checked when it is read. */
  snapshotTexts(): { bytes: Buffer; starts: Int32Array } {
    const bytes = this.section('snapshotTexts');
    const starts = this.ints('snapshotTextStarts');
    if (starts.length !== this.rowCount * 3) {
      throw new Error('its texts are not three per snapshot');
    }
    return { bytes, starts };
  }

  /**
   * A snapshot's name, agent kind or time: texts in threes, a snapshot's at 3 × its row. Its bounds are checked
   * here, not all 30,000 when the first is read: a start out of place reads as an empty text, never past the
   * section.
   */
  text(i: number): string {
    const { bytes, starts } = (this.texts ??= this.readTexts());
    const start = starts[i];
    const end = i + 1 < starts.length ? starts[i + 1] - 1 : bytes.length;
    return start >= 0 && start <= end && end <= bytes.length ? bytes.toString('utf8', start, end) : '';
  }

  snapshots(): Map<string, SnapshotFacts> {
    const ints = this.ints('snapshots');
    const digests = this.count();
    this.hexes ??= this.section('digests').toString('hex');
    const hexes = this.hexes;
    const out = new Map<string, SnapshotFacts>();
    let row = 0;
    // One loop, no call per snapshot but the Map's (see traceTable).
    for (let at = 0; at < ints.length; row++) {
      const end = at + 7 + ints[at + 6];
      if (at + 7 > ints.length || end < at + 7 || end > ints.length) {
        throw new Error('a snapshot runs past its section');
      }
      for (let k = at; k < end; k++) {
        if ((ints[k] < -1 || ints[k] >= digests) && k !== at + 6) {
          throw new Error('a digest the file does not hold');
        }
      }
      const image = ints[at];
      if (image < 0) {
        throw new Error('a snapshot without a digest');
      }
      out.set(hexes.slice(image * 64, image * 64 + 64), new StoredSnapshot(this, ints, at, row));
      at = end;
    }
    this.rowCount = row;
    return out;
  }

  /** Runs of `count` ints at `at` in `ints`, checked against the rows of `limit`. */
  private runs(ints: Int32Array, at: number, count: number, limit: number): Runs {
    if (count < 0 || at + count > ints.length) {
      throw new Error('a list runs past its section');
    }
    checkRuns(ints, limit, at, at + count);
    return ints.subarray(at, at + count);
  }

  /** Digest ref → where its trace's runs start in the traces section: made once, every list checked then. */
  traceTable(): Int32Array {
    if (!this.traceAt) {
      const ints = this.ints('traces');
      const limit = this.messageCount();
      const traceAt = new Int32Array(this.count()).fill(-1);
      // One loop over the whole section, no call per trace: it runs once per process, mostly before V8 has
      // optimised anything, for 10,000 traces.
      for (let at = 0; at < ints.length;) {
        const trace = ints[at];
        const end = at + 2 + ints[at + 1];
        if (trace < 0 || trace >= traceAt.length || end < at + 2 || end > ints.length || (end - at) % 2 !== 0) {
          throw new Error('a trace runs past its section');
        }
        for (let r = at + 2; r < end; r += 2) {
          if (ints[r] < 0 || ints[r + 1] < 0 || ints[r] + ints[r + 1] > limit) {
            throw new Error('a list names rows the file does not hold');
          }
        }
        traceAt[trace] = at;
        at = end;
      }
      this.traceAt = traceAt;
    }
    return this.traceAt;
  }

  /** A snapshot's trace runs by the file's numbers (undefined: the file has no facts for it). */
  traceRuns(ref: number): Runs | undefined {
    const at = ref >= 0 ? this.traceTable()[ref] : -1;
    const ints = this.ints('traces');
    return at < 0 ? undefined : ints.subarray(at + 2, at + 2 + ints[at + 1]);
  }

  /** Each term's answers for every trace of the file, by the term's matching ids (two terms ANDed ask by turns). */
  private readonly holding = new WeakMap<Int32Array, Int8Array>();

  /**
   * Whether a trace (by the file's numbers) names any of `sorted`: undefined when the file has no facts for it.
   * Every trace of the file is asked at once, in one loop, the first time a term asks: 10,000 calls each
   * asking one trace ran mostly unoptimised and took three times as long.
   */
  traceHolds(ref: number, sorted: Int32Array): boolean | undefined {
    let answers = this.holding.get(sorted);
    if (!answers) {
      const ints = this.ints('traces');
      answers = new Int8Array(this.traceTable().length).fill(-1);
      for (let at = 0; at < ints.length;) {
        const end = at + 2 + ints[at + 1];
        answers[ints[at]] = anyIn(ints, sorted, at + 2, end) ? 1 : 0;
        at = end;
      }
      this.holding.set(sorted, answers);
    }
    const answer = ref >= 0 ? answers[ref] : -1; // -1: no trace, or no facts for it
    return answer < 0 ? undefined : answer === 1;
  }

  traces(): Map<string, Runs | null> {
    const ints = this.ints('traces');
    const limit = this.messageCount();
    const out = new Map<string, Runs | null>();
    for (let at = 0; at < ints.length;) {
      const [ref, count] = [ints[at], ints[at + 1]];
      out.set(this.named(ref), this.runs(ints, at + 2, count, limit));
      at += 2 + count;
    }
    return out;
  }

  ledgers(): Map<string, LedgerFacts> {
    const ints = this.ints('ledgers');
    const limit = this.callCount();
    const out = new Map<string, LedgerFacts>();
    for (let at = 0; at < ints.length;) {
      const [ref, verdict, merged, a, b, count] = ints.subarray(at, at + 6);
      if (VERDICTS[verdict] === undefined) {
        throw new Error('a record verdict the file does not know');
      }
      out.set(this.named(ref), {
        verdict: VERDICTS[verdict],
        calls: this.runs(ints, at + 6, count, limit),
        merged: merged === 1 ? [this.maybe(a), this.maybe(b)] : undefined,
      });
      at += 6 + count;
    }
    return out;
  }

  trees(): Map<string, TreeFacts> {
    const rows = this.json<Array<[string, string[], string[], string[]]>>('trees');
    return new Map(rows.map(([hex, paths, kinds, blobs]) => [hex, { paths, kinds, blobs }]));
  }

  names(): { env: Array<[string, string[]]>; secrets: Array<[string, string[]]> } {
    return this.json('names');
  }

  private pieces(name: string, count: number): string[] {
    const list = count === 0 ? [] : this.section(name).toString('utf8').split(SEP);
    if (list.length !== count) {
      throw new Error(`${list.length} texts for ${count} rows`);
    }
    return list;
  }

  files(): Map<string, string | null> {
    const names = this.json<string[]>('files');
    const bodies = this.pieces('fileTexts', names.length);
    return new Map(names.map((hex, i) => [hex, bodies[i]]));
  }

  private rows(): { roles: string[]; of: number[]; calls: number } {
    const rows = this.json<{ roles: string[]; of: number[]; calls: number }>('rows');
    if (!Array.isArray(rows.roles) || !Array.isArray(rows.of) || !Number.isSafeInteger(rows.calls)) {
      throw new Error('its row counts are not numbers');
    }
    return rows;
  }

  messageCount(): number {
    return this.rows().of.length;
  }

  messages(): Message[] {
    const { roles, of } = this.rows();
    return this.pieces('messages', of.length).map((text, i) => ({ role: roles[of[i]] ?? '', text }));
  }

  /** The corpus as written, each message's start checked: after a NUL, in order, inside the text. */
  corpus(): Corpus {
    const bytes = this.section('lowered');
    const starts = this.ints('starts');
    if (starts.length !== this.messageCount() || (starts.length > 0 && starts[0] !== 0)) {
      throw new Error('its corpus does not start one piece per message');
    }
    for (let i = 1; i < starts.length; i++) {
      if (starts[i] <= starts[i - 1] || starts[i] > bytes.length || bytes[starts[i] - 1] !== 0) {
        throw new Error('its corpus does not start one piece per message');
      }
    }
    return { bytes, starts };
  }

  callCount(): number {
    return this.rows().calls;
  }

  calls(): CallFacts[] {
    const [tools, classes, times, keys] = this.json<string[][]>('calls');
    return tools.map((tool, i) => ({ tool, cls: classes[i], ts: times[i], key: keys[i] }));
  }
}
