// Reads what search needs from snapshots not yet known: each layer blob through its own scan on a worker (the
// trace's messages, the ledger's calls and chain verdict, the tree's paths, the env's names and secrets in clear
// by verify's rules), each distinct blob once, a few at a time. A blob that cannot be read is known as such and
// costs only itself: its snapshot still answers every other question.
import { setMaxListeners } from 'node:events';
import { forEachInFlight } from '../../../../shared/common/inFlight';
import type { EnvSummary, FsEntries, ProcsSummary } from '../../../../shared/snapshots/snapshotView';
import type { FsBlobStore } from '../blobs/fsBlobStore';
import type { CatalogEntry } from '../images/imageCatalog';
import { isUnreadable, readJsonLayer, readLedger, readTrace } from '../layers/readLayers';
import { MAX_SCAN_LINES } from '../layers/scanLimits';
import { SearchFacts } from './searchFacts';
import { toRuns } from './idRuns';

/** Layer reads in flight: enough for every worker, few enough to bound what is held at once. */
const READS_IN_FLIGHT = 8;
/** A message's text indexed up to this many characters (the rest of a longer one is not searched). */
export const MAX_MESSAGE_CHARS = 1 << 20;
/** Files searched by content up to this size; larger ones are matched by path only. */
export const MAX_FILE_BYTES = 1 << 20;
const MAX_LEDGER_ENTRIES = 16_777_216;

export interface ExtractProgress {
  done: number;
  total: number;
}

export async function extractFacts(
  store: FsBlobStore,
  entries: CatalogEntry[],
  known: SearchFacts,
  opts: { signal?: AbortSignal; progress?: (p: ExtractProgress) => void } = {},
): Promise<SearchFacts> {
  if (opts.signal) {
    // Every read in flight listens for the one cancellation: dozens at once are expected, not a leak.
    setMaxListeners(256, opts.signal);
  }
  const facts = new SearchFacts();
  const fresh = (map: 'traces' | 'ledgers' | 'trees' | 'envNames' | 'secretNames' | 'files', key: string) =>
    !known[map].has(key) && !facts[map].has(key);
  let done = 0;
  await forEachInFlight(
    entries.filter((e) => e.manifest),
    READS_IN_FLIGHT,
    async (entry) => {
      const m = entry.manifest!;
      facts.snapshots.set(entry.hex, {
        name: m.agent.fingerprint ?? '',
        agentKind: m.agent.kind ?? '',
        created: m.createdAt ?? '',
        parents: [...new Set(m.parents)],
        trace: m.trace.messages,
        ledger: m.effects.ledger,
        fs: m.world.fs,
        env: m.world.env,
        procs: m.world.procs,
      });
      const reads: Array<Promise<void>> = [];
      if (m.trace.messages && fresh('traces', m.trace.messages)) {
        reads.push(readMessages(store, facts, m.trace.messages, opts.signal));
      }
      if (m.effects.ledger && fresh('ledgers', m.effects.ledger)) {
        reads.push(readCalls(store, facts, known, m.effects.ledger, 0, opts.signal));
      }
      if (m.world.fs && fresh('trees', m.world.fs)) {
        reads.push(readTree(store, facts, known, m.world.fs, opts.signal));
      }
      if (m.world.env && fresh('envNames', m.world.env)) {
        reads.push(readEnv(store, facts, m.world.env, opts.signal));
      }
      if (m.world.procs && fresh('secretNames', `procs:${m.world.procs}`)) {
        reads.push(readProcs(store, facts, m.world.procs, opts.signal));
      }
      await Promise.all(reads);
      opts.progress?.({ done: ++done, total: entries.length });
    },
    opts.signal,
  );
  return facts;
}

async function readMessages(store: FsBlobStore, facts: SearchFacts, hex: string, signal?: AbortSignal) {
  facts.traces.set(hex, null); // claimed: a second snapshot naming it waits for nothing
  const report = await readTrace(store, hex, { take: MAX_SCAN_LINES, maxContentChars: MAX_MESSAGE_CHARS }, signal);
  if (isUnreadable(report)) {
    return;
  }
  // A line that is not a message keeps its place (positions stay those of the trace), with no text to match.
  facts.traces.set(
    hex,
    toRuns(report.page.map((msg) => facts.messages.add({ role: msg.problem ? '' : msg.role, text: msg.content }))),
  );
}

async function readCalls(
  store: FsBlobStore,
  facts: SearchFacts,
  known: SearchFacts,
  hex: string,
  depth: number,
  signal?: AbortSignal,
): Promise<void> {
  facts.ledgers.set(hex, { calls: [], verdict: 'skipped' });
  const report = await readLedger(store, hex, { keepEntries: MAX_LEDGER_ENTRIES, keepKeys: true }, signal);
  if (isUnreadable(report)) {
    return;
  }
  if (report.kind === 'effects.merged.v1' && report.merged) {
    const parents: [string | undefined, string | undefined] = [report.merged.parentA, report.merged.parentB];
    facts.ledgers.set(hex, { calls: [], verdict: report.verdict, merged: parents });
    // A merge names merges at most this deep before the rest is not followed (a hostile chain).
    if (depth < 64) {
      await Promise.all(
        parents
          .filter((p): p is string => !!p && !known.ledgers.has(p) && !facts.ledgers.has(p))
          .map((p) => readCalls(store, facts, known, p, depth + 1, signal)),
      );
    }
    return;
  }
  facts.ledgers.set(hex, {
    verdict: report.verdict,
    calls: toRuns(
      report.entries.map((e) =>
        facts.calls.add({ tool: e.tool ?? '', cls: e.sideEffectClass ?? '', ts: e.ts ?? '', key: e.key ?? '' }),
      ),
    ),
  });
}

async function readTree(store: FsBlobStore, facts: SearchFacts, known: SearchFacts, hex: string, signal?: AbortSignal) {
  facts.trees.set(hex, { paths: [], kinds: [], blobs: [] });
  const tree = await readJsonLayer<FsEntries>(store, hex, 'fs-entries', signal);
  if (isUnreadable(tree) || !('entries' in tree)) {
    return;
  }
  facts.trees.set(hex, {
    paths: tree.entries.map((e) => e[0]),
    kinds: tree.entries.map((e) => e[1]),
    blobs: tree.entries.map((e) => e[2]),
  });
  const files = tree.entries.filter((e) => e[1] === 'file' && e[2] !== '').map((e) => e[2]);
  await forEachInFlight(
    [...new Set(files)].filter((f) => !known.files.has(f) && !facts.files.has(f)),
    READS_IN_FLIGHT,
    async (file) => {
      facts.files.set(file, null);
      facts.files.set(file, await fileText(store, file, signal));
    },
    signal,
  );
}

/** A file's text when it is one: at most MAX_FILE_BYTES, no NUL byte, valid UTF-8. */
async function fileText(store: FsBlobStore, hex: string, signal?: AbortSignal): Promise<string | null> {
  try {
    const bytes = await store.get(hex, { maxBytes: MAX_FILE_BYTES, signal });
    if (bytes.includes(0)) {
      return null;
    }
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    if (signal?.aborted) {
      throw err;
    }
    return null; // too large, damaged or missing: searched by path only
  }
}

async function readEnv(store: FsBlobStore, facts: SearchFacts, hex: string, signal?: AbortSignal) {
  facts.envNames.set(hex, []);
  const env = await readJsonLayer<EnvSummary>(store, hex, 'env', signal);
  if (isUnreadable(env) || !('vars' in env)) {
    return;
  }
  facts.envNames.set(
    hex,
    env.vars.map((v) => v.name),
  );
  facts.secretNames.set(
    `env:${hex}`,
    env.secrets.map((s) => s.name),
  );
}

async function readProcs(store: FsBlobStore, facts: SearchFacts, hex: string, signal?: AbortSignal) {
  facts.secretNames.set(`procs:${hex}`, []);
  const procs = await readJsonLayer<ProcsSummary>(store, hex, 'procs', signal);
  if (!isUnreadable(procs) && 'secrets' in procs) {
    facts.secretNames.set(
      `procs:${hex}`,
      procs.secrets.map((s) => s.name),
    );
  }
}
