// The snapshot view's page: a strict Content-Security-Policy (only this page's own nonce'd style and script, no
// remote content, no inline handlers), VS Code's theme colours, and a script that builds the DOM from data with
// textContent only: nothing from a snapshot is ever parsed as HTML. Messages go out through postMessage and are
// checked again on the extension's side (snapshotPanel.ts).

export function panelHtml(nonce: string, cspSource: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${cspSource}; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Snapshot</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<main id="root" aria-live="polite"><p>Reading the snapshot…</p></main>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>`;
}

const STYLE = `
body { color: var(--vscode-foreground); background: var(--vscode-editor-background); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); padding: 0 20px 40px; line-height: 1.45; }
h1 { font-size: 1.6em; margin: 16px 0 4px; }
h2 { font-size: 1.15em; margin: 28px 0 8px; border-bottom: 1px solid var(--vscode-panel-border); padding-bottom: 4px; }
.meta { color: var(--vscode-descriptionForeground); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; margin-right: 6px; font-size: 0.9em; }
/* Verdict badges in fixed pairs, each at least 4.5:1 (checked by test/unit/badgeContrast): the theme's own
   foreground colours made 2:1 and 3:1 badges in the light themes. */
body.vscode-light .ok { background: #1e6b1e; color: #ffffff; }
body.vscode-light .bad { background: #a1260d; color: #ffffff; }
body.vscode-light .warn { background: #7a4f00; color: #ffffff; }
body.vscode-dark .ok, body.vscode-high-contrast .ok { background: #89d185; color: #1e1e1e; }
body.vscode-dark .bad, body.vscode-high-contrast .bad { background: #f48771; color: #1e1e1e; }
body.vscode-dark .warn, body.vscode-high-contrast .warn { background: #cca700; color: #1e1e1e; }
.muted { background: var(--vscode-badge-background); color: var(--vscode-badge-foreground); }
.msg { border-left: 3px solid var(--vscode-panel-border); padding: 4px 10px; margin: 8px 0; }
.msg.user { border-color: var(--vscode-charts-blue, #3794ff); }
.msg.assistant { border-color: var(--vscode-charts-green, #89d185); }
.msg.system { border-color: var(--vscode-charts-purple, #b180d7); }
.msg.tool { border-color: var(--vscode-charts-orange, #d18616); }
.role { font-weight: 600; text-transform: capitalize; }
pre { background: var(--vscode-textCodeBlock-background); padding: 8px; overflow-x: auto; }
.msg p { white-space: pre-wrap; margin: 4px 0; }
code { font-family: var(--vscode-editor-font-family); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--vscode-panel-border); vertical-align: top; }
tr.irreversible td.cls { color: var(--vscode-editorWarning-foreground); font-weight: 600; }
tr.first-bad { background: var(--vscode-inputValidation-errorBackground); outline: 1px solid var(--vscode-errorForeground); }
a, button.link { color: var(--vscode-textLink-foreground); cursor: pointer; background: none; border: none; padding: 0; font: inherit; text-decoration: underline; }
button { color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: none; padding: 3px 10px; cursor: pointer; }
button:focus, a:focus, button.link:focus { outline: 1px solid var(--vscode-focusBorder); }
.secret { color: var(--vscode-editorWarning-foreground); }
body.vscode-light .secret { color: #7a4f00; } /* the theme's warning colour is 2.9:1 on white */
`;

const SCRIPT = `
(function () {
  const vscode = acquireVsCodeApi();
  const root = document.getElementById('root');
  let view = vscode.getState() && vscode.getState().view;
  // Counts as the host words them (shared/format.ts plural): this page is plain script until it is TypeScript.
  const plural = (n, word) => n.toLocaleString('en-US') + ' ' + word + (n === 1 ? '' : 's');
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') node.className = v; else if (k === 'onclick') node.addEventListener('click', v); else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  };
  const post = (message) => vscode.postMessage(message);
  // \`tab\`: what the blob is, for its tab's title ("Conversation · before-refactor").
  const digestLink = (digest, label, tab) => el('button', { class: 'link', title: digest, onclick: () => post({ type: 'openBlob', digest, title: tab }) }, label || digest.slice(0, 19) + '…');
  const named = (what) => what + (view && view.snapshot.name ? ' · ' + view.snapshot.name : '');
  const imageLink = (ref) => el('button', { class: 'link', title: ref.image, onclick: () => post({ type: 'openSnapshot', image: ref.image }) }, (ref.name || ref.image.slice(0, 19) + '…') + (ref.known ? '' : ' (not in the catalog)'));
  const unreadable = (v) => v && (v.unreadable ? (v.missing ? 'missing from the store' : 'cannot be read: ' + v.unreadable) : v.notJson ? v.notJson : v.tooLarge ? 'too large to summarise' : undefined);

  // Markdown without raw HTML: fenced code blocks, inline code, paragraphs; everything else stays text.
  function markdown(text) {
    const box = el('div', {});
    const parts = text.split(/^\`\`\`[^\\n]*\\n?/m);
    parts.forEach((part, i) => {
      if (i % 2 === 1) { box.append(el('pre', {}, el('code', {}, part.replace(/\\n$/, '')))); return; }
      for (const para of part.split(/\\n{2,}/)) {
        if (!para.trim()) continue;
        const p = el('p', {});
        para.split(/(\`[^\`\\n]+\`)/).forEach((bit, j) => p.append(j % 2 ? el('code', {}, bit.slice(1, -1)) : bit));
        box.append(p);
      }
    });
    return box;
  }

  function render() {
    root.textContent = '';
    if (!view) { root.append(el('p', {}, 'Reading the snapshot…')); return; }
    const v = view.snapshot;
    root.append(el('h1', {}, v.name || v.image));
    root.append(el('div', { class: 'meta' }, [v.agent.kind, v.agent.version].filter(Boolean).join(' ') + ' · created ' + (v.createdAt || '?') + ' · ', digestLink(v.image, undefined, named('Manifest'))));
    const lineage = el('div', { class: 'meta' }, 'Parents: ');
    if (v.parents.length === 0) lineage.append('none'); else v.parents.forEach((p, i) => lineage.append(i ? ', ' : '', imageLink(p)));
    lineage.append(' · Children: ');
    if (v.children.length === 0) lineage.append('none'); else v.children.forEach((c, i) => lineage.append(i ? ', ' : '', imageLink(c)));
    root.append(lineage);
    const status = el('p', {});
    const calls = v.toolCalls;
    if (calls && calls.verdict) {
      const cls = calls.verdict === 'ok' ? 'ok' : calls.verdict === 'bad' ? 'bad' : 'muted';
      const text = calls.verdict === 'ok' ? 'Tool-call record intact' : calls.verdict === 'bad' ? 'Tool-call record NOT intact' : 'Tool-call record not checked';
      status.append(el('span', { class: 'badge ' + cls, title: calls.reason }, text));
    }
    status.append(el('span', { class: 'badge ' + (v.secrets.length ? 'warn' : 'ok') }, v.secrets.length ? plural(v.secrets.length, 'secret') + ' in clear' : 'No secrets in clear'));
    root.append(status);
    conversation(view);
    toolCalls(v.toolCalls);
    environment(v);
    processes(v);
    modelCacheFiles(v);
  }

  function conversation(state) {
    const c = state.snapshot.conversation;
    root.append(el('h2', { id: 'conversation' }, 'Conversation'));
    if (!c) { root.append(el('p', {}, 'No conversation recorded.')); return; }
    if (unreadable(c)) { root.append(el('p', {}, 'The conversation ' + unreadable(c) + '.')); return; }
    // A long trace's first page is painted before the whole trace is read and checked: no counts yet.
    root.append(el('p', { class: 'meta' }, c.preview ? 'The first messages; reading and checking the whole conversation…' : plural(c.messages, 'message') + (c.roles.length ? ' · ' + c.roles.map(([r, n]) => r + ' ' + n).join(', ') : '')));
    for (const m of state.messages) {
      if (m.problem) { root.append(el('div', { class: 'msg' }, 'Line ' + m.index + ': ' + m.problem)); continue; }
      const box = el('div', { class: 'msg ' + m.role, tabindex: '0', 'aria-label': m.role + ' message ' + m.index });
      box.append(el('div', { class: 'role' }, m.role));
      box.append(markdown(m.content));
      if (m.contentChars > m.content.length) box.append(el('div', { class: 'meta' }, '… ' + (m.contentChars - m.content.length) + ' more characters'));
      root.append(box);
    }
    if (!c.preview && state.messages.length < c.messages) {
      root.append(el('button', { onclick: () => post({ type: 'moreMessages', offset: state.messages.length }) }, 'Show ' + Math.min(200, c.messages - state.messages.length) + ' more messages'));
    }
  }

  function toolCalls(t) {
    root.append(el('h2', { id: 'tool-calls' }, 'Tool calls'));
    if (!t) { root.append(el('p', {}, 'No tool-call record.')); return; }
    if (unreadable(t)) { root.append(el('p', {}, 'The tool-call record ' + unreadable(t) + '.')); return; }
    if (t.kind === 'effects.merged.v1') { root.append(el('p', {}, 'A merge of two histories: ' + (t.merged && t.merged.aEntries) + ' and ' + (t.merged && t.merged.bEntries) + ' calls.')); return; }
    const verdict = t.verdict === 'ok' ? 'Chain intact: ' + t.reason : t.verdict === 'bad' ? 'Not intact at entry ' + t.entry + (t.tool ? ' (' + t.tool + ')' : '') + ': ' + t.reason : 'Not checked: ' + t.reason;
    root.append(el('p', { class: t.verdict === 'bad' ? 'secret' : 'meta' }, plural(t.entryLines, 'call') + '. ' + verdict));
    if (t.verdict === 'skipped' && t.reason.indexOf('signed with an operator secret that was not given') === 0) {
      root.append(el('p', {}, el('button', { id: 'set-operator-secret', onclick: () => post({ type: 'setSessionSecret' }) }, 'Set Operator Session Secret…')));
    }
    const table = el('table', {}, el('tr', {}, el('th', {}, '#'), el('th', {}, 'Time'), el('th', {}, 'Tool'), el('th', {}, 'Side effect'), el('th', {}, 'Chain')));
    for (const e of t.entries) {
      const row = el('tr', { class: (e.sideEffectClass === 'irreversible' ? 'irreversible ' : '') + (e.chain === 'bad' ? 'first-bad' : ''), tabindex: '0' },
        el('td', {}, e.index), el('td', {}, e.ts || '?'), el('td', {}, e.tool || '?'), el('td', { class: 'cls' }, e.sideEffectClass || '?'),
        el('td', {}, e.chain === 'ok' ? '✓ intact' : e.chain === 'bad' ? '✗ ' + t.reason : 'not checked'));
      table.append(row);
    }
    root.append(table);
  }

  function environment(v) {
    root.append(el('h2', { id: 'environment' }, 'Environment'));
    const e = v.environment;
    if (!e) { root.append(el('p', {}, 'No environment recorded.')); return; }
    if (unreadable(e)) { root.append(el('p', {}, 'The environment ' + unreadable(e) + '.')); return; }
    root.append(el('p', { class: 'meta' }, plural(e.count, 'variable') + ', ' + e.redacted + ' redacted, ' + plural(e.secrets.length, 'secret') + ' in clear' + (e.cwd ? ' · working folder ' + e.cwd : '')));
    const table = el('table', {}, el('tr', {}, el('th', {}, 'Variable'), el('th', {}, 'Value')));
    for (const x of e.vars) {
      const value = x.redacted ? el('span', { class: 'meta' }, '<redacted> (scrubbed by pf)') : x.secret
        ? el('span', { class: 'secret' }, '•••••••• secret in clear: ' + x.secret + ' ', el('button', { onclick: () => post({ type: 'reveal', layer: 'world.env' }) }, 'Reveal in raw layer…'))
        : x.value;
      table.append(el('tr', { tabindex: '0' }, el('td', {}, x.name), el('td', {}, value)));
    }
    root.append(table);
    for (const s of v.secrets.filter((s) => s.layer !== 'world.env')) {
      root.append(el('p', { class: 'secret' }, 'Secret in clear in ' + s.layer + ': ' + s.variable + ' (' + s.why + '). ', el('button', { onclick: () => post({ type: 'reveal', layer: s.layer }) }, 'Reveal in raw layer…')));
    }
  }

  function processes(v) {
    root.append(el('h2', { id: 'processes' }, 'Processes'));
    const p = v.processes;
    if (!p || unreadable(p)) { root.append(el('p', {}, p ? 'The process record ' + unreadable(p) + '.' : 'None recorded.')); return; }
    root.append(el('p', {}, p.kind));
    const table = el('table', {});
    for (const [k, val] of p.fields) table.append(el('tr', {}, el('td', {}, k), el('td', {}, val)));
    if (p.criuDump) table.append(el('tr', {}, el('td', {}, 'dump blob'), el('td', {}, digestLink('sha256:' + p.criuDump, undefined, named('Process dump')))));
    root.append(table);
    if (p.members) root.append(el('p', { class: 'meta' }, 'CRIU archive: ' + p.memberCount + ' files: ' + p.members.slice(0, 20).map((m) => m.name).join(', ')));
  }

  function modelCacheFiles(v) {
    root.append(el('h2', { id: 'model' }, 'Model, KV cache and files'));
    const list = el('table', {});
    const layer = (label, field, text) => list.append(el('tr', {}, el('td', {}, label), el('td', {}, text), el('td', {}, v.layers[field] ? digestLink(v.layers[field], undefined, named(label)) : '')));
    const b = v.modelBase, d = v.modelDiff, c = v.cache, f = v.files;
    layer('Model base', 'model.base', unreadable(b) || (b ? (b.name || 'opaque weights') : 'none'));
    layer('Model diff', 'model.diff', unreadable(d) || (d ? d.kind + ', ' + d.parts.length + ' parts' + (d.note ? ' (' + d.note + ')' : '') : 'none'));
    layer('KV cache', 'cache.manifest', unreadable(c) || (c ? (v.cacheLayout || '?') + ', ' + c.pages + ' pages' + (c.note ? ' (' + c.note + ')' : '') : 'none'));
    layer('Files', 'world.fs', unreadable(f) || (f ? f.files + ' files, ' + f.dirs + ' folders, ' + f.symlinks + ' symlinks' : 'none'));
    layer('Conversation', 'trace.messages', 'JSON Lines');
    layer('Tool calls', 'effects.ledger', 'effects ledger');
    layer('Environment', 'world.env', 'env.v1');
    layer('Processes', 'world.procs', 'procs');
    root.append(list);
    if (f && f.links && f.links.length) root.append(el('p', { class: 'meta' }, 'Symlinks: ' + f.links.slice(0, 20).map((l) => l.path + ' → ' + l.target).join(', ')));
    root.append(el('button', { onclick: () => post({ type: 'openFiles' }) }, 'Open the files as a folder'));
  }

  window.addEventListener('message', (event) => {
    const m = event.data;
    if (m && m.type === 'view') {
      view = m.state; vscode.setState({ view, image: view.snapshot.image }); render();
      // After the browser has laid the page out: what the user sees is there (the editor bench times this).
      requestAnimationFrame(() => post({ type: 'painted' }));
    }
    if (m && m.type === 'dump') post({ type: 'dumped', text: document.body.innerText });
  });
  render();
  post({ type: 'ready' });
})();
`;
