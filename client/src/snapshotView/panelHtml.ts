// The snapshot view's page: a strict Content-Security-Policy (only this page's own nonce'd style and script, no
// remote content, no inline handlers), VS Code's theme colours, and the page's script (client/pages/snapshot,
// built to dist/snapshotPage.js), which builds the DOM from data with text nodes only: nothing from a snapshot
// is ever parsed as HTML. Messages go out through postMessage and are checked on the host's side
// (shared/snapshots/pageMessages.ts).

/** The snapshot page's HTML around its built `script`. */
export function panelHtml(nonce: string, cspSource: string, script: string): string {
  return pageHtml({ nonce, cspSource, script, title: 'Snapshot', loading: 'Reading the snapshot…' });
}

export interface PageParts {
  nonce: string;
  cspSource: string;
  /** The page's built script (inlined: the page loads no resource, so it paints at once). */
  script: string;
  title: string;
  /** What shows until the script has drawn. */
  loading: string;
  /** Style of this page's own, after the shared one. */
  style?: string;
}

/** A webview page of ours: the theme's style and the built script, under one nonce and a CSP that allows no more. */
export function pageHtml(parts: PageParts): string {
  const { nonce, cspSource } = parts;
  // A `</script` inside the bundle would end the element early; its escaped form means the same in JavaScript.
  const inlined = parts.script.replace(/<\/script/gi, '<\\/script');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${cspSource}; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${parts.title}</title>
<style nonce="${nonce}">${STYLE}${parts.style ?? ''}</style>
</head>
<body>
<main id="root" aria-live="polite"><p>${parts.loading}</p></main>
<script nonce="${nonce}">${inlined}</script>
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
.msg.focused { outline: 2px solid var(--vscode-focusBorder); }
mark { background: var(--vscode-editor-findMatchHighlightBackground, #ea5c0055); color: inherit; border-radius: 2px; }
tr.focused { outline: 2px solid var(--vscode-focusBorder); background: var(--vscode-editor-selectionBackground); }
tr.first-bad { background: var(--vscode-inputValidation-errorBackground); outline: 1px solid var(--vscode-errorForeground); }
a, button.link { color: var(--vscode-textLink-foreground); cursor: pointer; background: none; border: none; padding: 0; font: inherit; text-decoration: underline; }
button { color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: none; padding: 3px 10px; cursor: pointer; }
button:focus, a:focus, button.link:focus { outline: 1px solid var(--vscode-focusBorder); }
.secret { color: var(--vscode-editorWarning-foreground); }
body.vscode-light .secret { color: #7a4f00; } /* the theme's warning colour is 2.9:1 on white */
`;
