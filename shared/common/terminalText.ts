// Text for a terminal. Agent names, fs entry paths, tags and registry messages are data: a terminal acts on some
// of their characters (ESC starts colour, OSC 8 links and window-title sequences; CR overwrites the line; bidi
// overrides reverse it; C1 controls act like ESC on some terminals). Everything printed goes through here, so
// such a character is shown as an escape and never acted on.

/** C0 controls but tab, DEL, C1 controls, the Arabic letter mark, LRM/RLM, bidi embeddings, overrides, isolates, LS/PS. */
const ACTED_ON = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same, keeping line feeds: text we laid out on several lines ourselves (JSON, usage, a stack trace). */
const ACTED_ON_BUT_NEWLINE =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `\uXXXX` for each character a terminal would act on (`\n` and `\r` by name). The form is JSON's own, so in
 * JSON text the escaped string still parses to exactly the same value.
 */
function escaped(ch: string): string {
  if (ch === '\n') {
    return '\\n';
  }
  if (ch === '\r') {
    return '\\r';
  }
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** One line of output: every character a terminal acts on, line feeds included, shown escaped. */
export function terminalLine(text: string): string {
  return text.replace(ACTED_ON, escaped);
}

/** Several lines we laid out: line feeds kept, every other character a terminal acts on shown escaped. */
export function terminalLines(text: string): string {
  return text.replace(ACTED_ON_BUT_NEWLINE, escaped);
}
