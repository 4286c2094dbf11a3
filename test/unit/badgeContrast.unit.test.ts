// The snapshot view's verdict badges (issue 39 item 10): every one readable, at least 4.5:1 (WCAG AA for text) in
// the light and the dark themes. Read from the page the view serves, with WCAG's relative luminance.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { panelHtml } from '../../client/src/snapshotView/panelHtml';

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const lin = (c: number) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

test('every verdict badge is at least 4.5:1 in the light and the dark themes', () => {
  const html = panelHtml('n0nce', 'vscode-resource:', '');
  const rule =
    /body\.vscode-(light|dark)[^{]*?\.(ok|bad|warn)\b[^{]*\{ background: (#[0-9a-f]{6}); color: (#[0-9a-f]{6}); \}/g;
  const seen = new Map<string, number>();
  for (const m of html.matchAll(rule)) {
    seen.set(`${m[1]} ${m[2]}`, contrast(m[3], m[4]));
  }
  for (const theme of ['light', 'dark']) {
    for (const badge of ['ok', 'bad', 'warn']) {
      const ratio = seen.get(`${theme} ${badge}`);
      assert.ok(ratio !== undefined, `no ${badge} badge colours for the ${theme} theme`);
      assert.ok(ratio >= 4.5, `${theme} ${badge}: ${ratio.toFixed(2)}:1`);
    }
  }
  // What the badges were: the theme's own warning foreground on the editor background, about 2.9:1 in Light+.
  assert.ok(contrast('#bf8803', '#ffffff') < 4.5);
});
