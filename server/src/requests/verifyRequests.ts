// processfork/verify: one blob, an image's closure, or the whole store, on the worker pool. Reports
// work-done progress (throttled), streams problems as partial results, and stops between blobs when the
// client cancels, answering what it checked so far with `cancelled: true`.
import type { Connection, PartialResultParams, WorkDoneProgressParams } from 'vscode-languageserver';
import type { WorkDone } from '../lsp/progressReporters';
import { partialResultsOn, workDoneOn } from '../lsp/progressReporters';
import { formatDigest, parseDigest } from '../../../shared/blobs/digest';
import type { VerifyProblemInfo, VerifyReport, VerifyTarget } from '../../../shared/protocol';
import { VerifyRequest } from '../../../shared/protocol';
import type { VerifyProblem, VerifySummary } from '../store/blobs/blobStore';
import { abortSignalOf, guarded, invalidInput, objectParams } from '../lsp/rpcErrors';
import type { StoreHost } from '../host/storeHost';
import { imageDetails } from '../host/imageDetails';
import { progressOf } from '../../../shared/common/format';
import { ledgerSummaryLine } from '../store/layers/snapshot/imageChecks';
import { imageCheckInfos } from '../host/imageCheckInfo';
import { blobUsers, snapshotNames, userLabel } from '../host/blobUsers';

const PROGRESS_EVERY_MS = 100;

export function registerVerifyRequest(connection: Connection, host: StoreHost): void {
  const log = (m: string) => connection.console.error(m);
  connection.onRequest(
    VerifyRequest.type,
    guarded(log, async (params, token) => {
      const target = objectParams<VerifyTarget & WorkDoneProgressParams & PartialResultParams>(params, 'verify');
      const workDone = workDoneOn(connection, target.workDoneToken);
      const partial = partialResultsOn<VerifyProblemInfo[]>(connection, target.partialResultToken);
      return runVerify(host, target, abortSignalOf(token), workDone, partial);
    }),
  );
}

async function runVerify(
  host: StoreHost,
  target: VerifyTarget,
  signal: AbortSignal | undefined,
  workDone: WorkDone,
  partial: ((batch: VerifyProblemInfo[]) => void) | undefined,
): Promise<VerifyReport> {
  const { store, facts } = host.open;
  let hexes: string[];
  let layerOf = new Map<string, string>();
  let unchecked: VerifyProblem[] = [];
  switch (target.kind) {
    case 'blob':
      hexes = [parseDigest(target.digest)];
      break;
    case 'image': {
      const details = await imageDetails(host, parseDigest(target.digest));
      layerOf = new Map(details.references.map((r) => [r.digest.slice(7), r.layer]));
      hexes = [...new Set(details.references.map((r) => r.digest.slice(7)))];
      // Nested manifests that could not be expanded: what they name went unchecked, which is a failure.
      unchecked = details.unexpanded.map((u) => ({
        hex: u.hex,
        kind: 'unchecked',
        message: `${u.layer}: ${u.reason}`,
      }));
      break;
    }
    case 'store':
      hexes = [];
      break;
    default:
      throw invalidInput(`verify target must be { kind: 'blob' | 'image' | 'store' }`);
  }

  const title =
    target.kind === 'store'
      ? 'Verifying the store'
      : target.kind === 'image'
        ? 'Verifying the image closure'
        : 'Verifying the blob';
  workDone.begin(title);
  let lastReport = 0;
  const pendingProblems: VerifyProblemInfo[] = [];
  const pendingVerdicts = new Set<Promise<unknown>>();
  const flush = () => {
    if (partial && pendingProblems.length > 0) {
      partial(pendingProblems.splice(0));
    }
  };
  const onResult = (
    result: { hex: string; ok: boolean; problem?: VerifyProblem; decodedBytes?: number },
    done: number,
    total: number,
  ) => {
    // Verdicts land asynchronously (an lstat keys each to its file version); the reply waits for the last.
    const remembering = facts
      .remember(result.hex, result.ok, result.problem?.message, result.decodedBytes)
      .catch(() => undefined);
    pendingVerdicts.add(remembering);
    void remembering.finally(() => pendingVerdicts.delete(remembering));
    if (result.problem) {
      pendingProblems.push(infoOf(result.problem, layerOf));
    }
    const now = Date.now();
    if (now - lastReport >= PROGRESS_EVERY_MS || done === total) {
      lastReport = now;
      workDone.report(total === 0 ? 100 : Math.floor((done / total) * 100), progressOf(done, total, 'blobs'));
      flush();
    }
  };
  try {
    const summary: VerifySummary =
      target.kind === 'store'
        ? await store.verifyAll({ signal, onResult })
        : await store.verifyMany(hexes, { signal, onResult });
    const problems = await withUsers(
      host,
      [...unchecked, ...summary.problems].map((p) => infoOf(p, layerOf)),
    );
    flush();
    await Promise.all(pendingVerdicts);
    await host.noteVerified(
      summary.problems
        .filter((p) => p.hex !== '' && p.kind !== 'not-found')
        .map((p) => ({ hex: p.hex, problem: `${p.kind}: ${p.message}` })),
    );
    const report: VerifyReport = { checked: summary.checked, ok: summary.ok, problems, cancelled: summary.cancelled };
    if (target.kind !== 'blob' && !summary.cancelled) {
      // Beyond bytes, as pfstore verify: each image's effects ledger chain and the secrets it carries in clear.
      const hex = target.kind === 'image' ? parseDigest(target.digest) : undefined;
      const found = await host.open.images.checkNow(hex, signal);
      report.images = imageCheckInfos(found);
      report.ledgerSummary = ledgerSummaryLine(found.ledgers);
    }
    return report;
  } finally {
    workDone.done();
  }
}

/** Problems named by more blobs than this list no snapshots (a store-wide disaster needs no per-row names). */
const NAMED_PROBLEMS_MAX = 1000;
const USERS_LISTED = 20;

/** Each failing blob's Problems row says which snapshots it hurts, by name: the graph if built, else the catalog. */
async function withUsers(host: StoreHost, problems: VerifyProblemInfo[]): Promise<VerifyProblemInfo[]> {
  if (problems.length > NAMED_PROBLEMS_MAX) {
    return problems;
  }
  const out: VerifyProblemInfo[] = [];
  const names = await snapshotNames(host); // once, not once per failing blob
  for (const p of problems) {
    if (!p.digest || p.kind === 'stray') {
      out.push(p);
      continue;
    }
    const users = await blobUsers(host, p.digest.slice(7), { names }).catch(() => undefined);
    // "No snapshot uses it" only when that is known: an incomplete look that found none says nothing.
    const known = users && (users.images.length > 0 || (users.complete && users.unknown === 0));
    out.push(
      known
        ? { ...p, usedBy: users.images.slice(0, USERS_LISTED).map(userLabel), usedByCount: users.images.length }
        : p,
    );
  }
  return out;
}

function infoOf(p: VerifyProblem, layerOf: Map<string, string>): VerifyProblemInfo {
  return {
    ...(p.hex ? { digest: formatDigest(p.hex) } : {}),
    kind: p.kind,
    message: p.message,
    ...(layerOf.has(p.hex) ? { layer: layerOf.get(p.hex) } : {}),
  };
}
