// A cancellable progress notification fed by the server's work-done reports for one request.
import * as vscode from 'vscode';
import { WorkDoneProgress } from 'vscode-languageclient/node';
import type { StoreApi } from './storeApi';

let counter = 0;

export function withServerProgress<T>(
  api: StoreApi,
  title: string,
  run: (workDoneToken: string, token: vscode.CancellationToken) => Promise<T>,
): Thenable<T> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      const workDoneToken = `processfork-${process.pid}-${++counter}`;
      let last = 0;
      const sub = api.client.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
        if (value.kind !== 'report') {
          return;
        }
        const pct = value.percentage ?? last;
        progress.report({ increment: Math.max(0, pct - last), message: value.message });
        last = pct;
      });
      try {
        return await run(workDoneToken, token);
      } finally {
        sub.dispose();
      }
    },
  );
}
