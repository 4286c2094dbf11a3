// Whole snapshots in pf's shapes on disk: an fs.tree.v1 with modes, kinds and symlinks (their blobs written), and
// named images with parents whose every layer is what pf writes (pfLayerText.ts). Values are invented.
import { writeBlob, writeImage } from './storeFixtures';
import { entry, envText, ledgerText, LORA_EMPTY, PROCS_UNSUPPORTED } from './pfLayerText';

export * from './pfLayerText';

export interface FsEntrySpec {
  path: string;
  kind: 'file' | 'dir' | 'symlink';
  mode?: string;
  content?: string;
  linkTarget?: string;
}

/** fs.tree.v1 sorted by path, each entry's fields in pf's order; file and link contents written as blobs. */
export function fsTreeText(root: string, entries: FsEntrySpec[]): string {
  const out = [...entries]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((e) => {
      if (e.kind === 'dir') {
        return { path: e.path, mode: e.mode ?? '0755', size: 0, kind: 'dir' };
      }
      const text = e.kind === 'symlink' ? e.linkTarget! : (e.content ?? '');
      const node: Record<string, unknown> = {
        path: e.path,
        mode: e.mode ?? (e.kind === 'symlink' ? '0777' : '0644'),
        size: Buffer.byteLength(text),
        kind: e.kind,
        blob: `sha256:${writeBlob(root, text)}`,
      };
      if (e.kind === 'symlink') {
        node.link_target = e.linkTarget;
      }
      return node;
    });
  return JSON.stringify({ kind: 'fs.tree.v1', entries: out });
}

export interface PfImageSpec {
  name: string;
  agentKind?: string;
  version?: string;
  createdAt: string;
  parents?: string[];
  trace?: string;
  ledger?: string;
  env?: string;
  procs?: string;
  fs?: string;
  modelDiff?: string;
  pages?: Array<{ k: string; v: string }>;
}

/** The digests (hex) of an image's eight layer blobs, by the fixture's names for them. */
export type PfLayerHexes = Record<
  'base' | 'diff' | 'cachePages' | 'fs' | 'env' | 'procs' | 'ledger' | 'messages',
  string
>;

/** A whole named image in pf's shapes; layers not given get pf's defaults for a CLI snapshot. */
export function writePfImage(
  root: string,
  spec: PfImageSpec,
): { hex: string; json: string; file: string; layers: PfLayerHexes } {
  const kind = spec.agentKind ?? 'claude-code';
  const layers = {
    base: writeBlob(root, `base:${kind}`),
    diff: writeBlob(root, spec.modelDiff ?? LORA_EMPTY),
    cachePages: writeBlob(root, JSON.stringify({ pages: spec.pages ?? [] })),
    fs: writeBlob(root, spec.fs ?? JSON.stringify({ kind: 'fs.tree.v1', entries: [] })),
    env: writeBlob(root, spec.env ?? envText({ HOME: '/home/dev' })),
    procs: writeBlob(root, spec.procs ?? PROCS_UNSUPPORTED),
    ledger: writeBlob(root, spec.ledger ?? '{"kind":"effects.ledger.v1","entries":0}\n'),
    messages: writeBlob(root, spec.trace ?? ''),
  };
  const image = writeImage(root, {
    ...layers,
    createdAt: spec.createdAt,
    parents: spec.parents,
    agent: { kind, version: spec.version ?? '1.0.15', fingerprint: spec.name },
  });
  return { ...image, layers };
}

/**
 * A merge of two named snapshots as pf's library writes it: the merged image's ledger is an `effects.merged.v1`
 * record naming both parents' chained ledgers and their common ancestor's, and its procs layer a library CRIU
 * record naming its dump blob. Returns the blobs that only those records name.
 */
export function writeMergedSnapshot(
  root: string,
  secretHex: string,
): {
  parentA: string;
  parentB: string;
  merged: string;
  named: Record<'ledgerA' | 'ledgerB' | 'ancestor' | 'dump', string>;
} {
  const tools = ['read_file', 'edit_file', 'run_tests', 'git_commit'];
  const calls = tools.map((t, i) => entry(i, t, t === 'git_commit' ? 'irreversible' : 'pure'));
  const named = {
    ledgerA: writeBlob(root, ledgerText(calls.slice(0, 2), { secretHex })),
    ledgerB: writeBlob(root, ledgerText(calls.slice(2), { secretHex })),
    ancestor: writeBlob(root, '{"kind":"effects.ledger.v1","entries":0}\n'),
    dump: writeBlob(root, 'a CRIU dump archive'),
  };
  const parentA = writePfImage(root, { name: 'side-a', createdAt: '2026-11-20T09:00:00Z' }).hex;
  const parentB = writePfImage(root, { name: 'side-b', createdAt: '2026-11-20T09:30:00Z' }).hex;
  const merged = writePfImage(root, {
    name: 'merge:side-a+side-b',
    createdAt: '2026-11-20T10:00:00Z',
    parents: [parentA, parentB],
    ledger: JSON.stringify({
      kind: 'effects.merged.v1',
      parent_a: `sha256:${named.ledgerA}`,
      parent_b: `sha256:${named.ledgerB}`,
      ancestor: `sha256:${named.ancestor}`,
      replay_with_new_key: ['irreversible'],
      summary: { a_entries: 2, b_entries: 2, b_irreversible_cached: 1 },
    }),
    procs: JSON.stringify({ kind: 'procs.criu.v1', criu_dump: `sha256:${named.dump}`, pids: [77] }),
  }).hex;
  return { parentA, parentB, merged, named };
}
