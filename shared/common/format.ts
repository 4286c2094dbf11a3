// Human sizes and counts, the same in hovers (server), progress (server) and the tree (client).
import { storedJsonText } from './boundedJson';

export function formatBytes(n: number): string {
  if (n < 1024) {
    return `${n} B`;
  }
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/**
 * Quotes a value for an error message, cut to a short prefix: an error must say what was wrong without
 * echoing a 20 MiB parameter (or a file's contents) back to whoever sent it.
 */
export function quoteShort(value: unknown, max = 64): string {
  const text =
    typeof value === 'string'
      ? value
      : value === undefined
        ? 'undefined'
        : (storedJsonText(value) ?? '(a value nested too deep to show)');
  if (text.length <= max) {
    return JSON.stringify(text);
  }
  return `${JSON.stringify(text.slice(0, max))}… (${text.length} characters)`;
}

/** "12,901 of 15,035 blobs": progress counts written as every other count is. */
export function progressOf(done: number, total: number, unit: string): string {
  return `${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} ${unit}`;
}

/** "1 secret", "2 secrets", "1 entry" / "3 entries" (pass the plural when it is not the noun and an s). */
export function plural(n: number, noun: string, many = `${noun}s`): string {
  return `${groupDigits(n)} ${n === 1 ? noun : many}`;
}

/** A recorded time as a person scans a list: date and time to the second (`2026-11-20 09:10:03Z`). */
export function shortTime(ts: string | null | undefined): string | undefined {
  return ts ? ts.replace('T', ' ').replace(/(\d\d:\d\d:\d\d)[.,]\d+/, '$1') : undefined;
}

/**
 * A count with thousands separated by commas ("10,000"), as `toLocaleString('en-US')` writes it, without asking
 * ICU: its first call costs a short-lived command 30 ms.
 */
export function groupDigits(n: number): string {
  return Number.isSafeInteger(n) ? String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',') : n.toLocaleString('en-US');
}
