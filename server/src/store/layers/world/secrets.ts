// Credentials in clear in a snapshot: pf's own scrub rule on variable names (the CLI redacts these since 1.0.7,
// unless --no-default-scrub), and the shapes of well-known credentials in values, whatever the name. A finding
// names the variable and why; it never carries the value.
import type { SecretFinding } from '../../../../../shared/snapshots/snapshotView';

/** pf's default scrub: names matching this (case-insensitively) are replaced by `<redacted>` at snapshot time. */
const PF_SCRUB_NAME = /(^|_)(token|secret|password|passwd|pwd|api_?key|apikey|auth|bearer)(_|$)/i;

export const REDACTED = '<redacted>';

/** Value shapes of credentials, each with what it is in a person's words. */
const VALUE_SHAPES: Array<[RegExp, string]> = [
  [/\bgh[pousr]_[A-Za-z0-9]{36,}/, 'a GitHub token'],
  [/\bgithub_pat_[A-Za-z0-9_]{22,}/, 'a GitHub token'],
  [/\bglpat-[A-Za-z0-9_-]{20,}/, 'a GitLab token'],
  [/\bsk-ant-[A-Za-z0-9_-]{20,}/, 'an Anthropic API key'],
  [/\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}/, 'an OpenAI-style API key'],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/\bAIza[0-9A-Za-z_-]{35}\b/, 'a Google API key'],
  [/\b[rs]k_live_[0-9A-Za-z]{16,}/, 'a Stripe live key'],
  [/\bhf_[A-Za-z0-9]{30,}/, 'a Hugging Face token'],
  [/-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----/, 'a private key'],
  // user:password@ with the user name possibly empty (`redis://:pw@host`) and `/` allowed in the password; a
  // port followed by a path (`http://host:3000/@scope`) is not a password.
  [/\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:(?!\d+\/)[^\s@]+@/i, 'a password inside a URL'],
  [
    /\b[a-z][a-z0-9+.-]*:\/\/[^\s?#]*\?(?:[^\s#]*&)?(?:password|passwd|pass|pwd|secret|client_secret|token|access_token|api_?key|sig)=[^&\s#]/i,
    "a password in a URL's query",
  ],
];

/** A finding for one variable whose value is in clear, or undefined. The value itself never leaves here. */
export function secretIn(name: string, value: string): SecretFinding | undefined {
  if (value === REDACTED || value === '') {
    return undefined;
  }
  for (const [shape, what] of VALUE_SHAPES) {
    if (shape.test(value)) {
      return { name, why: `its value looks like ${what}` };
    }
  }
  if (PF_SCRUB_NAME.test(name)) {
    return { name, why: "its name is one pf's default scrub redacts, and it is in clear" };
  }
  return undefined;
}

/** Where credentials of a known shape stand in a text, as [start, end) ranges, in order, not overlapping. */
export function secretRanges(text: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const [shape] of VALUE_SHAPES) {
    const all = new RegExp(shape.source, shape.flags.includes('g') ? shape.flags : `${shape.flags}g`);
    for (let m = all.exec(text); m; m = all.exec(text)) {
      ranges.push([m.index, m.index + Math.max(1, m[0].length)]);
      all.lastIndex = m.index + Math.max(1, m[0].length);
    }
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) {
      last[1] = Math.max(last[1], r[1]);
    } else {
      merged.push([r[0], r[1]]);
    }
  }
  return merged;
}

export type { SecretFinding };
