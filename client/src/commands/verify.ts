// Verify the store, an image or a blob: a cancellable progress notification fed by the server's work-done
// reports; problems mark the tree and tabs, and a summary offers the list.
import * as vscode from 'vscode';
import type { VerifyReport, VerifyTarget } from '../../../shared/protocol';
import { snapshotsSummary } from '../../../shared/checks/verifyWords';
import { log } from '../log';
import type { KnownProblems } from '../problems/knownProblems';
import type { StoreApi } from '../connection/storeApi';
import type { VerifyProblems } from '../problems/verifyProblems';
import { withServerProgress } from '../connection/serverProgress';
import { plural } from '../../../shared/common/format';

export async function runVerify(
  api: StoreApi,
  problems: KnownProblems,
  target: VerifyTarget,
  title: string,
  panel?: VerifyProblems,
): Promise<VerifyReport> {
  const report = await withServerProgress(api, title, (workDoneToken, token) =>
    api.verify(target, workDoneToken, token),
  );
  for (const p of report.problems) {
    if (!p.digest) {
      continue;
    }
    if (p.kind === 'not-found') {
      problems.setMissing(p.digest);
    } else {
      problems.setBad(p.digest, `${p.kind}: ${p.message}`);
    }
  }
  panel?.show(report.problems, target.kind === 'store' && !report.cancelled);
  if (report.images) {
    panel?.showSnapshots(report.images, target.kind === 'store' && !report.cancelled);
  }
  const failed = report.problems.length;
  const records = report.images ? snapshotsSummary(report.images) : undefined;
  const summary = `${report.cancelled ? 'Verify cancelled after' : 'Verified'} ${plural(report.checked, 'blob')}: ${failed === 0 ? 'all OK' : `${plural(failed, 'problem')}`}${records ? `. ${records.text}` : ''}`;
  log.info(summary);
  if (report.ledgerSummary) {
    log.info(report.ledgerSummary);
  }
  for (const p of report.problems) {
    log.warn(`${p.digest ?? ''} ${p.layer ? `(${p.layer}) ` : ''}${p.kind}: ${p.message}`);
  }
  if (failed > 0 || records?.alarming) {
    void vscode.window
      .showWarningMessage(summary, 'Show Problems')
      .then((c) => c && vscode.commands.executeCommand('workbench.actions.view.problems'));
  } else {
    void vscode.window.showInformationMessage(summary);
  }
  return report;
}
