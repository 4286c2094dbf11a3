// What Compare says, in words: its title (the two snapshots by name, how they are related, how many changes of
// each kind) and its rows. The title counts exactly the rows it lists: agent fields, layers, files.
import type { DiffImagesResult } from '../protocol';
import { formatBytes, plural } from '../common/format';
import { LAYER_TITLES } from './layerTitles';
import { shortHex } from '../blobs/digest';

export type CompareRow =
  | { kind: 'agent'; label: string; description: string }
  | { kind: 'conversation' | 'toolCalls' | 'layer'; layer: string; label: string; description: string; detail?: string }
  | { kind: 'file'; change: 'changed' | 'added' | 'removed'; index: number; label: string; description: string };

const AGENT_FIELDS = { name: 'Name', kind: 'Agent', version: 'pf version' } as const;
const size = (n: number | null) => (n === null ? '' : formatBytes(n));
const short = (digest: string | null) => (digest ? shortHex(digest) : 'none');

export function compareRows(diff: DiffImagesResult): CompareRow[] {
  const snap = diff.snapshot;
  const rows: CompareRow[] = (snap?.agent ?? []).map((c) => ({
    kind: 'agent',
    label: AGENT_FIELDS[c.field],
    description: `${c.from ?? 'none'} → ${c.to ?? 'none'}`,
  }));
  for (const l of diff.layers) {
    const title = LAYER_TITLES[l.layer] ?? l.layer;
    const conv = snap?.conversation;
    const calls = snap?.toolCalls;
    if (l.layer === 'trace.messages' && conv) {
      const parts = [
        `${plural(conv.added, 'message')} after the first ${conv.commonPrefix.toLocaleString('en-US')} in common`,
        ...(conv.changed ? [`${conv.changed.toLocaleString('en-US')} changed`] : []),
        ...(conv.to < conv.from ? [`${plural(conv.from - conv.to, 'message')} fewer`] : []),
      ];
      rows.push({
        kind: 'conversation',
        layer: l.layer,
        label: title,
        description: `${conv.from.toLocaleString('en-US')} → ${conv.to.toLocaleString('en-US')} messages: ${parts.join(', ')}`,
        detail: conv.firstAdded
          .slice(0, 3)
          .map((m) => `${m.role}: ${m.content.split('\n')[0]}`)
          .join('  ·  '),
      });
    } else if (l.layer === 'effects.ledger' && calls) {
      const added = calls.to - calls.from;
      rows.push({
        kind: 'toolCalls',
        layer: l.layer,
        label: title,
        description: `${calls.from} → ${calls.to}${added > 0 ? `: ${plural(added, 'call')} added` : added < 0 ? `: ${plural(-added, 'call')} fewer` : ': the same count, the record rewritten'}`,
        detail: calls.firstAdded
          .slice(0, 5)
          .map((e) => `${e.tool ?? '?'}${e.sideEffectClass === 'irreversible' ? ' (irreversible)' : ''}`)
          .join(', '),
      });
    } else {
      rows.push({
        kind: 'layer',
        layer: l.layer,
        label: title,
        description: `${l.layer}  ${short(l.from)} → ${short(l.to)}`,
        // The cache's pages say more than its list's digest (a trailing separator would not be drawn at all).
        ...(l.layer === 'cache.manifest'
          ? {
              detail: `Pages: ${diff.pages.shared} shared, ${diff.pages.added} added, ${diff.pages.removed} dropped`,
            }
          : {}),
      });
    }
  }
  diff.files.changed.forEach((c, index) =>
    rows.push({
      kind: 'file',
      change: 'changed',
      index,
      label: c.path,
      description: `${size(c.fromSize)} → ${size(c.toSize)}`,
    }),
  );
  for (const change of ['added', 'removed'] as const) {
    diff.files[change].forEach((e, index) =>
      rows.push({ kind: 'file', change, index, label: e.path, description: size(e.size) }),
    );
  }
  return rows;
}

/** `before-refactor → after-refactor (after-refactor descends from before-refactor): 1 agent field, 2 layers …`. */
export function compareTitle(diff: DiffImagesResult, names: { a?: string; b?: string } = {}): string {
  const a = names.a ?? short(diff.a);
  const b = names.b ?? short(diff.b);
  const relation = {
    same: 'the same snapshot',
    'a-is-ancestor-of-b': `${b} descends from ${a}`,
    'b-is-ancestor-of-a': `${a} descends from ${b}`,
    unrelated: 'not of one lineage',
  }[diff.relation];
  const agent = diff.snapshot?.agent.length ?? 0;
  const counts = [
    ...(agent ? [plural(agent, 'agent field')] : []),
    plural(diff.layers.length, 'layer'),
    `${plural(diff.files.changed.length, 'file')} changed`,
  ];
  const joined = `${counts.slice(0, -1).join(', ')}${counts.length > 1 ? ' and ' : ''}${counts[counts.length - 1]}`;
  return `Compare ${a} → ${b} (${relation}): ${joined}, ${diff.files.added.length} added, ${diff.files.removed.length} removed`;
}
