// Work-done progress and partial results on tokens the client chose (vscode-languageserver 11 no longer
// exports its attach helpers). Without a token the reporters do nothing, as LSP specifies.
import type {
  Connection,
  ProgressToken,
  WorkDoneProgressBegin,
  WorkDoneProgressEnd,
  WorkDoneProgressReport,
} from 'vscode-languageserver';
import { ProgressType, WorkDoneProgress } from 'vscode-languageserver';

export interface WorkDone {
  begin(title: string, message?: string): void;
  report(percentage: number, message: string): void;
  done(): void;
}

export function workDoneOn(connection: Connection, token: ProgressToken | undefined): WorkDone {
  if (token === undefined) {
    return { begin() {}, report() {}, done() {} };
  }
  const send = (value: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd) =>
    void connection.sendProgress(WorkDoneProgress.type, token, value);
  return {
    begin: (title, message) => send({ kind: 'begin', title, message, percentage: 0, cancellable: true }),
    report: (percentage, message) => send({ kind: 'report', percentage, message }),
    done: () => send({ kind: 'end' }),
  };
}

export function partialResultsOn<T>(
  connection: Connection,
  token: ProgressToken | undefined,
): ((batch: T) => void) | undefined {
  if (token === undefined) {
    return undefined;
  }
  const type = new ProgressType<T>();
  return (batch) => void connection.sendProgress(type, token, batch as never);
}
