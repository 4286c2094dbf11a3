// The page's sections, one function each, in the order a person asks: what the agent said, what it did (and
// whether that record is intact), what it ran with, its processes, its model, cache and files.
import type {
  EnvSummary,
  LedgerReport,
  ModelBaseSummary,
  SnapshotView,
  UnreadableLayer,
} from '../../../shared/snapshots/snapshotView';
import { needsOperatorSecret } from '../../../shared/snapshots/snapshotView';
import type { PageToHost, SnapshotPageState } from '../../../shared/snapshots/pageMessages';
import { el, markdown } from '../dom';
import { plural, unreadable } from './words';

/** What a section needs from the page: where to draw, how to ask the host, how to link a blob. */
export interface PageContext {
  root: HTMLElement;
  post(message: PageToHost): void;
  digestLink(digest: string, label: string | undefined, tab: string): HTMLElement;
  /** "Conversation · before-refactor": a tab title for one of this snapshot's layers. */
  named(what: string): string;
}

/** More messages are fetched a page at a time, as the host pages them. */
const MESSAGE_PAGE = 200;

export function conversation(page: PageContext, state: SnapshotPageState): void {
  const { root } = page;
  const c = state.snapshot.conversation;
  root.append(el('h2', { id: 'conversation' }, 'Conversation'));
  if (!c) {
    root.append(el('p', {}, 'No conversation recorded.'));
    return;
  }
  if ('unreadable' in c) {
    root.append(el('p', {}, `The conversation ${unreadable(c)}.`));
    return;
  }
  // A long trace's first page is painted before the whole trace is read and checked: no counts yet.
  const counts = c.preview
    ? 'The first messages; reading and checking the whole conversation…'
    : plural(c.messages, 'message') + (c.roles.length ? ` · ${c.roles.map(([r, n]) => `${r} ${n}`).join(', ')}` : '');
  root.append(el('p', { class: 'meta' }, counts));
  for (const m of state.messages) {
    if (m.problem) {
      root.append(el('div', { class: 'msg' }, `Line ${m.index}: ${m.problem}`));
      continue;
    }
    const box = el('div', {
      class: `msg ${m.role}`,
      tabindex: '0',
      'aria-label': `${m.role} message ${m.index}`,
      'data-message': String(m.index),
    });
    box.append(el('div', { class: 'role' }, m.role), markdown(m.content));
    if (m.contentChars > m.content.length) {
      box.append(el('div', { class: 'meta' }, `… ${m.contentChars - m.content.length} more characters`));
    }
    root.append(box);
  }
  if (!c.preview && state.messages.length < c.messages) {
    const more = Math.min(MESSAGE_PAGE, c.messages - state.messages.length);
    const offset = state.messages.length;
    root.append(
      el('button', { onclick: () => page.post({ type: 'moreMessages', offset }) }, `Show ${more} more messages`),
    );
  }
}

function verdictLine(t: LedgerReport): string {
  switch (t.verdict) {
    case 'ok':
      return `Chain intact: ${t.reason}`;
    case 'bad':
      return `Not intact at entry ${t.entry}${t.tool ? ` (${t.tool})` : ''}: ${t.reason}`;
    default:
      return `Not checked: ${t.reason}`;
  }
}

export function toolCalls(page: PageContext, t: LedgerReport | UnreadableLayer | null): void {
  const { root } = page;
  root.append(el('h2', { id: 'tool-calls' }, 'Tool calls'));
  if (!t) {
    root.append(el('p', {}, 'No tool-call record.'));
    return;
  }
  if ('unreadable' in t) {
    root.append(el('p', {}, `The tool-call record ${unreadable(t)}.`));
    return;
  }
  if (t.kind === 'effects.merged.v1') {
    root.append(el('p', {}, `A merge of two histories: ${t.merged?.aEntries} and ${t.merged?.bEntries} calls.`));
    return;
  }
  root.append(
    el('p', { class: t.verdict === 'bad' ? 'secret' : 'meta' }, `${plural(t.entryLines, 'call')}. ${verdictLine(t)}`),
  );
  if (t.verdict === 'skipped' && needsOperatorSecret(t.reason)) {
    const set = el('button', { id: 'set-operator-secret', onclick: () => page.post({ type: 'setSessionSecret' }) });
    set.append('Set Operator Session Secret…');
    root.append(el('p', {}, set));
  }
  const header = el('tr', {}, ...['#', 'Time', 'Tool', 'Side effect', 'Chain'].map((h) => el('th', {}, h)));
  const table = el('table', {}, header);
  for (const e of t.entries) {
    const cls = (e.sideEffectClass === 'irreversible' ? 'irreversible ' : '') + (e.chain === 'bad' ? 'first-bad' : '');
    const chain = e.chain === 'ok' ? '✓ intact' : e.chain === 'bad' ? `✗ ${t.reason}` : 'not checked';
    table.append(
      el(
        'tr',
        { class: cls, tabindex: '0', 'data-entry': String(e.index) },
        el('td', {}, e.index),
        el('td', {}, e.ts || '?'),
        el('td', {}, e.tool || '?'),
        el('td', { class: 'cls' }, e.sideEffectClass || '?'),
        el('td', {}, chain),
      ),
    );
  }
  root.append(table);
}

export function environment(page: PageContext, v: SnapshotView): void {
  const { root, post } = page;
  root.append(el('h2', { id: 'environment' }, 'Environment'));
  const e = v.environment;
  if (!e) {
    root.append(el('p', {}, 'No environment recorded.'));
    return;
  }
  if (!('vars' in e)) {
    root.append(el('p', {}, `The environment ${unreadable(e)}.`));
    return;
  }
  root.append(el('p', { class: 'meta' }, envCounts(e)));
  const table = el('table', {}, el('tr', {}, el('th', {}, 'Variable'), el('th', {}, 'Value')));
  const reveal = (layer: 'world.env' | 'world.procs') =>
    el('button', { onclick: () => post({ type: 'reveal', layer }) }, 'Reveal in raw layer…');
  for (const x of e.vars) {
    const value = x.redacted
      ? el('span', { class: 'meta' }, '<redacted> (scrubbed by pf)')
      : x.secret
        ? el('span', { class: 'secret' }, `•••••••• secret in clear: ${x.secret} `, reveal('world.env'))
        : (x.value ?? '');
    table.append(el('tr', { tabindex: '0' }, el('td', {}, x.name), el('td', {}, value)));
  }
  root.append(table);
  for (const s of v.secrets.filter((s) => s.layer !== 'world.env')) {
    const layer = s.layer === 'world.procs' ? 'world.procs' : undefined;
    const line = el('p', { class: 'secret' }, `Secret in clear in ${s.layer}: ${s.variable} (${s.why}). `);
    if (layer) {
      line.append(reveal(layer));
    }
    root.append(line);
  }
}

function envCounts(e: EnvSummary): string {
  const where = e.cwd ? ` · working folder ${e.cwd}` : '';
  return `${plural(e.count, 'variable')}, ${e.redacted} redacted, ${plural(e.secrets.length, 'secret')} in clear${where}`;
}

export function processes(page: PageContext, v: SnapshotView): void {
  const { root } = page;
  root.append(el('h2', { id: 'processes' }, 'Processes'));
  const p = v.processes;
  if (!p || !('fields' in p)) {
    root.append(el('p', {}, p ? `The process record ${unreadable(p)}.` : 'None recorded.'));
    return;
  }
  root.append(el('p', {}, p.kind));
  const table = el('table');
  for (const [k, val] of p.fields) {
    table.append(el('tr', {}, el('td', {}, k), el('td', {}, val)));
  }
  if (p.criuDump) {
    const link = page.digestLink(`sha256:${p.criuDump}`, undefined, page.named('Process dump'));
    table.append(el('tr', {}, el('td', {}, 'dump blob'), el('td', {}, link)));
  }
  root.append(table);
  if (p.members) {
    const names = p.members
      .slice(0, 20)
      .map((m) => m.name)
      .join(', ');
    root.append(
      el('p', { class: 'meta' }, `CRIU archive: ${plural(p.memberCount ?? p.members.length, 'file')}: ${names}`),
    );
  }
}

export function modelCacheFiles(page: PageContext, v: SnapshotView): void {
  const { root } = page;
  root.append(el('h2', { id: 'model' }, 'Model, KV cache and files'));
  const list = el('table');
  const layer = (label: string, field: string, text: string) => {
    const digest = v.layers[field];
    const link = digest ? page.digestLink(digest, undefined, page.named(label)) : '';
    list.append(el('tr', {}, el('td', {}, label), el('td', {}, text), el('td', {}, link)));
  };
  const b = v.modelBase;
  const d = v.modelDiff;
  const c = v.cache;
  const f = v.files;
  const or = (x: object | null, shown: () => string) => unreadable(x) ?? (x ? shown() : 'none');
  layer(
    'Model base',
    'model.base',
    or(b, () => (b as ModelBaseSummary).name || 'opaque weights'),
  );
  layer(
    'Model diff',
    'model.diff',
    or(d, () => {
      const diff = d as { kind: string; parts: unknown[]; note?: string };
      return `${diff.kind}, ${plural(diff.parts.length, 'part')}${diff.note ? ` (${diff.note})` : ''}`;
    }),
  );
  layer(
    'KV cache',
    'cache.manifest',
    or(c, () => {
      const cache = c as { pages: number; note?: string };
      return `${v.cacheLayout || '?'}, ${plural(cache.pages, 'page')}${cache.note ? ` (${cache.note})` : ''}`;
    }),
  );
  const fs = f && 'links' in f ? f : undefined;
  layer(
    'Files',
    'world.fs',
    or(f, () =>
      fs ? `${plural(fs.files, 'file')}, ${plural(fs.dirs, 'folder')}, ${plural(fs.symlinks, 'symlink')}` : '?',
    ),
  );
  layer('Conversation', 'trace.messages', 'JSON Lines');
  layer('Tool calls', 'effects.ledger', 'effects ledger');
  layer('Environment', 'world.env', 'env.v1');
  layer('Processes', 'world.procs', 'procs');
  root.append(list);
  if (fs && fs.links.length) {
    const links = fs.links
      .slice(0, 20)
      .map((l) => `${l.path} → ${l.target}`)
      .join(', ');
    root.append(el('p', { class: 'meta' }, `Symlinks: ${links}`));
  }
  root.append(el('button', { onclick: () => page.post({ type: 'openFiles' }) }, 'Open the files as a folder'));
}
