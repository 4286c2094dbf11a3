// Quick fixes on missing-blob diagnostics: "Fetch from <remote>" for each configured registry.
import type { CodeAction, CodeActionParams } from 'vscode-languageserver';
import { CodeActionKind } from 'vscode-languageserver';
import { DIAGNOSTIC_SOURCE } from './diagnostics';

export const FETCH_COMMAND = 'processfork.fetchFromRemote';

export function codeActionsFor(params: CodeActionParams, remotes: string[]): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const d of params.context.diagnostics) {
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
