// What changed in the agent's state between two snapshots, beyond the layers' digests: the conversation (messages
// after the common prefix, and changed ones), the tool calls B added, and a change of name, agent or version.
// Traces are compared message by message over a window of each (the counts cover them whole).
import type { SnapshotDiff, TraceMessage } from '../../../../../shared/snapshots/snapshotView';
import type { FsBlobStore } from '../../blobs/fsBlobStore';
import type { ImageManifest } from '../../images/manifest';
import { isUnreadable, readLedger, readTrace } from '../readLayers';

/** Messages compared one by one at most, per snapshot. */
const WINDOW = 2000;
const SHOWN = 20;

export async function compareSnapshots(
  store: FsBlobStore,
  a: ImageManifest,
  b: ImageManifest,
  opts: { operatorSecretHex?: string; signal?: AbortSignal } = {},
): Promise<SnapshotDiff> {
  const agent: SnapshotDiff['agent'] = [];
  for (const [field, key] of [
    ['name', 'fingerprint'],
    ['kind', 'kind'],
    ['version', 'version'],
  ] as const) {
    const from = a.agent[key] ?? null;
    const to = b.agent[key] ?? null;
    if (from !== to) {
      agent.push({ field, from, to });
    }
  }
  return {
    agent,
    conversation: await conversationDiff(store, a.trace.messages, b.trace.messages, opts.signal),
    toolCalls: await toolCallsDiff(store, a.effects.ledger, b.effects.ledger, opts),
  };
}

async function conversationDiff(
  store: FsBlobStore,
  a: string | undefined,
  b: string | undefined,
  signal?: AbortSignal,
): Promise<SnapshotDiff['conversation']> {
  const read = async (hex: string | undefined) => {
    if (!hex) {
      return { messages: 0, page: [] as TraceMessage[] };
    }
    const r = await readTrace(store, hex, { take: WINDOW, maxContentChars: 100_000 }, signal);
    return isUnreadable(r) ? undefined : r;
  };
  const [from, to] = await Promise.all([read(a), read(b)]);
  if (!from || !to) {
    return null;
  }
  const partial = from.messages > WINDOW || to.messages > WINDOW;
  if (a === b) {
    // One trace: nothing added, however long (its window alone would suggest messages past it were new).
    return {
      from: from.messages,
      to: to.messages,
      commonPrefix: from.messages,
      added: 0,
      changed: 0,
      firstAdded: [],
      partial,
    };
  }
  const same = (x: TraceMessage, y: TraceMessage) =>
    x.role === y.role && x.content === y.content && x.contentChars === y.contentChars;
  let prefix = 0;
  while (prefix < from.page.length && prefix < to.page.length && same(from.page[prefix], to.page[prefix])) {
    prefix++;
  }
  let changed = 0;
  for (let i = prefix; i < Math.min(from.page.length, to.page.length); i++) {
    if (!same(from.page[i], to.page[i])) {
      changed++;
    }
  }
  // A prefix that fills the whole window may go on past it: then only the difference in length is known to be new.
  const prefixRunsOn = partial && prefix === Math.min(from.page.length, to.page.length);
  return {
    from: from.messages,
    to: to.messages,
    commonPrefix: prefix,
    added: prefixRunsOn ? Math.max(0, to.messages - from.messages) : Math.max(0, to.messages - prefix),
    changed,
    firstAdded: to.page
      .slice(prefix, prefix + SHOWN)
      .map((m) => ({ index: m.index, role: m.role, content: m.content.slice(0, 200) })),
    partial,
  };
}

async function toolCallsDiff(
  store: FsBlobStore,
  a: string | undefined,
  b: string | undefined,
  opts: { operatorSecretHex?: string; signal?: AbortSignal },
): Promise<SnapshotDiff['toolCalls']> {
  if (!b) {
    return null;
  }
  const before = a ? await readLedger(store, a, { operatorSecretHex: opts.operatorSecretHex }, opts.signal) : undefined;
  const from = before && !isUnreadable(before) ? before.entryLines : 0;
  const after = await readLedger(
    store,
    b,
    { operatorSecretHex: opts.operatorSecretHex, skipEntries: from, keepEntries: SHOWN },
    opts.signal,
  );
  if (isUnreadable(after)) {
    return null;
  }
  return {
    from,
    to: after.entryLines,
    firstAdded: after.entries.map((e) => ({
      index: e.index,
      ts: e.ts,
      tool: e.tool,
      sideEffectClass: e.sideEffectClass,
    })),
  };
}
