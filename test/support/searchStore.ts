// Stores for search tests: snapshots as pf makes them, in two families that fork and merge. A fork copies its
// parent's conversation, ledger, tree and environment and appends to them; a merge keeps side A's conversation
// with pf's `[merged from sibling]` system message appended and writes `effects.merged.v1` naming both parents'
// ledgers; every seventh fork's record is edited after signing; some environments hold a token in clear. The
// builder keeps what each snapshot holds, and `bruteForce` answers any parsed query from that knowledge alone.
import { type Query, type Term } from '../../shared/search/query';
import { random } from './lineageStore';
import { entry, envText, fsTreeText, ledgerText, traceText, writePfImage, type LedgerEntry } from './pfLayers';
import { tempStore, writeBlob } from './storeFixtures';

const SECRET = '5c'.repeat(32);
const CLASSES: LedgerEntry['side_effect_class'][] = ['pure', 'idempotent', 'irreversible', 'network-only'];
export const TOOLS = ['read_file', 'edit_file', 'run_tests', 'git_commit', 'git_push', 'http_get', 'deploy'];
export const WORDS = [
  'deploy',
  'prod',
  'staging',
  'refactor',
  'tests',
  'failing',
  'infra/main.tf',
  'Deployed to PROD',
  'rollback',
  'Überprüfung',
  'migration',
  'token',
  'pushed to main',
];
export const PATHS = ['src/app.ts', 'src/db.ts', 'infra/main.tf', 'infra/vars.tf', 'README.md', 'docs/notes.md'];
const KINDS = ['claude-code', 'langgraph', 'openai-agents'];

export interface Snapshot {
  hex: string;
  name: string;
  agentKind: string;
  created: string;
  parents: string[];
  messages: Array<{ role: string; content: string }>;
  /** The record's calls: a plain ledger's entries, or a merge's parents' entries. */
  calls: LedgerEntry[];
  intact: boolean;
  files: Map<string, string>;
  links: Map<string, string>;
  env: Record<string, string>;
  /** Variables holding a secret in clear (by verify's rules). */
  secrets: string[];
}

export function generateSearchStore(seed: number, count: number): { root: string; snaps: Snapshot[] } {
  const next = random(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)];
  const root = tempStore('pf-search-');
  const snaps: Snapshot[] = [];
  const ledgerOf = new Map<string, string>(); // snapshot → its ledger blob (plain ones)
  let call = 0;
  let forks = 0;
  const sentence = () =>
    Array.from({ length: 1 + Math.floor(next() * 4) }, () => pick(WORDS)).join(next() < 0.5 ? ' ' : ', ');
  const newMessages = (n: number) =>
    Array.from({ length: n }, () => ({ role: pick(['user', 'assistant', 'tool', 'system']), content: sentence() }));
  const newCalls = (n: number) =>
    Array.from({ length: n }, () => {
      const i = call++;
      return { ...entry(i, pick(TOOLS), pick(CLASSES)), idempotency_key: `q${seed}-${i}` };
    });
  const time = (i: number) => new Date(Date.UTC(2026, 10, 20, 9, 0, 0) + i * 3_600_000).toISOString();
  const write = (s: Omit<Snapshot, 'hex' | 'secrets'>, ledger: string, i: number) => {
    const fsEntries = [
      ...[...s.files].map(([path, content]) => ({ path, kind: 'file' as const, content })),
      ...[...s.links].map(([path, linkTarget]) => ({ path, kind: 'symlink' as const, linkTarget })),
      ...[...new Set([...s.files.keys()].filter((p) => p.includes('/')).map((p) => p.slice(0, p.indexOf('/'))))].map(
        (path) => ({ path, kind: 'dir' as const }),
      ),
    ];
    const hex = writePfImage(root, {
      name: s.name,
      agentKind: s.agentKind,
      createdAt: time(i),
      parents: s.parents,
      trace: traceText(s.messages),
      ledger,
      env: envText(s.env),
      fs: fsTreeText(root, fsEntries),
    }).hex;
    const secrets = Object.keys(s.env).filter((k) => k === 'GITHUB_TOKEN' || k === 'DB_PASSWORD');
    const snap = { ...s, hex, secrets };
    snaps.push(snap);
    return snap;
  };
  for (let i = 0; i < count; i++) {
    const plainOnes = snaps.filter((s) => ledgerOf.has(s.hex));
    if (i < 2) {
      const calls = newCalls(1 + Math.floor(next() * 3));
      const text = ledgerText(calls, { secretHex: SECRET });
      const s = write(
        {
          name: `run-${i}`,
          agentKind: KINDS[i],
          created: time(i),
          parents: [],
          messages: newMessages(2 + Math.floor(next() * 3)),
          calls,
          intact: true,
          files: new Map([[pick(PATHS), `line one\n${sentence()}\nline three`]]),
          links: new Map(),
          env: { HOME: '/home/dev', OPENAI_API_KEY: '<redacted>' },
        },
        text,
        i,
      );
      ledgerOf.set(s.hex, writeBlob(root, text, { fast: true }));
      continue;
    }
    if (next() < 0.15 && plainOnes.length >= 2) {
      const a = pick(plainOnes);
      const b = pick(plainOnes.filter((s) => s !== a));
      const merged = JSON.stringify({
        kind: 'effects.merged.v1',
        parent_a: `sha256:${ledgerOf.get(a.hex)}`,
        parent_b: `sha256:${ledgerOf.get(b.hex)}`,
        ancestor: `sha256:${ledgerOf.get(a.hex)}`,
        replay_with_new_key: ['irreversible'],
        summary: { a_entries: a.calls.length, b_entries: b.calls.length, b_irreversible_cached: 0 },
      });
      write(
        {
          name: `merge:${a.name.slice(0, 8)}+${b.name.slice(0, 8)}`,
          agentKind: a.agentKind,
          created: time(i),
          parents: [a.hex, b.hex],
          messages: [...a.messages, { role: 'system', content: `[merged from sibling] ${b.name} joined` }],
          calls: [...a.calls, ...b.calls],
          intact: a.intact && b.intact,
          files: new Map(a.files),
          links: new Map(a.links),
          env: { ...a.env },
        },
        merged,
        i,
      );
      continue;
    }
    const parent = pick(plainOnes);
    const calls = [...parent.calls, ...newCalls(Math.floor(next() * 3))];
    const tampered = ++forks % 7 === 0;
    const text = ledgerText(calls, {
      secretHex: SECRET,
      tamper: tampered
        ? { at: Math.floor(next() * calls.length), change: (e) => (e.result_hash = 'sha256:' + '0'.repeat(64)) }
        : undefined,
    });
    const files = new Map(parent.files);
    if (next() < 0.5) {
      files.set(pick(PATHS), `${sentence()}\n${sentence()}`);
    }
    const links = new Map(parent.links);
    if (next() < 0.1) {
      links.set('latest.tf', pick(PATHS)); // a link's target text is never searched as file contents
    }
    const env = { ...parent.env };
    const r = next();
    if (r < 0.08) {
      env.GITHUB_TOKEN = `ghp_${'A1b2C3d4E5'.repeat(4)}`;
    } else if (r < 0.12) {
      env.DB_PASSWORD = 'hunter2-but-longer';
    } else if (r < 0.2) {
      env[`FEATURE_${Math.floor(next() * 5)}`] = 'on';
    }
    const s = write(
      {
        name: `${parent.name}-${i}`,
        agentKind: next() < 0.9 ? parent.agentKind : pick(KINDS),
        created: time(i),
        parents: [parent.hex],
        messages: [...parent.messages, ...newMessages(Math.floor(next() * 4))],
        calls,
        intact: !tampered,
        files,
        links,
        env,
      },
      text,
      i,
    );
    ledgerOf.set(s.hex, writeBlob(root, text, { fast: true }));
  }
  return { root, snaps };
}

/** `*` and `?` by a plain recursive walk (not the regex the code under test builds). */
export function wildcard(glob: string, value: string): boolean {
  const walk = (g: number, v: number): boolean => {
    if (g === glob.length) {
      return v === value.length;
    }
    if (glob[g] === '*') {
      return walk(g + 1, v) || (v < value.length && walk(g, v + 1));
    }
    return v < value.length && (glob[g] === '?' || glob[g] === value[v]) && walk(g + 1, v + 1);
  };
  return walk(0, 0);
}

const ci = (glob: string, value: string) => wildcard(glob.toLowerCase(), value.toLowerCase());

/** The snapshots a query matches, by looking at every snapshot's own knowledge. */
export function bruteForce(snaps: Snapshot[], query: Query): Set<string> {
  const out = new Set<string>();
  for (const s of snaps) {
    if (holds(snaps, s, query)) {
      out.add(s.hex);
    }
  }
  return out;
}

function holds(snaps: Snapshot[], s: Snapshot, q: Query): boolean {
  switch (q.kind) {
    case 'and':
      return q.items.every((i) => holds(snaps, s, i));
    case 'or':
      return q.items.some((i) => holds(snaps, s, i));
    case 'not':
      return !holds(snaps, s, q.item);
    case 'term':
      return termHolds(snaps, s, q.term);
  }
}

function termHolds(snaps: Snapshot[], s: Snapshot, t: Term): boolean {
  if (t.kind === 'text') {
    return s.messages.some((m) => m.content.toLowerCase().includes(t.text.toLowerCase()));
  }
  if (t.kind === 'regex') {
    return s.messages.some((m) => new RegExp(t.source, t.flags).test(m.content));
  }
  const v = t.value;
  switch (t.field) {
    case 'tool':
      return s.calls.some((c) => ci(v, c.tool_id));
    case 'class':
      return s.calls.some((c) => ci(v, c.side_effect_class));
    case 'agent':
      return ci(v, s.agentKind);
    case 'name':
      return ci(v, s.name);
    case 'file': {
      const paths = [...s.files.keys(), ...s.links.keys(), ...dirsOf(s)];
      return paths.some((p) => wildcard(v, p) || (!v.includes('/') && wildcard(v, p.split('/').pop()!)));
    }
    case 'content':
      return [...s.files.values()].some((text) => text.toLowerCase().includes(v.toLowerCase()));
    case 'env':
      return Object.keys(s.env).some((k) => ci(v, k));
    case 'secret':
      return s.secrets.some((k) => ci(v, k));
    case 'chain':
      return v === 'ok' ? s.intact : !s.intact;
    case 'after':
      return Date.parse(s.created) > Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v);
    case 'before':
      return Date.parse(s.created) < Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v);
    case 'lineage': {
      const members = new Set(snaps.filter((x) => ci(v, x.name)).map((x) => x.hex));
      let grew = true;
      while (grew) {
        grew = false;
        for (const x of snaps) {
          if (!members.has(x.hex) && x.parents.some((p) => members.has(p))) {
            members.add(x.hex);
            grew = true;
          }
        }
      }
      return members.has(s.hex);
    }
  }
}

function dirsOf(s: Snapshot): string[] {
  return [...new Set([...s.files.keys()].filter((p) => p.includes('/')).map((p) => p.slice(0, p.indexOf('/'))))];
}
