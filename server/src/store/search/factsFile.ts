// Search facts on disk: a first line naming the format and version, a second with the body's length and SHA-256,
// then the body: one JSON line with the tables' structure, then every message's text and every file's text, each
// set joined by NUL. The text is kept out of JSON so that loading an index costs one split, not a parse of every
// message; a wrong version, length or checksum makes the file unreadable, never half-trusted.
import { createHash } from 'node:crypto';
import type { LedgerVerdict } from '../../../../shared/snapshots/snapshotView';
import { loweredCorpus, SearchFacts } from './searchFacts';
import { checkRuns } from './idRuns';

export const FACTS_FORMAT = 'pfstore-search-facts';
export const FACTS_VERSION = 3;
const SEP = '\u0000';

/** A digest as its index in `digests` (-1: none): 10,000 snapshots name the same few layers thousands of times. */
type Ref = number;

interface Structure {
  /** Every digest named, 64 hex each, one after another. */
  digests: string;
  /** Characters of the lower-cased corpus that follows the JSON. */
  loweredChars: number;
  snapshots: Array<[Ref, string, string, string, Ref[], Ref, Ref, Ref, Ref, Ref]>;
  roles: string[];
  messageRoles: number[];
  calls: [string[], string[], string[], string[]];
  traces: Array<[Ref, number[]]>;
  ledgers: Array<[Ref, LedgerVerdict, number[], Ref?, Ref?]>;
  trees: Array<[string, string[], string[], string[]]>;
  files: string[];
  envNames: Array<[string, string[]]>;
  secretNames: Array<[string, string[]]>;
}

/** The facts as bytes. Unreadable layers (null) are left out: they are read again next time. */
export function encodeFacts(facts: SearchFacts): Buffer {
  const roles = new Map<string, number>();
  const roleOf = (r: string) => {
    let id = roles.get(r);
    if (id === undefined) {
      id = roles.size;
      roles.set(r, id);
    }
    return id;
  };
  const messageRoles = facts.messages.rows.map((m) => roleOf(m.role));
  const files: Array<[string, string]> = [];
  for (const [hex, text] of facts.files) {
    if (text !== null) {
      files.push([hex, text]);
    }
  }
  const digests = new Map<string, number>();
  const ref = (hex: string | undefined): Ref => {
    if (hex === undefined) {
      return -1;
    }
    let id = digests.get(hex);
    if (id === undefined) {
      id = digests.size;
      digests.set(hex, id);
    }
    return id;
  };
  const structure: Structure = {
    digests: '',
    loweredChars: 0,
    snapshots: [...facts.snapshots].map(([hex, s]) => [
      ref(hex),
      s.name,
      s.agentKind,
      s.created,
      s.parents.map(ref),
      ref(s.trace),
      ref(s.ledger),
      ref(s.fs),
      ref(s.env),
      ref(s.procs),
    ]),
    roles: [...roles.keys()],
    messageRoles,
    calls: [
      facts.calls.rows.map((c) => c.tool),
      facts.calls.rows.map((c) => c.cls),
      facts.calls.rows.map((c) => c.ts),
      facts.calls.rows.map((c) => c.key),
    ],
    traces: [...facts.traces].filter((t): t is [string, number[]] => t[1] !== null).map(([h, runs]) => [ref(h), runs]),
    ledgers: [...facts.ledgers].map(([h, l]) =>
      l.merged ? [ref(h), l.verdict, [], ref(l.merged[0]), ref(l.merged[1])] : [ref(h), l.verdict, l.calls],
    ),
    trees: [...facts.trees].map(([h, t]) => [h, t.paths, t.kinds, t.blobs]),
    files: files.map((f) => f[0]),
    envNames: [...facts.envNames],
    secretNames: [...facts.secretNames],
  };
  structure.digests = [...digests.keys()].join('');
  const lowered = loweredCorpus(facts.messages.rows);
  structure.loweredChars = lowered.length;
  const clean = (t: string) => (t.includes(SEP) ? t.replaceAll(SEP, '\ufffd') : t);
  // JSON never holds a raw NUL: the first one ends it. Then the lowered corpus (its length is in the JSON), then
  // every message's and file's own text, each one NUL-led piece.
  const body = Buffer.from(
    [
      JSON.stringify(structure),
      lowered,
      ...facts.messages.rows.map((m) => clean(m.text)),
      ...files.map((f) => clean(f[1])),
    ].join(SEP),
    'utf8',
  );
  const head = `${FACTS_FORMAT} ${FACTS_VERSION}\n${body.length} ${createHash('sha256').update(body).digest('hex')}\n`;
  return Buffer.concat([Buffer.from(head, 'ascii'), body]);
}

export class FactsFileError extends Error {}

/** The facts a file holds, or a FactsFileError saying why it is not a facts file of this version. */
export function decodeFacts(bytes: Buffer): SearchFacts {
  const first = bytes.indexOf(10);
  const second = first < 0 ? -1 : bytes.indexOf(10, first + 1);
  if (second < 0 || bytes.toString('ascii', 0, first) !== `${FACTS_FORMAT} ${FACTS_VERSION}`) {
    throw new FactsFileError('not a search facts file of this version');
  }
  const [length, sum] = bytes.toString('ascii', first + 1, second).split(' ');
  const body = bytes.subarray(second + 1);
  if (String(body.length) !== length || createHash('sha256').update(body).digest('hex') !== sum) {
    throw new FactsFileError('its checksum does not match its bytes');
  }
  try {
    return fromBody(body.toString('utf8'));
  } catch (err) {
    throw new FactsFileError(`its contents are not consistent: ${(err as Error).message}`);
  }
}

function fromBody(text: string): SearchFacts {
  const jsonEnd = text.indexOf(SEP);
  if (jsonEnd < 0) {
    throw new Error('it has no text sections');
  }
  const s = JSON.parse(text.slice(0, jsonEnd)) as Structure;
  const facts = new SearchFacts();
  // The digests checked whole, once: each one sliced from it below is then 64 lower-case hex.
  if (
    !Number.isSafeInteger(s.loweredChars) ||
    typeof s.digests !== 'string' ||
    s.digests.length % 64 !== 0 ||
    !/^[0-9a-f]*$/.test(s.digests)
  ) {
    throw new Error('its sections are not where its table says');
  }
  const loweredEnd = jsonEnd + 1 + s.loweredChars;
  const count = s.messageRoles.length + s.files.length;
  const pieces = count === 0 ? [] : text.slice(loweredEnd + 1).split(SEP);
  if (pieces.length !== count || (count > 0 && text[loweredEnd] !== SEP)) {
    throw new Error('the count of texts disagrees with the tables');
  }
  const texts = pieces.slice(0, s.messageRoles.length);
  // The corpus is used as written only if it holds as many messages as the table (checked once, here).
  const lower = text.slice(jsonEnd + 1, loweredEnd);
  let separators = 0;
  for (let at = lower.indexOf(SEP); at !== -1; at = lower.indexOf(SEP, at + 1)) {
    separators++;
  }
  if (texts.length > 0 && separators === texts.length - 1) {
    facts.prepared = { count: texts.length, lower };
  }
  facts.messages.load(texts.map((text, i) => ({ role: s.roles[s.messageRoles[i]] ?? '', text })));
  const [tools, classes, times, keys] = s.calls;
  facts.calls.load(tools.map((tool, i) => ({ tool, cls: classes[i], ts: times[i], key: keys[i] })));
  const digest = (ref: Ref | undefined): string | undefined => {
    if (ref === undefined || ref === -1) {
      return undefined;
    }
    const hex = Number.isSafeInteger(ref) && ref >= 0 ? s.digests.slice(ref * 64, ref * 64 + 64) : '';
    if (hex.length !== 64) {
      throw new Error('a digest the file does not hold');
    }
    return hex;
  };
  const named = (ref: Ref) => digest(ref) ?? '';
  for (const [hex, name, agentKind, created, parents, trace, ledger, fs, env, procs] of s.snapshots) {
    facts.snapshots.set(named(hex), {
      name,
      agentKind,
      created,
      parents: parents.map(named),
      trace: digest(trace),
      ledger: digest(ledger),
      fs: digest(fs),
      env: digest(env),
      procs: digest(procs),
    });
  }
  for (const [hex, runs] of s.traces) {
    facts.traces.set(named(hex), checkRuns(runs, texts.length));
  }
  for (const [hex, verdict, runs, a, b] of s.ledgers) {
    facts.ledgers.set(named(hex), {
      verdict,
      calls: checkRuns(runs, tools.length),
      merged: a !== undefined ? [digest(a), digest(b)] : undefined,
    });
  }
  for (const [hex, paths, kinds, blobs] of s.trees) {
    facts.trees.set(hex, { paths, kinds, blobs });
  }
  const fileTexts = pieces.slice(texts.length);
  s.files.forEach((hex, i) => facts.files.set(hex, fileTexts[i]));
  for (const [hex, names] of s.envNames) {
    facts.envNames.set(hex, names);
  }
  for (const [key, names] of s.secretNames) {
    facts.secretNames.set(key, names);
  }
  return facts;
}
