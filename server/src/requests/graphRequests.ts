// The reference graph's custom requests: where a digest is used, and what the store and each image cost.
import type { Connection } from 'vscode-languageserver';
import { formatDigest, parseDigest } from '../../../shared/blobs/digest';
import type { ReferencesParams, StoreStatsParams } from '../../../shared/protocol';
import { ReferencesRequest, StoreStatsRequest } from '../../../shared/protocol';
import type { StoreHost } from '../host/storeHost';
import { workDoneOn } from '../lsp/progressReporters';
import { abortSignalOf, guarded, objectParams } from '../lsp/rpcErrors';
import { storeStats } from '../store/analysis/storeStats';
import { unknownUseToJson } from '../store/analysis/referenceGraph';
import { progressOf } from '../../../shared/common/format';

export function registerGraphRequests(connection: Connection, host: StoreHost): void {
  const log = (m: string) => connection.console.error(m);

  connection.onRequest(
    ReferencesRequest.type,
    guarded(log, async (raw) => {
      const hex = parseDigest(objectParams<ReferencesParams>(raw, 'references').digest);
      const graph = await host.open.graph.get();
      return {
        digest: formatDigest(hex),
        images: graph.whereUsed(hex).map((u) => ({ image: formatDigest(u.image), places: u.places })),
        unknown: graph.unknownImages().map(unknownUseToJson),
      };
    }),
  );

  connection.onRequest(
    StoreStatsRequest.type,
    guarded(log, async (raw, token) => {
      const params = raw === undefined || raw === null ? {} : objectParams<StoreStatsParams>(raw, 'stats');
      const workDone = workDoneOn(connection, params.workDoneToken);
      workDone.begin('Store statistics');
      try {
        return await storeStats(host.open.store, {
          signal: abortSignalOf(token),
          onProgress: (done, total) =>
            workDone.report(
              Math.floor((done / Math.max(total, 1)) * 100),
              `sizing ${progressOf(done, total, 'blobs')}`,
            ),
        });
      } finally {
        workDone.done();
      }
    }),
  );
}
