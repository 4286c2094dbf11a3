// Building a page from data: every text from a snapshot goes in as a text node, never parsed as HTML.

type Child = Node | string | number;

/** An element with attributes (`class`, `onclick` as a listener, anything else set as is) and children. */
export function el(tag: string, attrs: Record<string, string | (() => void)> = {}, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (typeof value === 'function') {
      node.addEventListener('click', value);
    } else if (key === 'class') {
      node.className = value;
    } else {
      node.setAttribute(key, value);
    }
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Markdown without raw HTML: fenced code blocks, inline code and paragraphs; everything else stays text. */
export function markdown(text: string): HTMLElement {
  const box = el('div');
  text.split(/^```[^\n]*\n?/m).forEach((part, i) => {
    if (i % 2 === 1) {
      box.append(el('pre', {}, el('code', {}, part.replace(/\n$/, ''))));
      return;
    }
    for (const para of part.split(/\n{2,}/)) {
      if (!para.trim()) {
        continue;
      }
      const p = el('p');
      para.split(/(`[^`\n]+`)/).forEach((bit, j) => p.append(j % 2 ? el('code', {}, bit.slice(1, -1)) : bit));
      box.append(p);
    }
  });
  return box;
}
