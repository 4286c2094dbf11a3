// The search page (a webview view in the store's side bar): a query box, then the snapshots the query matches,
// newest first, each with its record verdict and the places that matched, the match marked. Choosing a place
// asks the host to open the snapshot there. Typing runs the query after a short pause (Enter at once); a query
// error shows under the box with a caret at its column. Built by esbuild as a browser script
// (dist/searchPage.js) and inlined by its host under a nonce; nothing here is parsed as HTML.
import { shortDigest, shortHex } from '../../../shared/blobs/digest';
import { plural, shortTime } from '../../../shared/common/format';
import type { SearchSnapshot } from '../../../shared/protocol/search';
import type { SearchHit } from '../../../shared/search/searchResults';
import type { HostToSearchPage, SearchPageState, SearchPageToHost } from '../../../shared/search/pageMessages';
import { el } from '../dom';
import { hostOf } from '../vscodeApi';

const host = hostOf<SearchPageState, SearchPageToHost>();
const root = document.getElementById('root') as HTMLElement;
let state: SearchPageState = host.getState() ?? { query: '', busy: false };
/** Typing waits this long for the next key before it asks (a new query cancels the one running anyway). */
const TYPING_PAUSE_MS = 250;
let typing: ReturnType<typeof setTimeout> | undefined;

root.textContent = '';
const input = el('input', {
  type: 'text',
  class: 'query',
  placeholder: 'deploy tool:git_push secret:* …',
  'aria-label': 'Search snapshots',
  spellcheck: 'false',
}) as HTMLInputElement;
input.value = state.query;
// The grammar folded away: results come first, the syntax one click down.
const help = el(
  'details',
  { class: 'help' },
  el('summary', {}, 'Query syntax'),
  el(
    'p',
    { class: 'meta' },
    'Words and "phrases" search the conversation, any role; /regex/i too. Fields: tool:git_push class:irreversible agent:KIND name:GLOB file:infra/*.tf content:TEXT env:NAME secret:* chain:ok|bad after:2026-11-20 before:DATE lineage:NAME. Terms side by side must all hold; OR between them; -term or NOT term; ( ).',
  ),
);
const status = el('div', { class: 'status', role: 'status' });
const results = el('div', { class: 'results' });
root.append(input, help, status, results);

const ask = (query: string) => host.postMessage({ type: 'query', query });
input.addEventListener('input', () => {
  clearTimeout(typing);
  typing = setTimeout(() => ask(input.value), TYPING_PAUSE_MS);
});
input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') {
    clearTimeout(typing);
    ask(input.value);
  }
});

function render(): void {
  status.textContent = '';
  results.textContent = '';
  input.classList.toggle('invalid', !!state.error?.column);
  if (state.error) {
    status.append(el('p', { class: 'error' }, state.error.message));
    if (state.error.column !== undefined) {
      // The query echoed with a caret under the column at fault.
      status.append(el('pre', { class: 'caret' }, `${state.query}\n${' '.repeat(state.error.column - 1)}^`));
    }
    return;
  }
  if (state.busy) {
    status.append(el('p', { class: 'meta' }, state.progress ? `Indexing snapshots: ${state.progress}` : 'Searching…'));
  }
  const r = state.result;
  if (!r) {
    return;
  }
  status.append(
    el(
      'p',
      { class: 'meta' },
      r.total === 0
        ? `No snapshot of ${r.searched} matches.`
        : `${plural(r.total, 'snapshot')} of ${r.searched} match${r.total === 1 ? 'es' : ''}.`,
    ),
  );
  for (const s of r.snapshots) {
    results.append(snapshotGroup(s));
  }
  if (r.snapshots.length < r.total) {
    results.append(
      el(
        'button',
        { onclick: () => host.postMessage({ type: 'more', offset: r.snapshots.length }) },
        `Show more (${r.total - r.snapshots.length} left)`,
      ),
    );
  }
}

function snapshotGroup(s: SearchSnapshot): HTMLElement {
  const group = el('section', { class: 'group' });
  const record =
    s.record === 'intact'
      ? el('span', { class: 'badge ok' }, 'record intact')
      : s.record === 'not intact'
        ? el('span', { class: 'badge bad', title: s.recordWhy ?? '' }, 'record NOT intact')
        : el('span', { class: 'badge muted' }, s.record === 'none' ? 'no record' : 'record not checked');
  // The name on its own line (what a person recognises), then when, which, and the two verdicts.
  const head = el(
    'div',
    { class: 'head' },
    el(
      'button',
      { class: 'link name', title: s.image, onclick: () => open(s, { layer: 'trace' } as SearchHit) },
      s.name ?? shortDigest(s.image),
    ),
  );
  const facts = el(
    'div',
    { class: 'facts' },
    el('span', { class: 'meta' }, `${shortTime(s.created) ?? s.created} · ${shortHex(s.image)} `),
    record,
  );
  if (s.secrets.length > 0) {
    facts.append(el('span', { class: 'badge warn' }, `${plural(s.secrets.length, 'secret')} in clear`));
  }
  group.append(head, facts);
  const list = el('ul', { class: 'hits' });
  for (const h of s.hits) {
    const item = el(
      'li',
      { class: 'hit', tabindex: '0', role: 'button' },
      el('span', { class: 'where' }, where(h)),
      ' ',
    );
    item.append(marked(h));
    item.addEventListener('click', () => open(s, h));
    item.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        open(s, h);
      }
    });
    list.append(item);
  }
  group.append(list);
  if (s.moreHits > 0) {
    group.append(el('p', { class: 'meta' }, `… and ${plural(s.moreHits, 'more place')}`));
  }
  return group;
}

function where(h: SearchHit): string {
  switch (h.layer) {
    case 'trace':
      return `message ${h.index} · ${h.label || '?'}`;
    case 'ledger':
      return `tool call ${h.index}`;
    case 'fs':
      return h.line !== undefined ? `${h.path}:${h.line}` : 'file';
    case 'env':
      return h.secret ? 'secret in clear' : 'variable';
  }
}

/** The snippet with its match in a <mark>, as text nodes. */
function marked(h: SearchHit): HTMLElement {
  const span = el('span', { class: 'snippet' });
  const [a, b] = h.mark ?? [0, 0];
  if (b > a) {
    span.append(h.snippet.slice(0, a), el('mark', {}, h.snippet.slice(a, b)), h.snippet.slice(b));
  } else {
    span.append(h.snippet);
  }
  return span;
}

function open(s: SearchSnapshot, h: SearchHit): void {
  const [a, b] = h.mark ?? [0, 0];
  host.postMessage({
    type: 'open',
    target: {
      image: s.image,
      layer: h.layer,
      ...(h.index !== undefined ? { index: h.index } : {}),
      ...(h.path !== undefined ? { path: h.path } : {}),
      ...(h.line !== undefined ? { line: h.line } : {}),
      ...(b > a ? { highlight: h.snippet.slice(a, b) } : {}),
    },
  });
}

window.addEventListener('message', (event: MessageEvent<HostToSearchPage>) => {
  const m = event.data;
  if (m?.type === 'state') {
    state = m.state;
    host.setState(state);
    if (document.activeElement !== input) {
      input.value = state.query; // a query run from the palette shows in the box
    }
    render();
  } else if (m?.type === 'dump') {
    host.postMessage({ type: 'dumped', text: document.body.innerText });
  }
});
render();
host.postMessage({ type: 'ready' });
