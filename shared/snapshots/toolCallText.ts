// A snapshot's tool calls in words, one line a call, for reading two records side by side (Compare): what each
// call was, when, its side-effect class, and whether its place in the chain checked out. The record's verdict
// heads the text. No argument or result is shown: a ledger holds only their hashes.
import { plural, shortTime } from '../common/format';
import type { LedgerReport, UnreadableLayer } from './snapshotView';

/** The record's verdict in a line ("Record intact: …", "Record NOT intact at entry 3 (git_commit): …"). */
export function recordLine(report: LedgerReport | UnreadableLayer | null): string {
  if (!report) {
    return 'No tool-call record.';
  }
  if ('unreadable' in report) {
    return report.missing ? 'The tool-call record is missing from the store.' : 'The tool-call record cannot be read.';
  }
  if (report.kind === 'effects.merged.v1') {
    return "A merge record: its calls are its two parents' records.";
  }
  switch (report.verdict) {
    case 'ok':
      return `Record intact: ${report.reason}.`;
    case 'bad':
      return `Record NOT intact at entry ${report.entry}${report.tool ? ` (${report.tool})` : ''}: ${report.reason}.`;
    default:
      return `Record not checked: ${report.reason}.`;
  }
}

/** The record as text: its verdict, then one line a call (`#3  2026-11-20 09:10:03  git_commit  irreversible  ✗`). */
export function toolCallText(name: string, report: LedgerReport | UnreadableLayer | null): string {
  const lines = [`${name}`, recordLine(report)];
  if (report && !('unreadable' in report) && report.kind === 'effects.ledger.v1') {
    lines.push(
      `${plural(report.entryLines, 'call')}${report.entries.length < report.entryLines ? ` (the first ${report.entries.length} listed)` : ''}`,
      '',
    );
    for (const e of report.entries) {
      const when = shortTime(e.ts) ?? '(no time)';
      const chain = e.chain === 'ok' ? '✓ intact' : e.chain === 'bad' ? '✗ NOT intact' : 'not checked';
      lines.push(`#${e.index}  ${when}  ${e.tool ?? '(no tool)'}  ${e.sideEffectClass ?? '(no class)'}  ${chain}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
