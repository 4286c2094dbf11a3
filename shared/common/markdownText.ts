// Text for Markdown (hovers, tooltips, reports). An fs entry path, an agent name or a verify message is data:
// unescaped, `[x](command:…)` would render as a command link, `*x*` as emphasis, `<img>` as HTML, a URL as a link.
// Every string from a store, a registry or a document goes through one of these before it joins Markdown.
import { terminalLine } from './terminalText';

/** Every ASCII punctuation character: CommonMark lets each be escaped with a backslash, and none then acts. */
const PUNCTUATION = /[!-/:-@[-`{-~]/g;

/** Plain text inside Markdown: control characters shown escaped, every punctuation character backslash-escaped. */
export function markdownText(text: string): string {
  return terminalLine(text).replace(PUNCTUATION, '\\$&');
}

/**
 * Text as a code span: fenced by one more backtick than its longest run of backticks (so none can close it early),
 * padded when it starts or ends with one, control characters and line breaks shown escaped.
 */
export function markdownCode(text: string): string {
  const inner = terminalLine(text);
  const longestRun = (inner.match(/`+/g) ?? []).reduce((longest, run) => Math.max(longest, run.length), 0);
  const fence = '`'.repeat(longestRun + 1);
  const pad = inner.startsWith('`') || inner.endsWith('`') || inner === '' ? ' ' : '';
  return `${fence}${pad}${inner}${pad}${fence}`;
}
