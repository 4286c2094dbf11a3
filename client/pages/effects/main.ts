// The effects page (a webview): a lineage drawn as a graph (forks and merges) beside its tool calls in time order.
// Choosing a call marks the snapshot that first recorded it and the merges that carried it, and asks the host to
// open that snapshot at its ledger entry. Built by esbuild as a browser script (dist/effectsPage.js) and inlined
// by its host under a nonce; nothing here is parsed as HTML.
import { shortDigest } from '../../../shared/blobs/digest';
import { plural, shortTime } from '../../../shared/common/format';
import type { EffectsPageState, EffectsPageToHost, HostToEffectsPage } from '../../../shared/effects/pageMessages';
import type { EffectCall, LineageSnapshot } from '../../../shared/protocol/effects';
import { el } from '../dom';
import { hostOf } from '../vscodeApi';
import { placeLanes } from './lanes';

const host = hostOf<EffectsPageState, EffectsPageToHost>();
const root = document.getElementById('root') as HTMLElement;
let state = host.getState();
const ROW = 26;
const LANE = 18;
const SVG = 'http://www.w3.org/2000/svg';

const nameOf = (s: LineageSnapshot | undefined, image: string) => s?.name ?? shortDigest(image);

function svg(tag: string, attrs: Record<string, string | number>): SVGElement {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) {
    node.setAttribute(k, String(v));
  }
  return node;
}

function render(): void {
  root.textContent = '';
  if (!state) {
    root.append(el('p', {}, 'Reading the lineage…'));
    return;
  }
  const { result, selected } = state;
  const byImage = new Map(result.lineage.map((s) => [s.image, s]));
  const rootSnap = byImage.get(result.root);
  const chosen = result.calls.find((c) => c.key === selected);
  const merges = result.lineage.filter((s) => s.merge).length;
  root.append(el('h1', {}, `What ${nameOf(rootSnap, result.root)} and its descendants did`));
  root.append(
    el(
      'p',
      { class: 'meta' },
      `${plural(result.lineage.length, 'snapshot')} (${plural(merges, 'merge')}) · ` +
        `${plural(result.total, 'distinct call')} · ${result.irreversible} irreversible`,
    ),
  );
  const bad = result.lineage.filter((s) => s.notIntact);
  if (bad.length > 0) {
    root.append(el('p', { class: 'badge bad' }, `Record not intact: ${bad.map((s) => nameOf(s, s.image)).join(', ')}`));
  }
  const layout = el('div', { class: 'layout' });
  layout.append(graph(result.lineage, chosen), calls(result.calls, byImage, selected));
  root.append(layout);
  if (result.offset + result.calls.length < result.total) {
    const offset = result.offset + result.calls.length;
    const more = Math.min(2000, result.total - offset);
    root.append(
      el('button', { onclick: () => host.postMessage({ type: 'moreCalls', offset }) }, `Show ${more} more calls`),
    );
  }
}

/** The lineage as rows with lanes: a dot per snapshot (a diamond for a merge), a line from each parent. */
function graph(lineage: LineageSnapshot[], chosen: EffectCall | undefined): HTMLElement {
  const { placed, lanes } = placeLanes(lineage);
  const width = lanes * LANE + 8;
  const pic = svg('svg', { width, height: lineage.length * ROW, role: 'img', 'aria-label': 'the lineage graph' });
  const at = (image: string) => {
    const p = placed.get(image)!;
    return { x: p.lane * LANE + LANE / 2 + 4, y: p.row * ROW + ROW / 2 };
  };
  for (const s of lineage) {
    const to = at(s.image);
    for (const parent of s.parents.filter((p) => placed.has(p))) {
      const from = at(parent);
      // Down the parent's own lane (no other snapshot sits in it meanwhile), then into the child's in its last row.
      const turn = Math.max(from.y, to.y - ROW);
      const bend = (turn + to.y) / 2;
      const d = `M${from.x},${from.y} L${from.x},${turn} C${from.x},${bend} ${to.x},${bend} ${to.x},${to.y}`;
      pic.append(svg('path', { d, class: 'edge' }));
    }
  }
  const list = el('div', { class: 'names' });
  for (const s of lineage) {
    const { x, y } = at(s.image);
    const role = chosen?.first === s.image ? ' first' : chosen?.merges.includes(s.image) ? ' carried' : '';
    const cls = `node${s.notIntact ? ' bad' : ''}${role}`;
    pic.append(
      s.merge
        ? svg('path', { d: `M${x},${y - 6} L${x + 6},${y} L${x},${y + 6} L${x - 6},${y} Z`, class: cls })
        : svg('circle', { cx: x, cy: y, r: 5, class: cls }),
    );
    const label = el(
      'button',
      {
        class: `link name${role}`,
        title: s.image,
        onclick: () => host.postMessage({ type: 'openSnapshot', image: s.image }),
      },
      nameOf(s, s.image),
    );
    const row = el('div', { class: 'row' }, label);
    if (role === ' first') {
      row.append(el('span', { class: 'tag' }, ' first recorded here'));
    } else if (role === ' carried') {
      row.append(el('span', { class: 'tag' }, ' carried by this merge'));
    }
    if (s.notIntact) {
      row.append(el('span', { class: 'tag bad-text', title: s.notIntact }, ' record not intact'));
    }
    list.append(row);
  }
  const box = el('div', { class: 'graph' });
  box.append(pic, list);
  return box;
}

/** The calls in time order: irreversible ones stand out; one read only from an edited record says so. */
function calls(list: EffectCall[], byImage: Map<string, LineageSnapshot>, selected: string | undefined): HTMLElement {
  const head = el(
    'tr',
    {},
    ...['Time', 'Tool', 'Side effect', 'First in', 'Carried by', 'Held by', 'Record'].map((h) => el('th', {}, h)),
  );
  const table = el('table', { class: 'calls' }, head);
  for (const c of list) {
    const cls = `${c.sideEffectClass === 'irreversible' ? 'irreversible' : ''}${c.key === selected ? ' selected' : ''}`;
    const choose = () => chooseCall(c);
    const row = el(
      'tr',
      { class: cls, tabindex: '0', 'data-key': c.key, onclick: choose },
      el('td', { class: 'when', title: c.ts ?? '' }, shortTime(c.ts) ?? '?'),
      el('td', {}, c.tool ?? '?'),
      el('td', { class: 'cls' }, c.sideEffectClass === 'irreversible' ? 'IRREVERSIBLE' : (c.sideEffectClass ?? '?')),
      el('td', {}, nameOf(byImage.get(c.first), c.first)),
      el('td', {}, c.merges.map((m) => nameOf(byImage.get(m), m)).join(', ') || '—'),
      el('td', {}, plural(c.heldBy, 'snapshot')),
      el(
        'td',
        { class: c.chain === 'bad' ? 'bad-text' : '' },
        (c.chain === 'ok' ? 'intact' : c.chain === 'bad' ? 'NOT intact' : 'not checked') +
          (c.replayed ? ' · replayed with a new key' : ''),
      ),
    );
    row.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        choose();
      }
    });
    table.append(row);
  }
  return el('div', { class: 'timeline' }, table);
}

function chooseCall(c: EffectCall): void {
  if (!state) {
    return;
  }
  state = { ...state, selected: c.key };
  host.setState(state);
  render();
  root.querySelector<HTMLElement>(`tr[data-key="${CSS.escape(c.key)}"]`)?.focus();
  host.postMessage({ type: 'selected', key: c.key });
  host.postMessage({
    type: 'openSnapshot',
    image: c.first,
    ...(c.firstEntry === undefined ? {} : { entry: c.firstEntry }),
  });
}

window.addEventListener('message', (event: MessageEvent<HostToEffectsPage>) => {
  const m = event.data;
  if (m?.type === 'timeline') {
    state = m.state;
    host.setState(state);
    render();
    requestAnimationFrame(() => host.postMessage({ type: 'painted' }));
  } else if (m?.type === 'select') {
    const c = state?.result.calls.find((x) => x.key === m.key);
    if (c) {
      chooseCall(c);
    }
  } else if (m?.type === 'dump') {
    host.postMessage({ type: 'dumped', text: document.body.innerText });
    if (!state) {
      host.postMessage({ type: 'ready' }); // a state sent before this page listened is lost: ask again
    }
  }
});
render();
host.postMessage({ type: 'ready' });
