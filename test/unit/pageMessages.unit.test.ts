// The snapshot page's protocol at the host's boundary: what the page sends is input, checked before it acts;
// the page's script is inlined so that nothing in it can end its element early.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { panelHtml } from '../../client/src/snapshotView/panelHtml';
import { checkedPageMessage } from '../../shared/snapshots/pageMessages';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

test('the host acts only on well-formed page messages', () => {
  assert.deepEqual(checkedPageMessage({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(checkedPageMessage({ type: 'openBlob', digest: DIGEST, title: 'Conversation' }), {
    type: 'openBlob',
    digest: DIGEST,
    title: 'Conversation',
  });
  // A title that is not a short string is dropped, the request kept.
  assert.deepEqual(checkedPageMessage({ type: 'openBlob', digest: DIGEST, title: 'x'.repeat(201) }), {
    type: 'openBlob',
    digest: DIGEST,
  });
  for (const bad of [
    null,
    'ready',
    { type: 'openBlob', digest: 'sha256:../../etc/passwd' },
    { type: 'openSnapshot', image: DIGEST.toUpperCase() },
    { type: 'moreMessages', offset: -1 },
    { type: 'moreMessages', offset: 1.5 },
    { type: 'reveal', layer: 'trace.messages' },
    { type: 'dumped', text: 7 },
    { type: '__proto__' },
  ]) {
    assert.equal(checkedPageMessage(bad), undefined, JSON.stringify(bad));
  }
  const long = checkedPageMessage({ type: 'dumped', text: 'y'.repeat((1 << 20) + 5) });
  assert.equal(long?.type === 'dumped' && long.text.length, 1 << 20);
});

test("the page's script is inlined under the nonce, and a '</script' in it cannot close the element", () => {
  const html = panelHtml('n0nce', 'vscode-resource:', 'const s = "</script><img src=x>"; run(s);');
  assert.equal(html.match(/<\/script>/g)?.length, 1, 'only the element itself closes');
  assert.match(html, /<script nonce="n0nce">const s = "<\\\/script><img src=x>"; run\(s\);<\/script>/);
  assert.match(html, /script-src 'nonce-n0nce'/);
});
