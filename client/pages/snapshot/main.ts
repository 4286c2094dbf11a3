// The snapshot page (a webview): draws one snapshot from the state its host sends, and asks the host for
// everything else (a blob, another snapshot, more messages). Built by esbuild as a browser script
// (dist/snapshotPage.js) and inlined by the host under a nonce; nothing here is parsed as HTML.
import type { HostToPage, PageToHost, SnapshotPageState } from '../../../shared/snapshots/pageMessages';
import { el } from '../dom';
import { hostOf } from '../vscodeApi';
import type { PageContext } from './sections';
import { conversation, environment, modelCacheFiles, processes, toolCalls } from './sections';
import { plural, refLabel } from './words';
import { shortDigest } from '../../../shared/blobs/digest';

interface SavedState {
  view?: SnapshotPageState;
  image?: string;
}

const host = hostOf<SavedState, PageToHost>();
const root = document.getElementById('root') as HTMLElement;
let view = host.getState()?.view;
/** What a deep link asked for: marked and brought into view on every render until another is asked. */
let focus: { toolCall?: number; message?: number; highlight?: string } | undefined;

const page: PageContext = {
  root,
  post: (message) => host.postMessage(message),
  // `tab`: what the blob is, for its tab's title ("Conversation · before-refactor").
  digestLink: (digest, label, tab) =>
    el(
      'button',
      { class: 'link', title: digest, onclick: () => page.post({ type: 'openBlob', digest, title: tab }) },
      label || shortDigest(digest),
    ),
  named: (what) => what + (view?.snapshot.name ? ` · ${view.snapshot.name}` : ''),
};

function render(): void {
  root.textContent = '';
  if (!view) {
    root.append(el('p', {}, 'Reading the snapshot…'));
    return;
  }
  const v = view.snapshot;
  root.append(el('h1', {}, v.name || v.image));
  const made = [v.agent.kind, v.agent.version].filter(Boolean).join(' ');
  root.append(
    el(
      'div',
      { class: 'meta' },
      `${made} · created ${v.createdAt || '?'} · `,
      page.digestLink(v.image, undefined, page.named('Manifest')),
    ),
  );
  const lineage = el('div', { class: 'meta' }, 'Parents: ');
  const links = (refs: typeof v.parents) => {
    if (refs.length === 0) {
      lineage.append('none');
    }
    refs.forEach((ref, i) => {
      const link = el(
        'button',
        { class: 'link', title: ref.image, onclick: () => page.post({ type: 'openSnapshot', image: ref.image }) },
        refLabel(ref),
      );
      lineage.append(i ? ', ' : '', link);
    });
  };
  links(v.parents);
  lineage.append(' · Children: ');
  links(v.children);
  root.append(lineage);
  root.append(badges(view));
  conversation(page, view);
  toolCalls(page, v.toolCalls);
  environment(page, v);
  processes(page, v);
  modelCacheFiles(page, v);
  showFocus();
}

function showFocus(): void {
  if (!focus || !view) {
    return;
  }
  const target =
    focus.toolCall !== undefined
      ? root.querySelector<HTMLElement>(`tr[data-entry="${focus.toolCall}"]`)
      : focus.message !== undefined
        ? root.querySelector<HTMLElement>(`div[data-message="${focus.message}"]`)
        : null;
  if (target) {
    target.classList.add('focused');
    if (focus.highlight) {
      markFirst(target, focus.highlight);
    }
    target.scrollIntoView({ block: 'center' });
    target.focus();
  }
}

/** Wraps the first case-insensitive occurrence of `text` inside one text node of `box` in a <mark>. */
function markFirst(box: HTMLElement, text: string): void {
  const want = text.toLowerCase();
  const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode() as Text | null; node; node = walker.nextNode() as Text | null) {
    const at = node.data.toLowerCase().indexOf(want);
    if (at >= 0) {
      const match = node.splitText(at);
      match.splitText(text.length);
      const mark = el('mark', {}, match.data);
      match.replaceWith(mark);
      return;
    }
  }
}

/** The two answers a person looks for first: is the tool-call record intact, is a secret in clear. */
function badges(state: SnapshotPageState): HTMLElement {
  const v = state.snapshot;
  const status = el('p');
  const calls = v.toolCalls;
  if (calls && 'verdict' in calls) {
    const [cls, text] =
      calls.verdict === 'ok'
        ? ['ok', 'Tool-call record intact']
        : calls.verdict === 'bad'
          ? ['bad', 'Tool-call record NOT intact']
          : ['muted', 'Tool-call record not checked'];
    status.append(el('span', { class: `badge ${cls}`, title: calls.reason }, text));
  }
  const secrets = v.secrets.length;
  const secretText = secrets ? `${plural(secrets, 'secret')} in clear` : 'No secrets in clear';
  status.append(el('span', { class: `badge ${secrets ? 'warn' : 'ok'}` }, secretText));
  return status;
}

window.addEventListener('message', (event: MessageEvent<HostToPage>) => {
  const m = event.data;
  if (m?.type === 'view') {
    view = m.state;
    host.setState({ view, image: view.snapshot.image });
    render();
    // After the browser has laid the page out: what the user sees is there (the editor bench times this).
    requestAnimationFrame(() => page.post({ type: 'painted' }));
  } else if (m?.type === 'focus') {
    focus = m;
    showFocus();
  } else if (m?.type === 'dump') {
    page.post({ type: 'dumped', text: document.body.innerText });
    if (!view) {
      // A state sent before this page listened is lost: ask again.
      page.post({ type: 'ready' });
    }
  }
});
render();
page.post({ type: 'ready' });
