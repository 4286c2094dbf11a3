// A whole snapshot in the user's terms, for `pfstore show` and the server's processfork/snapshot: who (name,
// agent, lineage), what it said (the first page of the conversation), what it did (the tool calls and their
// chain), what it ran with (environment, processes, and the secrets in clear there), model, cache and files.
// Each layer is read on a worker; one that cannot be read says so and the others are still shown.
import { formatDigest } from '../../../../../shared/blobs/digest';
import type { ImageRef, SecretInLayer, SnapshotView } from '../../../../../shared/snapshots/snapshotView';
import type { FsBlobStore } from '../../blobs/fsBlobStore';
import type { CatalogEntry } from '../../images/imageCatalog';
import { isUnreadable, readJsonLayer, readLedger, readTrace, readTracePreview } from '../readLayers';

export interface DescribeOptions {
  operatorSecretHex?: string;
  /** Conversation messages and tool calls to list (the rest is counted). */
  firstMessages?: number;
  firstToolCalls?: number;
  maxContentChars?: number;
  /** Stop keeping messages once this many characters are kept (the next page starts where this one ends). */
  maxPageChars?: number;
  /** A long conversation's first page from its first bytes, unchecked (the full answer follows). */
  preview?: boolean;
  signal?: AbortSignal;
}

export async function describeSnapshot(
  store: FsBlobStore,
  catalog: CatalogEntry[],
  hex: string,
  opts: DescribeOptions = {},
): Promise<SnapshotView> {
  const entry = catalog.find((e) => e.hex === hex && e.manifest);
  if (!entry?.manifest) {
    throw new Error(`image sha256:${hex} is not in the catalog`);
  }
  const m = entry.manifest;
  const byHex = new Map(catalog.filter((e) => e.manifest).map((e) => [e.hex, e]));
  const ref = (h: string): ImageRef => ({
    image: formatDigest(h),
    name: byHex.get(h)?.manifest?.agent.fingerprint || null,
    known: byHex.has(h),
  });
  const children = catalog.filter((e) => e.manifest?.parents.includes(hex)).map((e) => ref(e.hex));
  const signal = opts.signal;
  const json = <T>(h: string | undefined, layer: Parameters<typeof readJsonLayer>[2]) =>
    h ? readJsonLayer<T>(store, h, layer, signal) : Promise.resolve(null);
  const [conversation, toolCalls, environment, processes, modelBase, modelDiff, cache, files] = await Promise.all([
    m.trace.messages
      ? (opts.preview ? readTracePreview : readTrace)(
          store,
          m.trace.messages,
          { take: opts.firstMessages ?? 20, maxContentChars: opts.maxContentChars, maxPageChars: opts.maxPageChars },
          signal,
        )
      : null,
    m.effects.ledger
      ? readLedger(
          store,
          m.effects.ledger,
          { operatorSecretHex: opts.operatorSecretHex, keepEntries: opts.firstToolCalls ?? 50 },
          signal,
        )
      : null,
    json<SnapshotView['environment']>(m.world.env, 'env'),
    json<SnapshotView['processes']>(m.world.procs, 'procs'),
    json<SnapshotView['modelBase']>(m.model.base, 'model-base'),
    json<SnapshotView['modelDiff']>(m.model.diff, 'model-diff'),
    json<SnapshotView['cache']>(m.cache.manifest, 'cache'),
    json<SnapshotView['files']>(m.world.fs, 'fs'),
  ]);
  const secrets: SecretInLayer[] = [];
  for (const [layer, summary] of [
    ['world.env', environment],
    ['world.procs', processes],
  ] as const) {
    if (summary && !isUnreadable(summary) && 'secrets' in summary) {
      for (const s of summary.secrets) {
        secrets.push({ layer, variable: s.name, why: s.why });
      }
    }
  }
  const d = (h: string | undefined) => (h ? formatDigest(h) : null);
  return {
    image: formatDigest(hex),
    name: m.agent.fingerprint || null,
    agent: { kind: m.agent.kind ?? null, version: m.agent.version ?? null },
    createdAt: m.createdAt ?? null,
    parents: m.parents.map(ref),
    children,
    layers: {
      'trace.messages': d(m.trace.messages),
      'effects.ledger': d(m.effects.ledger),
      'world.env': d(m.world.env),
      'world.procs': d(m.world.procs),
      'world.fs': d(m.world.fs),
      'model.base': d(m.model.base),
      'model.diff': d(m.model.diff),
      'cache.manifest': d(m.cache.manifest),
    },
    conversation,
    toolCalls,
    environment,
    processes,
    modelBase,
    modelDiff,
    cache,
    files,
    cacheLayout: m.cache.layout ?? null,
    secrets,
  };
}
