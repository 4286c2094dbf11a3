// Quick fixes: "Fetch from <remote>" for each configured registry on a missing blob, and "Set Operator Session
// Secret…" on a tool-call record that cannot be checked without it.
import type { CodeAction, CodeActionParams } from 'vscode-languageserver';
import { CodeActionKind } from 'vscode-languageserver';
import { DIAGNOSTIC_SOURCE } from './diagnostics';

export const FETCH_COMMAND = 'processfork.fetchFromRemote';
export const SESSION_SECRET_COMMAND = 'processfork.setSessionSecret';

export function codeActionsFor(params: CodeActionParams, remotes: string[]): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const d of params.context.diagnostics) {
    if (d.source === DIAGNOSTIC_SOURCE && d.code === 'ledger-unverifiable') {
      actions.push({
        title: 'Set Operator Session Secret…',
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        command: { title: 'Set Operator Session Secret…', command: SESSION_SECRET_COMMAND },
      });
      continue;
    }
    if (d.source !== DIAGNOSTIC_SOURCE || d.code !== 'missing-blob') {
      continue;
    }
    const digest = (d.data as { digest?: string } | undefined)?.digest;
    if (!digest) {
      continue;
    }
    for (const remote of remotes) {
      actions.push({
        title: `Fetch from ${remote}`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        command: { title: `Fetch from ${remote}`, command: FETCH_COMMAND, arguments: [digest, remote] },
      });
    }
  }
  return actions;
}
